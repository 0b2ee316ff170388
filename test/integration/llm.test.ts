/**
 * Plumbing of the local LLM with a real model file: stories260K (llama2.c TinyStories, 1.2 MB).
 * Its text is nonsense, so these tests check loading, grammar-constrained JSON, cancellation and
 * resource ownership, never meaning (that is the scripted provider's job, in evolve tests).
 *
 * The model is found through RL_STUDIO_TEST_MODEL, default `<repo>/../shared/models/stories260K.gguf`;
 * without it the tests that need it fail under CI=true and skip elsewhere, saying so (test/test-model.mjs). The download tests serve the same file from
 * a local HTTP server on 127.0.0.1: no network is used.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelManager, type LoadedModel, type ModelState } from "../../runtime/src/llm/model-manager.js";
import { LlamaProvider } from "../../runtime/src/llm/llama-provider.js";
import { LlmUnavailableError, NO_MODEL_MESSAGE } from "../../runtime/src/llm/provider.js";
import { chooseThreads } from "../../runtime/src/llm/node-llama.js";
import { suggestRewards } from "../../runtime/src/reward-design/suggest.js";
import { requireTestModel } from "../test-model.mjs";


const SCHEMA = {
  type: "object",
  properties: {
    components: { type: "array", minItems: 1, maxItems: 2, items: { type: "object", properties: { name: { type: "string" }, code: { type: "string" } } } },
  },
} as const;

test("chooseThreads: half the logical CPUs, at least 1, at most 8", () => {
  assert.equal(chooseThreads(1), 1);
  assert.equal(chooseThreads(2), 1);
  assert.equal(chooseThreads(16), 8);
  assert.equal(chooseThreads(64), 8);
});

test("no model configured: every use fails at once with the no-model message", async () => {
  const manager = new ModelManager({ modelsDir: mkdtempSync(join(tmpdir(), "rl-llm-")) });
  const provider = new LlamaProvider(manager);
  await assert.rejects(provider.generateJson({ prompt: "x", schema: SCHEMA }), (err: unknown) => {
    assert.ok(err instanceof LlmUnavailableError);
    assert.equal(err.reason, "no-model");
    assert.equal(err.message, NO_MODEL_MESSAGE);
    return true;
  });
  assert.equal(manager.state.state, "no-model");
  await manager.dispose();
});

test("a missing model path fails with the path in the reason", async () => {
  const manager = new ModelManager({ model: "/nonexistent/model.gguf" });
  await assert.rejects(manager.load(), /model file not found: \/nonexistent\/model\.gguf/);
  assert.equal(manager.state.state, "failed");
  await manager.dispose();
});

test("an hf: URI not downloaded yet is reported as no model, without hanging", async () => {
  // resolveModelFile may try the network to name the file; the resolve timeout bounds it.
  const manager = new ModelManager({ model: "hf:nobody/nothing-GGUF:Q4_K_M", modelsDir: mkdtempSync(join(tmpdir(), "rl-llm-")), resolveTimeoutMs: 3000 });
  await assert.rejects(manager.load(), (err: unknown) => err instanceof LlmUnavailableError && err.reason === "no-model" && /not downloaded yet/.test(err.message));
  await manager.dispose();
});

test("real model: loads, generates grammar-constrained JSON, frees its sequence, disposes", async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const manager = new ModelManager({ model: MODEL, gpu: "off", threads: 1, contextSize: 512 });
  const states: ModelState["state"][] = [];
  manager.onDidChangeState((s) => states.push(s.state));
  const provider = new LlamaProvider(manager);
  let loaded: LoadedModel | undefined;
  manager.onDidChangeState((s) => {
    // Taken synchronously when the model is ready, so the checks below read sequencesLeft with no
    // await between the generation settling and the read (an await would let a late dispose finish).
    if (s.state === "ready") void manager.load().then((l) => (loaded = l));
  });
  const out = await provider.generateJson({ prompt: "Once upon a time", schema: SCHEMA, maxTokens: 200, seed: 1, temperature: 0 });
  assert.ok(loaded);
  assert.equal(loaded.context.sequencesLeft, 1, "the generation's sequence was given back before the generation resolved");
  assert.deepEqual(states, ["loading", "ready"]);
  const value = out.value as { components?: { name: string; code: string }[] };
  assert.ok(Array.isArray(value.components), `parsed output has components: ${out.text}`);
  assert.deepEqual(JSON.parse(out.text), value);
  assert.ok(out.stats.generatedTokens > 0 && out.stats.promptTokens > 0);

  // A second generation reuses the same model and context (one Llama, one model).
  await provider.generateJson({ prompt: "The cat", schema: SCHEMA, maxTokens: 200, seed: 2 });
  assert.equal(loaded.context.sequencesLeft, 1);
  assert.equal((await manager.load()).context, loaded.context);

  // Back to back: the second is queued while the first runs and takes the single sequence the
  // moment the first settles, which it can only do if the first's sequence is already given back.
  const both = await Promise.all([
    provider.generateJson({ prompt: "The dog", schema: SCHEMA, maxTokens: 200, seed: 3 }),
    provider.generateJson({ prompt: "The bird", schema: SCHEMA, maxTokens: 200, seed: 4 }),
  ]);
  assert.ok(both.every((g) => g.stats.generatedTokens > 0));
  assert.equal(loaded.context.sequencesLeft, 1);

  await provider.dispose();
  await manager.dispose();
  assert.equal(loaded.model.disposed, true);
  assert.equal(loaded.llama.disposed, true);
});

test("real model: a generation settles only once its sequence is given back, so the one queued behind it gets it", async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const manager = new ModelManager({ model: MODEL, gpu: "off", threads: 1, contextSize: 512 });
  const provider = new LlamaProvider(manager);
  const loaded = await manager.load();
  // node-llama-cpp gives a sequence id back under the context's lock, so dispose() finishes late
  // whenever a decode batch still holds that lock. Make every dispose that late, deterministically.
  const getSequence = loaded.context.getSequence.bind(loaded.context);
  loaded.context.getSequence = (options?: Parameters<typeof getSequence>[0]) => {
    const sequence = getSequence(options);
    const dispose = sequence.dispose.bind(sequence);
    sequence.dispose = () => new Promise<void>((ok) => setTimeout(ok, 20)).then(dispose);
    return sequence;
  };
  await provider.generateJson({ prompt: "Once upon a time", schema: SCHEMA, maxTokens: 200, seed: 1, temperature: 0 });
  assert.equal(loaded.context.sequencesLeft, 1, "the sequence was given back before the generation resolved");
  const both = await Promise.allSettled([
    provider.generateJson({ prompt: "The dog", schema: SCHEMA, maxTokens: 200, seed: 3, temperature: 0 }),
    provider.generateJson({ prompt: "The bird", schema: SCHEMA, maxTokens: 200, seed: 4, temperature: 0 }),
  ]);
  assert.deepEqual(
    both.map((g) => (g.status === "fulfilled" ? "ok" : (g.reason as Error).message)),
    ["ok", "ok"],
    "two generations back to back both get the single sequence",
  );
  assert.equal(loaded.context.sequencesLeft, 1);
  await manager.dispose();
});

test("real model: aborting mid-generation rejects with AbortError and frees the sequence", async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const manager = new ModelManager({ model: MODEL, gpu: "off", threads: 1, contextSize: 512 });
  const provider = new LlamaProvider(manager);
  const longSchema = { type: "object", properties: { story: { type: "string" } } } as const;
  const controller = new AbortController();
  let chunks = 0;
  await assert.rejects(
    provider.generateJson({
      prompt: "Once upon a time",
      schema: longSchema,
      maxTokens: 100_000,
      signal: controller.signal,
      onText: () => {
        if (++chunks === 5) controller.abort();
      },
    }),
    (err: unknown) => (err as Error).name === "AbortError",
  );
  assert.equal(chunks >= 5 && chunks < 50, true, `stopped soon after the abort (${chunks} chunks)`);
  const loaded = await manager.load();
  assert.equal(loaded.context.sequencesLeft, 1, "the aborted generation's sequence was disposed");
  // The model is still usable after a cancelled generation.
  const out = await provider.generateJson({ prompt: "Once upon a time", schema: SCHEMA, maxTokens: 200, seed: 1, temperature: 0 });
  assert.ok(out.stats.generatedTokens > 0);
  await manager.dispose();
});

test("real model under the reward grammar: llama.cpp reads it, every answer parses, and the checks pass on what it wrote", { timeout: 360_000 }, async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const dir = mkdtempSync(join(tmpdir(), "rl-llm-grammar-"));
  const file = join(dir, "pendulum.rl.ts");
  // Pendulum: a Box action, so the grammar's operands include action[0].
  writeFileSync(file, `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "g", env: "Pendulum-v1", task: "Keep the pendulum upright.", algorithm: "ppo" });\n`);
  const manager = new ModelManager({ model: MODEL, gpu: "off", contextSize: 2048 });
  const provider = new LlamaProvider(manager);
  try {
    let valid = 0;
    let total = 0;
    for (const seed of [1, 2, 3]) {
      const out = await suggestRewards(file, { provider, count: 2, seed, samples: 64 });
      total += out.candidates.length + out.rejected.length;
      valid += out.candidates.length;
      for (const c of out.candidates) assert.match(c.code, /^reward: \(/);
      // What the grammar cannot stop is numeric (Math.exp overflowing) or two equal random names; never syntax, unknown names or fields, or an unreadable answer.
      for (const r of out.rejected) assert.match(r.reason, /finite number|two components are named/, r.reason);
    }
    assert.ok(valid >= 1, `${valid} of ${total} candidates validated`);
  } finally {
    await provider.dispose();
    await manager.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ── download, offline ──────────────────────────────────────────────────────────

/** Serves `file` at /model.gguf with Range support; `throttle` sends it in slow 16 KB pieces. */
function serve(file: string, throttle: boolean): Promise<{ server: Server; url: string }> {
  const data = readFileSync(file);
  const server = createServer((req, res) => {
    if (req.url !== "/model.gguf") {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = data.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    }
    const headers = { "content-type": "application/octet-stream", "accept-ranges": "bytes", "content-length": String(end - start + 1) };
    if (range) res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${data.length}` });
    else res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (!throttle) {
      res.end(data.subarray(start, end + 1));
      return;
    }
    let at = start;
    const tick = setInterval(() => {
      if (res.destroyed || at > end) {
        clearInterval(tick);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(data.subarray(at, Math.min(at + 16_384, end + 1)));
      at += 16_384;
    }, 50);
    res.on("close", () => clearInterval(tick));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/model.gguf` })));
}

