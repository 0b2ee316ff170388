/**
 * TWOSOME policy throughput per tfjs backend available here, printed as JSON lines and a final JSON
 * summary. Run: `npm run bench -- twosome-model` or `node --import tsx bench/twosome-model.ts`.
 *
 * At the shape of TWOSOME's Overcooked runs (runtime/src/llm-policy/bench.ts): Tomato-lettuce Salad
 * states of the ported env (142-token prompts with stories260K), 8 actions, 4 environments per step. For each backend (wasm, cpu; a GPU machine adds its own) and
 * model (the test model stories260K, llama; the tiny random qwen2 of the unit tests): tokens/s of the
 * rollout forward (shared prefixes, and the reference layout) and of one PPO policy minibatch
 * (forward + backward + Adam), with wall medians, CPU time per call and the load average.
 */
import { loadavg } from "node:os";
import { benchTransformerThroughput } from "../runtime/src/llm-policy/bench.js";
import { BackendUnavailableError } from "../runtime/src/backends/select.js";
import type { TfjsBackend } from "../runtime/src/backends/tfjs-learner.js";
import { writeTinyQwen2 } from "../test/unit/llm-policy/tiny-qwen2.js";
import { TEST_MODEL, missingTestModel } from "../test/test-model.mjs";

const print = (o: unknown) => console.log(JSON.stringify(o));

async function main(): Promise<void> {
  const models: [string, string][] = [];
  const missing = missingTestModel();
  if (missing === null) models.push(["stories260K", TEST_MODEL]);
  else print({ section: "twosome-model", skipped: missing });
  models.push(["tiny-qwen2", writeTinyQwen2().path]);
  const backends = (process.env.RL_STUDIO_BENCH_BACKENDS ?? "wasm,cpu").split(",") as TfjsBackend[];
  const results: unknown[] = [];
  for (const backend of backends) {
    for (const [name, path] of models) {
      try {
        // tfjs-cpu is ~15× slower than wasm here (its products are plain JavaScript): fewer repetitions, no reference layout.
        const r = await benchTransformerThroughput(backend, path, backend === "cpu" ? { reps: 2, reference: false } : { reps: 5 });
        const line = { section: "twosome-model", name, ...r, model: undefined };
        print(line);
        results.push(line);
      } catch (err) {
        if (!(err instanceof BackendUnavailableError)) throw err;
        print({ section: "twosome-model", backend, unavailable: err.message });
      }
    }
  }
  print({ summary: "twosome-model", results, loadavg: loadavg().map((x) => +x.toFixed(2)) });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
