/**
 * Environment stepping speed: SyncVectorEnv with 8 TimeLimit-wrapped copies of each built-in env,
 * random actions (drawn beforehand so that sampling is not timed). Prints one JSON line per env:
 * {"env", "numEnvs", "stepsPerSecond", "loadAverage1m"} where steps are single-env steps (vector steps × numEnvs)
 * and the load average is the machine's, read at the end of that env's run (the machine is shared).
 *
 * Run: node --import tsx bench/envs.ts [secondsPerEnv]
 */
import { loadavg } from "node:os";
import { Rng } from "../runtime/src/rng.js";
import { envIds, makeEnv } from "../runtime/src/envs/registry.js";
import { SyncVectorEnv } from "../runtime/src/envs/vector.js";

const NUM_ENVS = 8;
const ACTION_BATCHES = 1024;
const secondsPerEnv = Number(process.argv[2] ?? 1);

for (const id of envIds()) {
  const vec = new SyncVectorEnv(() => makeEnv(id), NUM_ENVS);
  const space = vec.singleActionSpace;
  const rng = new Rng(1);
  const batches: (Int32Array | Float32Array)[] = [];
  for (let b = 0; b < ACTION_BATCHES; b++) {
    if (space.kind === "discrete") {
      const a = new Int32Array(NUM_ENVS);
      for (let i = 0; i < NUM_ENVS; i++) a[i] = space.sample(rng);
      batches.push(a);
    } else {
      const a = new Float32Array(NUM_ENVS * space.size);
      for (let i = 0; i < NUM_ENVS; i++) a.set(space.sample(rng), i * space.size);
      batches.push(a);
    }
  }
  vec.reset(0);
  // Warm up the JIT before timing.
  for (let t = 0; t < 20_000; t++) vec.step(batches[t % ACTION_BATCHES]!);
  let vectorSteps = 0;
  const start = process.hrtime.bigint();
  const budgetNs = BigInt(Math.round(secondsPerEnv * 1e9));
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    for (let t = 0; t < 1000; t++) vec.step(batches[(vectorSteps + t) % ACTION_BATCHES]!);
    vectorSteps += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  console.log(JSON.stringify({ env: id, numEnvs: NUM_ENVS, stepsPerSecond: Math.round((vectorSteps * NUM_ENVS) / seconds), loadAverage1m: loadavg()[0] }));
}
