/**
 * Slurm's outputs as 22.05 prints them (lines captured from the single-node cluster of
 * test/slurm/start-slurm.sh), the batch script, and the rule that merges Slurm's view with the
 * member records into each member's state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  batchScript,
  expandTaskList,
  parseSacct,
  parseSbatchJobId,
  parseScontrolJobs,
  parseSqueue,
  shellQuote,
  SlurmClient,
  SlurmError,
  type CommandRunner,
} from "../../../runtime/src/sweeps/slurm.js";
import { memberState, type MemberStateInput } from "../../../runtime/src/sweeps/status.js";
import type { MemberRecord } from "../../../runtime/src/sweeps/sweep-dir.js";

test("sbatch --parsable: the job id, with or without the cluster", () => {
  assert.equal(parseSbatchJobId("1234\n"), "1234");
  assert.equal(parseSbatchJobId("1234;rlstudio\n"), "1234");
  assert.throws(() => parseSbatchJobId("sbatch: error\n"), SlurmError);
});

test("squeue -r: one line per array task; non-array jobs ignored", () => {
  const out = "1_0|RUNNING|None\n1_1|RUNNING|None\n1_2|PENDING|JobArrayTaskLimit\n1_3|PENDING|JobArrayTaskLimit\n77|RUNNING|None\n";
  assert.deepEqual(parseSqueue(out), [
    { jobId: "1", taskId: 0, state: "RUNNING" },
    { jobId: "1", taskId: 1, state: "RUNNING" },
    { jobId: "1", taskId: 2, state: "PENDING", reason: "JobArrayTaskLimit" },
    { jobId: "1", taskId: 3, state: "PENDING", reason: "JobArrayTaskLimit" },
  ]);
});

test("scontrol show job -o: ended tasks, and the shared record of pending ones", () => {
  const out = [
    "JobId=1 ArrayJobId=1 ArrayTaskId=3 ArrayTaskThrottle=2 JobName=rl-studio-x UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) ExitCode=0:0 RunTime=00:00:08",
    "JobId=4 ArrayJobId=1 ArrayTaskId=2 ArrayTaskThrottle=2 JobName=rl-studio-x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 RunTime=00:00:09",
    "JobId=9 ArrayJobId=9 ArrayTaskId=5-7%2 JobName=rl-studio-y JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0",
  ].join("\n");
  assert.deepEqual(parseScontrolJobs(out), [
    { jobId: "1", taskId: 3, state: "COMPLETED", exitCode: "0:0" },
    { jobId: "1", taskId: 2, state: "FAILED", reason: "NonZeroExitCode", exitCode: "1:0" },
    { jobId: "9", taskId: 5, state: "PENDING", reason: "JobArrayTaskLimit", exitCode: "0:0" },
    { jobId: "9", taskId: 6, state: "PENDING", reason: "JobArrayTaskLimit", exitCode: "0:0" },
    { jobId: "9", taskId: 7, state: "PENDING", reason: "JobArrayTaskLimit", exitCode: "0:0" },
  ]);
  assert.deepEqual(expandTaskList("0-2,5,8-9%3"), [0, 1, 2, 5, 8, 9]);
});

test("sacct -P (where slurmdbd runs): tasks, bracketed pending ranges, 'CANCELLED by uid'", () => {
  const out = "12_0|COMPLETED|0:0\n12_1|CANCELLED by 0|0:15\n12_[2-3]|PENDING|0:0\n";
  assert.deepEqual(parseSacct(out), [
    { jobId: "12", taskId: 0, state: "COMPLETED", exitCode: "0:0" },
    { jobId: "12", taskId: 1, state: "CANCELLED", exitCode: "0:15" },
    { jobId: "12", taskId: 2, state: "PENDING", exitCode: "0:0" },
    { jobId: "12", taskId: 3, state: "PENDING", exitCode: "0:0" },
  ]);
});

test("the batch script: one array, the member log per task id, options as #SBATCH lines, the task id as the member index", () => {
  const script = batchScript({
    sweepId: "cp-1",
    sweepDir: "/shared/ws/.rl-studio/sweeps/cp-1",
    indices: [0, 1, 2, 3],
    options: { partition: "gpu", time: "01:00:00", mem: "4G", cpusPerTask: 2, sbatchArgs: ["--qos=low"], maxParallel: 2 },
    cli: { command: "/opt/node/bin/node", args: ["/opt/rl studio/dist/cli.js"] },
    backend: "auto",
  });
  const lines = script.split("\n");
  assert.equal(lines[0], "#!/bin/bash");
  for (const l of [
    "#SBATCH --array=0-3%2",
    "#SBATCH --output=/shared/ws/.rl-studio/sweeps/cp-1/logs/member-%a.log",
    "#SBATCH --open-mode=append",
    "#SBATCH --partition=gpu",
    "#SBATCH --time=01:00:00",
    "#SBATCH --mem=4G",
    "#SBATCH --cpus-per-task=2",
    "#SBATCH --qos=low",
  ]) {
    assert.ok(lines.includes(l), l);
  }
  assert.ok(lines.includes(`exec /opt/node/bin/node '/opt/rl studio/dist/cli.js' sweep run-member /shared/ws/.rl-studio/sweeps/cp-1 "$SLURM_ARRAY_TASK_ID" --backend auto`));
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

test("SlurmClient: a failing command is a SlurmError carrying what it printed", async () => {
  const refusing: CommandRunner = async () => ({ code: 1, stdout: "", stderr: "sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n" });
  await assert.rejects(new SlurmClient(refusing).checkAvailable(), /sbatch --version failed: sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed/);
});

const record = (state: MemberRecord["state"], error?: string): MemberRecord => ({
  index: 0,
  state,
  runDir: "/runs/x",
  host: "node1",
  pid: 42,
  attempts: 1,
  startedAt: "t",
  updatedAt: "t",
  ...(error ? { error } : {}),
});
const task = (state: string, extra: Partial<{ reason: string; exitCode: string }> = {}) => ({ jobId: "7", taskId: 0, state, ...extra });
const input = (p: Partial<MemberStateInput>): MemberStateInput => ({ record: null, writerAlive: null, task: null, submitted: true, ...p });

test("memberState: Slurm's queue first, then the member's own record, then Slurm's end state", () => {
  assert.deepEqual(memberState(input({ submitted: false })), { state: "pending" });
  assert.deepEqual(memberState(input({ task: task("PENDING", { reason: "Priority" }) })), { state: "queued", detail: "Slurm: Priority" });
  assert.deepEqual(memberState(input({ task: task("RUNNING") })), { state: "running", detail: "Slurm job 7_0" });
  assert.deepEqual(memberState(input({ record: record("completed"), task: task("COMPLETED") })), { state: "completed" });
  assert.deepEqual(memberState(input({ record: record("failed", "reward threw"), task: task("FAILED", { exitCode: "1:0" }) })), { state: "failed", detail: "reward threw" });
  // Killed by the time limit: the run stopped gracefully on SIGTERM, Slurm says TIMEOUT → failed (resubmit --failed picks it).
  assert.deepEqual(memberState(input({ record: record("stopped"), task: task("TIMEOUT", { exitCode: "0:15" }) })), { state: "failed", detail: "Slurm: TIMEOUT (exit 0:15)" });
  assert.equal(memberState(input({ record: record("stopped"), task: task("CANCELLED", { exitCode: "0:15" }) })).state, "cancelled");
  assert.equal(memberState(input({ task: task("CANCELLED") })).state, "cancelled");
  // The process vanished without a word: OOM-killed → failed; gone from Slurm's memory → stopped (resumable).
  assert.deepEqual(memberState(input({ record: record("running"), task: task("OUT_OF_MEMORY", { exitCode: "0:9" }) })), { state: "failed", detail: "Slurm: OUT_OF_MEMORY (exit 0:9)" });
  assert.equal(memberState(input({ record: record("running"), task: null })).state, "stopped");
  // The task failed before the member could start (node without node, bad path): failed, see the log.
  assert.match(memberState(input({ task: task("FAILED", { exitCode: "127:0" }) })).detail!, /FAILED \(exit 127:0\), before the member started/);
  // Local pool: the record's writer decides.
  assert.deepEqual(memberState(input({ submitted: false, record: record("running"), writerAlive: true })), { state: "running" });
  assert.equal(memberState(input({ submitted: false, record: record("running"), writerAlive: false })).state, "stopped");
});
