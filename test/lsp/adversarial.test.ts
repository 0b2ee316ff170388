/**
 * Hostile documents over LSP: 100 k-character lines of the shapes that made the old completion
 * regexes quadratic (8 s at 40 k characters; 122 s for one completion at 100 k under load), and
 * nesting deeper than TypeScript's parser can follow. Every request handler costs the server well
 * under a second of CPU (see `timed`: a bound that holds on a loaded CI machine; `bench/lsp.ts`
 * measures the p95, target 50 ms), the env-id diagnostic is still published, and the server keeps
 * serving.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Diagnostic, Position } from "vscode-languageserver-protocol";
import { CARTPOLE_EXPERIMENT, LspTestClient } from "./lsp-client.js";
import { adversarialDocuments, LINE } from "./adversarial-documents.js";

const BOUND_MS = 1000;

let client: LspTestClient;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  await client.dispose();
});

/** CPU seconds (user + system) of the server process, from /proc; null where there is none. */
function serverCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/${client.process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000; // utime + stime, USER_HZ = 100
  } catch {
    return null;
  }
}

/**
 * Run a request and bound its cost: the server's CPU time under BOUND_MS where /proc tells it (a
 * loaded machine stretches wall time, not CPU time), and wall time under 5 × BOUND_MS in any case.
 * The quadratic regexes took minutes of both on these lines.
 */
async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const cpu0 = serverCpuMs();
  const t0 = performance.now();
  const r = await f();
  const ms = performance.now() - t0;
  const cpu1 = serverCpuMs();
  const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  if (cpu !== null) assert.ok(cpu < BOUND_MS, `${what}: ${cpu.toFixed(0)} ms of server CPU (bound ${BOUND_MS} ms)`);
  assert.ok(ms < (cpu === null ? BOUND_MS : 5 * BOUND_MS), `${what}: ${ms.toFixed(0)} ms (bound ${cpu === null ? BOUND_MS : 5 * BOUND_MS} ms)`);
  return r;
}

const messageOf = (d: Diagnostic): string => (typeof d.message === "string" ? d.message : d.message.value);

function assertEnvDiagnostic(diagnostics: Diagnostic[], what: string): void {
  const env = diagnostics.find((d) => d.code === "unknown-env");
  assert.ok(env, `${what}: unknown-env published among ${JSON.stringify(diagnostics.map((d) => d.code))}`);
  assert.match(messageOf(env), /Did you mean "CartPole-v1"\?/, what);
}

const knownEnv = new Map(adversarialDocuments("CartPole-v1").map((d) => [d.name, d]));

for (const doc of adversarialDocuments()) {
  test(`100 k-character line (${doc.name}): every handler under ${BOUND_MS} ms, the env diagnostic published`, async () => {
    // The misspelt env: its diagnostic and quick fix.
    const uri = `file:///tmp/adversarial-${doc.name.replace(/\W+/g, "-")}.rl.ts`;
    const lines = doc.text.split("\n");
    assert.ok(lines[doc.line]!.length >= LINE, `${doc.name}: a ${lines[doc.line]!.length}-character line`);
    const diagnostics = await timed(`${doc.name}: open → diagnostics`, () => client.open(uri, doc.text));
    assertEnvDiagnostic(diagnostics, doc.name);
    const envLine = lines.findIndex((l) => l.includes('"CartPol"'));
    const envAt = { line: envLine, character: lines[envLine]!.indexOf("CartPol") + 2 };
    const actions = await timed(`${doc.name}: code actions`, () => client.codeActions(uri, { start: envAt, end: envAt }, diagnostics));
    assert.ok(actions.some((a) => a.title === 'Change to "CartPole-v1"'), `${doc.name}: the quick fix is offered`);
    await timed(`${doc.name}: completion in the env id`, () => client.completion(uri, envAt));

    // The known env: completion reads the text before the cursor on the long line; hovers; lenses; an edit.
    const good = knownEnv.get(doc.name)!;
    const goodUri = uri.replace(".rl.ts", "-known-env.rl.ts");
    await timed(`${doc.name}: open (known env)`, () => client.open(goodUri, good.text));
    const long = good.text.split("\n")[good.line]!;
    const positions: Position[] = [
      { line: good.line, character: long.length - 1 },
      { line: good.line, character: Math.floor(long.length / 2) },
      { line: good.line, character: 10 },
    ];
    for (const p of positions) {
      await timed(`${doc.name}: completion at ${p.character}`, () => client.completion(goodUri, p));
      await timed(`${doc.name}: hover at ${p.character}`, () => client.hover(goodUri, p));
    }
    const goodLines = good.text.split("\n");
    const goodEnvLine = goodLines.findIndex((l) => l.includes('"CartPole-v1"'));
    const hover = await timed(`${doc.name}: hover on the env id`, () => client.hover(goodUri, { line: goodEnvLine, character: goodLines[goodEnvLine]!.indexOf("CartPole") + 2 }));
    assert.ok(hover, `${doc.name}: the env id's documentation`);
    const lenses = await timed(`${doc.name}: code lenses`, () => client.codeLenses(goodUri));
    assert.equal(lenses.length, 5, `${doc.name}: the lenses are there`);
    // An edit at the end of the long line, as typing there would: re-analysed in time too.
    const edited = await timed(`${doc.name}: edit → diagnostics`, () => client.change(uri, 2, [{ range: { start: { line: doc.line, character: lines[doc.line]!.length }, end: { line: doc.line, character: lines[doc.line]!.length } }, text: "." }]));
    assertEnvDiagnostic(edited!, `${doc.name} after an edit`);
    assert.ok(client.alive, "the server is running");
  });
}

