/**
 * Sweeps on a REAL Slurm: Debian's slurm-wlm 22.05 and munge, one node (this machine, as
 * "localhost"), started for this file by test/slurm/start-slurm.sh into a temporary folder on free
 * ports and stopped after it. Outside CI, without Slurm (or without root, which slurmd needs) the
 * tests skip saying what is missing; under CI=true that fails instead (.ci/run installs it).
 *
 * A 4-member sweep (2 configurations × 2 seeds) submitted as one job array completes with 4 runs
 * and their metrics; a member that fails is reported with its log and `resubmit --failed` runs it
 * alone again; `sweep cancel` scancels the array and the running member stops gracefully; a member
 * killed with SIGKILL inside its task is failed, resubmitted alone and resumed from its checkpoint
 * (a second process for it refused meanwhile); an invalid grid value submits nothing and sbatch
 * refusing an unknown partition shows sbatch's message.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { SweepDir } from "../../runtime/src/sweeps/sweep-dir.js";
import { lastJsonLine, REPO, runCli, waitFor, workspace } from "./cli-helpers.js";

const TOOLS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"];
const SEARCH = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
const missing = TOOLS.filter((t) => !SEARCH.some((d) => d && existsSync(join(d, t))));
const notRoot = process.getuid?.() !== 0;
const why = missing.length > 0 ? `Slurm is not installed (missing ${missing.join(", ")}; looked in ${SEARCH.filter(Boolean).join(":")}): apt-get install -y slurm-wlm munge` : notRoot ? "slurmd must run as root to start jobs" : null;
const skip: false | string = why !== null && process.env.CI !== "true" ? why : false;

let stateDir = "";
const slurmEnv = () => ({ SLURM_CONF: join(stateDir, "slurm.conf") });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (skip) return;
  // Under CI a missing Slurm fails here, loudly, instead of skipping.
  if (why !== null) throw new Error(`CI=true: ${why}`);
  stateDir = mkdtempSync(join(tmpdir(), "rls-slurm-"));
  const started = spawnSync("bash", [join(REPO, "test", "slurm", "start-slurm.sh"), stateDir], {
    encoding: "utf8",
    env: { ...process.env, SLURMCTLD_PORT: String(await freePort()), SLURMD_PORT: String(await freePort()) },
    timeout: 120_000,
  });
  if (started.status !== 0) throw new Error(`start-slurm.sh failed (${started.status}):\n${started.stdout}\n${started.stderr}`);
  // The CLI children inherit it: sbatch, squeue, scontrol, scancel find this cluster.
  process.env.SLURM_CONF = join(stateDir, "slurm.conf");
});

after(() => {
  if (!stateDir) return;
  spawnSync("bash", [join(REPO, "test", "slurm", "stop-slurm.sh"), stateDir], { stdio: "ignore", timeout: 60_000 });
  rmSync(stateDir, { recursive: true, force: true });
});

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

// The test makes one member fail: the array task whose id is RLS_FAIL_MEMBER throws from its reward.
const failing = process.env.RLS_FAIL_MEMBER !== undefined && process.env.RLS_FAIL_MEMBER === process.env.SLURM_ARRAY_TASK_ID;

export default defineExperiment({
  name: "slurm-sweep",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 640, numEnvs: 2, numSteps: 16, checkpointEvery: 3 },
  seed: 1,
  reward: ({ envReward }) => {
    if (failing) throw new Error("member made to fail by the test");
    return envReward;
  },
});
`;

function setup(t: { after(fn: () => void): void }): string {
  const ws = workspace(t, "rls-slurm-ws-");
  writeFileSync(join(ws, "exp.rl.ts"), EXPERIMENT);
  return ws;
}

type Status = { members: { index: number; state: string; detail?: string; log: string; logTail?: string }[] };

async function status(ws: string, id: string): Promise<Status> {
  const r = await runCli(["sweep", "status", id, "--json"], ws, slurmEnv());
  assert.equal(r.code, 0, r.stderr);
  return lastJsonLine(r.stdout) as Status;
}

/** Poll `sweep status` until `done` holds for the states (at most 5 minutes: the machine is shared). */
async function waitForStates(ws: string, id: string, done: (states: string[]) => boolean): Promise<Status> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const s = await status(ws, id);
    if (done(s.members.map((m) => m.state))) return s;
    if (Date.now() > deadline) throw new Error(`sweep ${id} did not reach the expected states: ${JSON.stringify(s.members)}`);
    await new Promise((r) => setTimeout(r, 1500));
  }
}

