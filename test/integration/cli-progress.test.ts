/**
 * The CLI's terminal output pieces, in-process: the progress line without a TTY (throttled, final
 * state always printed), and the end-of-run report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { etaSeconds, formatDuration, formatProgressLine, ProgressReporter } from "../../runtime/src/cli/progress.js";
import { formatTrainSummary, trainResultJson } from "../../runtime/src/cli/summary.js";
import type { TrainProgress, TrainSummary } from "../../runtime/src/ppo/train.js";

const progress = (globalStep: number, sps: number): TrainProgress => ({
  iteration: globalStep / 256,
  numIterations: 40,
  globalStep,
  totalTimesteps: 10_240,
  sps,
  wallSeconds: globalStep / sps,
  lastEpisodicReturn: globalStep === 256 ? null : 21.5,
  meanReturnLast20: 18.25,
});

test("the progress line: steps/total, percent, SPS, last return, ETA from the current SPS", () => {
  // 10,240 − 5,120 = 5,120 steps left at 2,560 SPS: 2 s.
  assert.equal(etaSeconds(progress(5120, 2560)), 2);
  assert.equal(formatProgressLine(progress(5120, 2560)), "steps 5,120/10,240 (50%)  2,560 SPS  last return 21.5  mean(20) 18.3  ETA 2s");
  assert.equal(etaSeconds(progress(256, 0)), null);
  assert.match(formatProgressLine(progress(256, 0)), /last return --.*ETA --$/);
  assert.equal(formatDuration(185), "3m 05s");
  assert.equal(formatDuration(3720), "1h 02m");
});

test("without a TTY: at most one line per interval, and the final state on dispose", () => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let text = "";
  (stream as unknown as PassThrough).on("data", (d: Buffer) => (text += d.toString()));
  let now = 0;
  const reporter = new ProgressReporter({ stream, tty: false, lineIntervalMs: 1000, now: () => now });
  reporter.update(progress(256, 1000)); // t = 0: printed
  now = 500;
  reporter.update(progress(512, 1000)); // too soon
  now = 1000;
  reporter.update(progress(768, 1000)); // printed
  now = 1200;
  reporter.update(progress(1024, 1000)); // too soon, but the last: printed by dispose
  reporter.log("backend: js");
  reporter.dispose();
  const lines = text.trimEnd().split("\n");
  assert.deepEqual(
    lines.map((l) => /^steps ([\d,]+)/.exec(l)?.[1] ?? l),
    ["256", "768", "backend: js", "1,024"],
  );
});

test("the end-of-run report and its JSON form", () => {
  const summary: TrainSummary = {
    runDir: "/ws/.rl-studio/runs/cp-20250101-120000-s1",
    backend: "js",
    status: "stopped",
    globalStep: 61_440,
    wallSeconds: 7.94,
    cpuSeconds: 9.5,
    sps: 7738.2,
    rolloutSps: 31_000,
    updates: 1_920,
    updateSeconds: 1.536,
    meanReturnLast20: 481.25,
    solvedAtStep: 51_200,
    solvedAtSeconds: 6.6,
  };
  const json = trainResultJson("cp-20250101-120000-s1", summary);
  for (const key of ["runId", "runDir", "status", "backend", "globalStep", "wallSeconds", "cpuSeconds", "sps", "meanReturnLast20", "solvedAtStep", "solvedAtSeconds"]) {
    assert.ok(key in json, `the JSON result lacks ${key}`);
  }
  assert.equal(json.runId, "cp-20250101-120000-s1");
  assert.equal(json.solvedAtStep, 51_200);
  const text = formatTrainSummary("cp-20250101-120000-s1", summary, 475, "/ws");
  assert.match(text, /^run cp-20250101-120000-s1 stopped$/m);
  assert.match(text, /SPS +7,738 \(rollout collection alone 31,000\)/);
  assert.match(text, /updates +1,920, 0\.80 ms each$/m);
  assert.match(text, /solved at +step 51,200 after 7s \(mean of last 20 ≥ 475\)/);
  assert.match(text, /run folder +\.rl-studio\/runs\/cp-20250101-120000-s1$/m);
  assert.match(text, /^resume with: rl-studio resume \.rl-studio\/runs\/cp-20250101-120000-s1$/m);
  const unsolved = formatTrainSummary("x", { ...summary, status: "completed", solvedAtStep: null, solvedAtSeconds: null }, 475, "/ws");
  assert.match(unsolved, /solved at +not reached \(threshold 475\)/);
  assert.doesNotMatch(unsolved, /resume with/);
});