test("nesting deeper than TypeScript's parser: the env diagnostic and its fix still come, with a note on what is not checked", async () => {
  const base = CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"CartPol"');
  for (const [name, nest, reason] of [
    // One bracket per line: every line is short, the parser overflows its stack (at about 1,000 levels).
    ["20 k nested parentheses, one per line", "(\n".repeat(20_000) + "1" + "\n)".repeat(20_000), /nests too deeply for TypeScript's parser/],
    ["20 k nested arrays, one per line", "[\n".repeat(20_000) + "\n]".repeat(20_000), /nests too deeply for TypeScript's parser/],
    ["5,000 nested parentheses on one line", "(".repeat(5_000) + "1" + ")".repeat(5_000), /nests too deeply for TypeScript's parser/],
    // On one line: longer than the parser is given.
    ["100 k nested arrays on one line", "[".repeat(100_000) + "]".repeat(100_000), /line \d+ has 200,0\d\d characters/],
  ] as const) {
    const uri = `file:///tmp/deep-${name.replace(/\W+/g, "-")}.rl.ts`;
    const text = base.replace("upright: 1 - Math.abs(nextObs.theta) / 0.2095,", `upright: ${nest},`).replace("numEnvs: 8", "numEnv: 8");
    const diagnostics = await timed(`${name}: open → diagnostics`, () => client.open(uri, text));
    assertEnvDiagnostic(diagnostics, name);
    assert.ok(diagnostics.some((d) => d.code === "unknown-hyperparameter" && /Did you mean "numEnvs"\?/.test(messageOf(d))), `${name}: hyperparameter keys are still checked`);
    const note = diagnostics.find((d) => d.code === "shallow-analysis");
    assert.ok(note, `${name}: says the analysis is shallow`);
    assert.match(messageOf(note), reason);
    const envLine = text.split("\n").findIndex((l) => l.includes('"CartPol"'));
    const envAt = { line: envLine, character: text.split("\n")[envLine]!.indexOf("CartPol") + 2 };
    const actions = await timed(`${name}: code actions`, () => client.codeActions(uri, { start: envAt, end: envAt }, diagnostics));
    assert.ok(actions.some((a) => a.title === 'Change to "CartPole-v1"'));
    assert.equal((await timed(`${name}: code lenses`, () => client.codeLenses(uri))).length, 5, `${name}: Train, Run Sweep, Suggest reward, Propose sub-goals, Explain`);
    assert.ok((await timed(`${name}: completion`, () => client.completion(uri, envAt))).some((c) => c.label === "CartPole-v1"));
  }
  // The parser's state survived the overflows: an ordinary document is read whole again.
  const clean = await client.open("file:///tmp/after-deep.rl.ts", CARTPOLE_EXPERIMENT.replace("nextObs.theta", "nextObs.angle"));
  assert.deepEqual(clean.map((d) => d.code), ["unknown-observation-field"]);
  assert.ok(client.alive);
  assert.deepEqual(client.loggedErrors, [], "no handler failed");
});