test("download from a local HTTP server: progress, the file lands, then it loads", async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const { server, url } = await serve(MODEL, false);
  const dir = mkdtempSync(join(tmpdir(), "rl-llm-dl-"));
  try {
    const manager = new ModelManager({ model: url, modelsDir: dir, gpu: "off", threads: 1, contextSize: 256 });
    const progress: number[] = [];
    const states: string[] = [];
    manager.onDidChangeState((s) => states.push(s.state));
    const path = await manager.download({ onProgress: (p) => progress.push(p.downloadedBytes) });
    assert.equal(statSync(path).size, statSync(MODEL).size);
    assert.ok(readFileSync(path).equals(readFileSync(MODEL)), "the downloaded bytes equal the served file");
    assert.ok(progress.length > 0 && progress.at(-1) === statSync(MODEL).size, `progress reached the file size: ${progress.join(",")}`);
    assert.equal(states[0], "downloading");
    assert.equal(states.at(-1), "ready");
    await manager.dispose();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("download cancelled mid-transfer: AbortError, no model file left, state no-model", async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const { server, url } = await serve(MODEL, true);
  const dir = mkdtempSync(join(tmpdir(), "rl-llm-dl-"));
  try {
    const manager = new ModelManager({ model: url, modelsDir: dir, gpu: "off", threads: 1 });
    const controller = new AbortController();
    await assert.rejects(
      manager.download({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.downloadedBytes > 0) controller.abort();
        },
      }),
      (err: unknown) => (err as Error).name === "AbortError",
    );
    assert.equal(manager.state.state, "no-model");
    assert.match((manager.state as { message: string }).message, /cancelled/);
    const complete = readdirSync(dir).filter((f) => f.endsWith(".gguf") && statSync(join(dir, f)).size === statSync(MODEL).size);
    assert.deepEqual(complete, [], "no complete model file after a cancelled download");
    await manager.dispose();
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