test("a 4-member sweep (2 configurations × 2 seeds) submitted as one job array completes with 4 runs and their metrics", { skip, timeout: 600_000 }, async (t) => {
  const ws = setup(t);
  const t0 = Date.now();
  const r = await runCli(
    ["sweep", "exp.rl.ts", "--seeds", "1-2", "--set", "learningRate=1e-3,3e-4", "--slurm", "--parallel", "2", "--time", "00:10:00", "--mem", "512M", "--cpus-per-task", "1", "--backend", "js", "--json"],
    ws,
    slurmEnv(),
  );
  assert.equal(r.code, 0, r.stderr);
  const submitted = lastJsonLine(r.stdout);
  assert.equal(submitted.status, "submitted");
  assert.equal(submitted.array, "0-3%2");
  assert.match(submitted.jobId, /^\d+$/);
  const script = readFileSync(submitted.script, "utf8");
  assert.match(script, /#SBATCH --array=0-3%2\n/);
  assert.match(script, /#SBATCH --mem=512M\n/);

  const final = await waitForStates(ws, submitted.sweepId, (s) => s.every((x) => x === "completed"));
  t.diagnostic(`4 members submitted → all completed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(final.members.length, 4);
  const sweep = SweepDir.open(submitted.sweepId, join(ws, ".rl-studio", "sweeps"));
  for (const m of sweep.manifest.members) {
    const run = RunDir.open(sweep.runDirOf(m.index));
    assert.equal(run.readStatus()?.state, "completed");
    assert.equal(run.readMetrics().length, 20, `member ${m.index} has its metrics`);
    assert.deepEqual(run.readExperiment().sweep, { id: sweep.id, index: m.index, config: m.config });
    const record = sweep.readMember(m.index)!;
    assert.equal(record.slurm?.arrayJobId, submitted.jobId);
    assert.equal(record.slurm?.taskId, m.index, "the array task id is the member index");
    assert.match(readFileSync(sweep.logFile(m.index), "utf8"), new RegExp(`member ${m.index}: Slurm job ${submitted.jobId}_${m.index}`));
  }
  assert.deepEqual(readdirSync(join(ws, ".rl-studio", "runs")).length, 4);
});

test("a failing member is reported with its log; resubmit --failed runs only it again", { skip, timeout: 600_000 }, async (t) => {
  const ws = setup(t);
  const r = await runCli(["sweep", "exp.rl.ts", "--seeds", "1-2", "--slurm", "--backend", "js", "--json"], ws, { ...slurmEnv(), RLS_FAIL_MEMBER: "1" });
  assert.equal(r.code, 0, r.stderr);
  const { sweepId, jobId } = lastJsonLine(r.stdout);
  const s = await waitForStates(ws, sweepId, (x) => x[0] === "completed" && x[1] === "failed");
  assert.match(s.members[1]!.detail!, /member made to fail by the test/);
  assert.match(s.members[1]!.logTail!, /member made to fail by the test/);
  const human = await runCli(["sweep", "status", sweepId], ws, slurmEnv());
  assert.match(human.stdout, /failed members:\n {2}#1 \(the experiment's own hyperparameters\) seed 2: .*member made to fail/);
  assert.match(human.stdout, /log: \.rl-studio\/sweeps\/.*\/logs\/member-1\.log/);

  const again = await runCli(["sweep", "resubmit", sweepId, "--failed", "--json"], ws, { ...slurmEnv(), RLS_FAIL_MEMBER: undefined });
  assert.equal(again.code, 0, again.stderr);
  const resubmitted = lastJsonLine(again.stdout);
  assert.deepEqual(resubmitted.members, [1]);
  assert.equal(resubmitted.array, "1");
  assert.notEqual(resubmitted.jobId, jobId);
  await waitForStates(ws, sweepId, (x) => x.every((y) => y === "completed"));
  const sweep = SweepDir.open(sweepId, join(ws, ".rl-studio", "sweeps"));
  assert.equal(sweep.readMember(0)!.attempts, 1, "the completed member was not run again");
  assert.equal(sweep.readMember(1)!.attempts, 2);
  assert.equal(sweep.readMember(1)!.slurm?.arrayJobId, resubmitted.jobId);
  assert.deepEqual(RunDir.open(sweep.runDirOf(1)).readMetrics().map((m) => m.globalStep), Array.from({ length: 20 }, (_, i) => (i + 1) * 32));

  const nothing = await runCli(["sweep", "resubmit", sweepId, "--failed"], ws, slurmEnv());
  assert.match(nothing.stdout, /nothing to do \(no member failed\)/);
});

test("sweep cancel scancels the array: the running member checkpoints and stops, the queued one never starts", { skip, timeout: 600_000 }, async (t) => {
  const ws = setup(t);
  const r = await runCli(["sweep", "exp.rl.ts", "--seeds", "1-2", "--total-timesteps", "640000", "--slurm", "--parallel", "1", "--backend", "js", "--json"], ws, slurmEnv());
  assert.equal(r.code, 0, r.stderr);
  const { sweepId, jobId } = lastJsonLine(r.stdout);
  const sweep = SweepDir.open(sweepId, join(ws, ".rl-studio", "sweeps"));
  await waitFor("member 0 training", () => {
    const f = join(sweep.runDirOf(0), "metrics.jsonl");
    return existsSync(f) && readFileSync(f, "utf8").split("\n").length > 3 ? true : undefined;
  }, 300_000);
  const c = await runCli(["sweep", "cancel", sweepId], ws, slurmEnv());
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, new RegExp(`cancelled Slurm job ${jobId}`));
  const s = await waitForStates(ws, sweepId, (x) => x.every((y) => y === "cancelled"));
  assert.match(s.members[0]!.detail!, /CANCELLED.*resumable/);
  const run = RunDir.open(sweep.runDirOf(0));
  await waitFor("member 0's run to record its stop", () => (run.readStatus()?.state === "stopped" ? true : undefined), 60_000);
  const ckpt = (run.readCheckpoint()!.meta as { counters: { globalStep: number } }).counters.globalStep;
  assert.equal(ckpt, run.readStatus()!.globalStep, "checkpointed where it stopped (SIGTERM is a graceful stop)");
  assert.ok(!existsSync(sweep.runDirOf(1)), "the queued member never started");
  const squeue = spawnSync("squeue", ["-h", "-j", jobId], { encoding: "utf8", env: { ...process.env, ...slurmEnv() } });
  assert.equal(squeue.stdout.trim(), "", "nothing of the array is left in the queue");
});

/** The ids of every job this cluster knows (squeue), to show a command submitted nothing. */
function queuedJobs(): string {
  return spawnSync("squeue", ["-h", "-r", "-o", "%i"], { encoding: "utf8", env: { ...process.env, ...slurmEnv() } }).stdout.trim();
}

test("bad input on a real cluster: an invalid grid value submits nothing; sbatch refusing shows sbatch's own message", { skip, timeout: 300_000 }, async (t) => {
  const ws = setup(t);
  const queued = queuedJobs();
  const bad = await runCli(["sweep", "exp.rl.ts", "--slurm", "--seeds", "1-2", "--set", "learningRate=1e-3,2", "--json"], ws, slurmEnv());
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--set learningRate=2: learningRate = 2 is out of range/);
  assert.equal(lastJsonLine(bad.stdout).error.field, "learningRate");
  assert.ok(!existsSync(join(ws, ".rl-studio", "sweeps")), "no sweep folder was written");
  assert.equal(queuedJobs(), queued, "nothing was submitted");

  // The cluster has only the partition "debug": sbatch itself refuses, and its words reach the user.
  const refused = await runCli(["sweep", "exp.rl.ts", "--slurm", "--seeds", "1-2", "--partition", "nosuch", "--backend", "js"], ws, slurmEnv());
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /sbatch: error: .*invalid partition/i);
  assert.match(refused.stderr, /nothing was submitted and sweep \S+ is removed; fix the cause and run the same command again/);
  assert.equal(queuedJobs(), queued, "nothing was submitted");
  assert.deepEqual(readdirSync(join(ws, ".rl-studio", "sweeps")), [], "no half-made sweep is left behind");
});

test("a member killed mid-way (kill -9 inside its array task) is failed, resubmitted alone and resumed from its checkpoint in the same folder", { skip, timeout: 600_000 }, async (t) => {
  const ws = setup(t);
  // 400 iterations of 32 steps for member 0, one member at a time: member 1 waits in the queue.
  const r = await runCli(["sweep", "exp.rl.ts", "--seeds", "1-2", "--total-timesteps", "12800", "--slurm", "--parallel", "1", "--backend", "js", "--json"], ws, slurmEnv());
  assert.equal(r.code, 0, r.stderr);
  const { sweepId, jobId } = lastJsonLine(r.stdout);
  const sweep = SweepDir.open(sweepId, join(ws, ".rl-studio", "sweeps"));
  const metrics = join(sweep.runDirOf(0), "metrics.jsonl");
  await waitFor("member 0 past its second checkpoint", () => (existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length > 7 ? true : undefined), 300_000);
  const holder = sweep.readMember(0)!;
  // Frozen (alive, holding its run folder) so it cannot finish its few remaining seconds of training while the
  // second process below starts: on a loaded machine that start can take longer than the rest of the run.
  process.kill(holder.pid, "SIGSTOP");
  assert.equal(sweep.readMember(0)!.state, "running");
  // While it trains, a second process for the same member is refused: one process per run folder.
  const second = await runCli(["sweep", "run-member", sweep.path, "0"], ws, slurmEnv());
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`member 0 of sweep ${sweep.id} is already being run by process ${holder.pid}`));
  process.kill(holder.pid, "SIGKILL");

  const s = await waitForStates(ws, sweepId, (x) => x[0] === "failed" && x[1] === "completed");
  assert.match(s.members[0]!.detail!, /Slurm: FAILED|Slurm: CANCELLED|Slurm: \w+ \(exit/);
  const ckptStep = (RunDir.open(sweep.runDirOf(0)).readCheckpoint()!.meta as { counters: { globalStep: number } }).counters.globalStep;
  assert.ok(ckptStep >= 6 * 32 && ckptStep < 12800, `checkpoint at ${ckptStep}`);

  const again = await runCli(["sweep", "resubmit", sweepId, "--failed", "--json"], ws, slurmEnv());
  assert.equal(again.code, 0, again.stderr);
  const resubmitted = lastJsonLine(again.stdout);
  assert.deepEqual(resubmitted.members, [0]);
  assert.notEqual(resubmitted.jobId, jobId);
  await waitForStates(ws, sweepId, (x) => x.every((y) => y === "completed"));
  assert.equal(sweep.readMember(0)!.attempts, 2);
  assert.equal(sweep.readMember(1)!.attempts, 1, "the completed member was not run again");
  assert.match(readFileSync(sweep.logFile(0), "utf8"), new RegExp(`resuming from the checkpoint at step ${ckptStep}`));
  const steps = RunDir.open(sweep.runDirOf(0)).readMetrics().map((m) => m.globalStep);
  assert.deepEqual(steps, Array.from({ length: 400 }, (_, i) => (i + 1) * 32), "one line per iteration: no restart, gap or duplicate");
  assert.deepEqual(readdirSync(join(ws, ".rl-studio", "runs")).sort(), sweep.manifest.members.map((m) => m.runId).sort(), "no second folder for any member");
});
