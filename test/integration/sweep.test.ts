/**
 * `rl-studio sweep` on this machine: the grid is validated before anything exists; members are
 * ordinary runs recording their sweep; a sweep killed mid-way resumes (completed members kept,
 * the interrupted one from its checkpoint, the unstarted one started); cancel and Ctrl-C stop
 * members gracefully; a member's run folder is never trained by two processes; sbatch missing is
 * reported before a sweep folder is written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { SweepDir } from "../../runtime/src/sweeps/sweep-dir.js";
import { currentWriter } from "../../runtime/src/runs/process-identity.js";
import { hostname } from "node:os";
import { lastJsonLine, runCli, spawnCli, waitFor, workspace } from "./cli-helpers.js";

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "sweep-me",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 640, numEnvs: 2, numSteps: 16, checkpointEvery: 3 },
  seed: 1,
});
`;

function setup(t: { after(fn: () => void): void }): string {
  const ws = workspace(t, "rls-sweep-");
  writeFileSync(join(ws, "exp.rl.ts"), EXPERIMENT);
  return ws;
}

const sweepsRoot = (ws: string) => join(ws, ".rl-studio", "sweeps");
const onlySweep = (ws: string) => SweepDir.open(SweepDir.listIds(sweepsRoot(ws))[0]!, sweepsRoot(ws));
const metricsLines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").length - 1 : 0);

test("a bad grid value is rejected, naming field and value, before anything is written", async (t) => {
  const ws = setup(t);
  const cases: [string[], RegExp][] = [
    [["--set", "learningRate=1e-3,2"], /error: --set learningRate=2: learningRate = 2 is out of range: must be > 0 and ≤ 1/],
    [["--set", "numEnvs=4,x"], /error: --set numEnvs="x": numEnvs = "x" has the wrong type/],
    [["--seeds", "3-1"], /error: --seeds "3-1": range 3-1 runs backwards/],
    // Valid alone, but 2 envs × 16 steps = 32 does not split into 3 minibatches.
    [["--set", "numMinibatches=2,3"], /error: configuration 1 of the grid \(numMinibatches=3\): invalid hyperparameter: numMinibatches = 3: batch of 32/],
    [["--partition", "gpu"], /error: --partition only apply with --slurm/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(["sweep", "exp.rl.ts", ...flags, "--json"], ws);
    assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(lastJsonLine(r.stdout).status, "error");
  }
  const field = lastJsonLine((await runCli(["sweep", "exp.rl.ts", "--set", "gamma=0.99,1.5", "--json"], ws)).stdout);
  assert.equal(field.error.field, "gamma");
  assert.ok(!existsSync(sweepsRoot(ws)), "no sweep folder was written");
  assert.ok(!existsSync(join(ws, ".rl-studio", "runs")), "nothing ran");
});

test("sbatch missing: the message says so, and no sweep folder is written", async (t) => {
  const ws = setup(t);
  const r = await runCli(["sweep", "exp.rl.ts", "--slurm", "--seeds", "1-2"], ws, { PATH: join(ws, "no-slurm-here") });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error: sbatch was not found on PATH \(.*no-slurm-here\): Slurm's client commands must be installed here/);
  assert.ok(!existsSync(sweepsRoot(ws)));
});

test("a local sweep runs each member as an ordinary run, recording its sweep", async (t) => {
  const ws = setup(t);
  const r = await runCli(["sweep", "exp.rl.ts", "--seeds", "1-2", "--set", "learningRate=1e-3,3e-4", "--parallel", "2", "--backend", "js", "--json"], ws);
  assert.equal(r.code, 0, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "completed");
  assert.deepEqual(result.counts, { completed: 4 });
  const sweep = onlySweep(ws);
  assert.equal(result.sweepId, sweep.id);
  assert.deepEqual(
    sweep.manifest.members.map((m) => [m.index, m.config, m.seed]),
    [[0, 0, 1], [1, 0, 2], [2, 1, 1], [3, 1, 2]],
  );
  for (const m of sweep.manifest.members) {
    const run = RunDir.open(sweep.runDirOf(m.index));
    const experiment = run.readExperiment() as { seed: number; hyperparameters: { learningRate: number }; sweep: unknown };
    assert.deepEqual(experiment.sweep, { id: sweep.id, index: m.index, config: m.config });
    assert.equal(experiment.seed, m.seed);
    assert.equal(experiment.hyperparameters.learningRate, [1e-3, 3e-4][m.config]);
    assert.equal(run.readStatus()?.state, "completed");
    assert.equal(run.readMetrics().length, 640 / 32);
    assert.ok(readdirSync(run.path).some((n) => n.startsWith("events.out.tfevents.")));
    assert.equal(sweep.readMember(m.index)?.state, "completed");
    assert.match(readFileSync(sweep.logFile(m.index), "utf8"), new RegExp(`member ${m.index}: completed`));
  }
  // The status command agrees.
  const status = lastJsonLine((await runCli(["sweep", "status", sweep.id, "--json"], ws)).stdout);
  assert.deepEqual(status.members.map((m: { state: string }) => m.state), ["completed", "completed", "completed", "completed"]);
  const human = await runCli(["sweep", "status", sweep.id], ws);
  assert.match(human.stdout, /sweep sweep-me-\S+: 4 members, 4 completed/);
  assert.match(human.stdout, /learningRate=0\.0003\s+2\s+completed\s+640\/640/);
});

test("killed mid-way (kill -9 of the sweep and its member), then resume: completed kept, interrupted from its checkpoint, unstarted started", async (t) => {
  const ws = setup(t);
  // Three members one at a time: a short one that completes, a long one that gets killed, one never started.
  const first = spawnCli(["sweep", "exp.rl.ts", "--set", "totalTimesteps=640,6400,6432", "--parallel", "1", "--backend", "js"], ws);
  const sweep = await waitFor("the sweep folder", () => (SweepDir.listIds(sweepsRoot(ws)).length === 1 ? onlySweep(ws) : undefined));
  const runDir1 = sweep.runDirOf(1);
  await waitFor("member 1 past its second checkpoint", () => (metricsLines(join(runDir1, "metrics.jsonl")) >= 7 ? true : undefined));
  const member1 = sweep.readMember(1)!;
  assert.equal(member1.state, "running");
  first.child.kill("SIGKILL");
  process.kill(member1.pid, "SIGKILL");
  await first.done;
  await waitFor("member 1's process to be gone", () => {
    try {
      process.kill(member1.pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
  const completed0 = statSync(join(sweep.runDirOf(0), "metrics.jsonl")).mtimeMs;
  const ckptStep = (RunDir.open(runDir1).readCheckpoint()!.meta as { counters: { globalStep: number } }).counters.globalStep;
  assert.ok(ckptStep >= 6 * 32);

  const before = lastJsonLine((await runCli(["sweep", "status", sweep.id, "--json"], ws)).stdout);
  assert.deepEqual(before.members.map((m: { state: string }) => m.state), ["completed", "stopped", "pending"]);

  const resumed = await runCli(["sweep", "resume", sweep.id, "--json"], ws);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(lastJsonLine(resumed.stdout).counts, { completed: 3 });
  // Member 0 was not touched, member 1 continued in the same folder from its checkpoint, member 2 ran once.
  assert.equal(statSync(join(sweep.runDirOf(0), "metrics.jsonl")).mtimeMs, completed0);
  assert.equal(sweep.readMember(0)!.attempts, 1);
  assert.equal(sweep.readMember(1)!.attempts, 2);
  assert.equal(sweep.readMember(2)!.attempts, 1);
  assert.match(readFileSync(sweep.logFile(1), "utf8"), new RegExp(`resuming from the checkpoint at step ${ckptStep}`));
  const steps = RunDir.open(runDir1).readMetrics().map((m) => m.globalStep);
  assert.deepEqual(steps, Array.from({ length: 200 }, (_, i) => (i + 1) * 32), "one line per iteration: no restart, gap or duplicate");
  assert.deepEqual(readdirSync(join(ws, ".rl-studio", "runs")).sort(), sweep.manifest.members.map((m) => m.runId).sort(), "no second folder for any member");
});

test("sweep cancel and Ctrl-C stop the running members gracefully (checkpointed, resumable)", async (t) => {
  const ws = setup(t);
  for (const how of ["cancel", "SIGINT"] as const) {
    const run = spawnCli(["sweep", "exp.rl.ts", "--seeds", how === "cancel" ? "1-2" : "3-4", "--total-timesteps", "64000", "--parallel", "2", "--backend", "js", "--json"], ws);
    const sweep = await waitFor("a new sweep", () => {
      const ids = existsSync(sweepsRoot(ws)) ? SweepDir.listIds(sweepsRoot(ws)) : [];
      const s = ids.map((id) => SweepDir.open(id, sweepsRoot(ws))).find((x) => x.manifest.seeds[0] === (how === "cancel" ? 1 : 3));
      return s;
    });
    await waitFor("both members training", () => (sweep.manifest.members.every((m) => metricsLines(join(sweep.runDirOf(m.index), "metrics.jsonl")) >= 2) ? true : undefined));
    if (how === "cancel") {
      const c = await runCli(["sweep", "cancel", sweep.id], ws);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /cancelled member 0 \(pid \d+\), member 1 \(pid \d+\)/);
    } else {
      run.child.kill("SIGINT");
    }
    const r = await run.done;
    assert.equal(r.code, 130, `${how}: ${r.stderr}`);
    const result = lastJsonLine(r.stdout);
    assert.deepEqual(result.counts, { stopped: 2 }, how);
    for (const m of sweep.manifest.members) {
      const runDir = RunDir.open(sweep.runDirOf(m.index));
      const status = runDir.readStatus()!;
      assert.equal(status.state, "stopped");
      const ckpt = (runDir.readCheckpoint()!.meta as { counters: { globalStep: number } }).counters.globalStep;
      assert.equal(ckpt, status.globalStep, `${how}: checkpointed where it stopped`);
    }
  }
});

test("one process per member: a live holder's lock refuses a second process; a completed member is not retrained", async (t) => {
  const ws = setup(t);
  const r = await runCli(["sweep", "exp.rl.ts", "--backend", "js", "--json"], ws);
  assert.equal(r.code, 0, r.stderr);
  const sweep = onlySweep(ws);
  // This test process holds member 0's lock.
  writeFileSync(
    join(sweep.path, "members", "0.lock"),
    JSON.stringify({ host: hostname(), pid: process.pid, writer: currentWriter(), slurmJobId: null, since: "2026-01-01T00:00:00Z" }),
  );
  const second = await runCli(["sweep", "run-member", sweep.path, "0"], ws);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`member 0 of sweep ${sweep.id} is already being run by process ${process.pid} on ${hostname()}`));
  // A lock whose holder is gone (a pid that exited) is taken over; the completed run is left as it is.
  writeFileSync(
    join(sweep.path, "members", "0.lock"),
    // A pid above Linux's largest (pid_max ≤ 2^22): no such process.
    JSON.stringify({ host: hostname(), pid: 2 ** 22 + 12_345, writer: { startToken: "gone", stopsOnSigint: true, entry: "cli.js" }, slurmJobId: null, since: "2026-01-01T00:00:00Z" }),
  );
  const third = await runCli(["sweep", "run-member", sweep.path, "0", "--json"], ws);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /already completed|"status":"completed"/);
  assert.ok(!existsSync(join(sweep.path, "members", "0.lock")), "the lock is released");
  assert.equal(RunDir.open(sweep.runDirOf(0)).readMetrics().length, 20);
});
