// The runs model through a resume, as the runtime's notifications drive it: the Runs view reads
// the model, so "stopped" must become "running" when the run resumes, whatever order the folder
// read and the notifications arrive in.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricsRecord, RunSummary, TrainProgress } from "../../../protocol/src/runtime.js";
import { canResume, LIVE_UPDATE_INTERVALS, liveUpdatesInto, runContextValue, RunsModel } from "../../../extension/src/runs-model.js";
import { readFileSync } from "node:fs";
import { FakeClock } from "../common/fake-clock.js";

const stopped: RunSummary = {
  runId: "cartpole-1",
  runDir: "/ws/.rl-studio/runs/cartpole-1",
  experimentName: "cartpole",
  envId: "CartPole-v1",
  seed: 1,
  experimentPath: "/ws/cartpole.rl.ts",
  state: "stopped",
  globalStep: 4096,
  totalTimesteps: 5_000_000,
  lastEpisodicReturn: 40,
  backend: "js",
  createdAt: "2026-12-06T10:00:00Z",
  error: null,
  groupKey: "g",
  live: false,
  unconfirmed: false,
};
const progress = (globalStep: number): TrainProgress => ({ iteration: 1, numIterations: 10, globalStep, totalTimesteps: 5_000_000, sps: 1000, wallSeconds: 1, lastEpisodicReturn: 50, meanReturnLast20: 45 });

function model(): { m: RunsModel; changes: (string | undefined)[] } {
  const m = new RunsModel();
  const changes: (string | undefined)[] = [];
  m.onDidChange((e) => changes.push(e?.summary.state));
  m.replaceAll([stopped]);
  return { m, changes };
}

test("resume: the status notification makes the run running at once (before, and without, the folder read)", () => {
  const { m, changes } = model();
  m.setState("cartpole-1", "running");
  assert.equal(m.get("cartpole-1")!.summary.state, "running");
  assert.equal(m.get("cartpole-1")!.summary.live, true);
  assert.deepEqual(m.live().map((e) => e.summary.runId), ["cartpole-1"]);
  assert.deepEqual(changes, [undefined, "running"], "the Runs view is told");
  // The folder read then brings the steps; the state stays.
  m.mergeRead({ ...stopped, state: "running", live: true, globalStep: 4096 });
  assert.equal(m.get("cartpole-1")!.summary.state, "running");
});

test("a progress report means running: a resumed run whose status was missed still reads running", () => {
  const { m, changes } = model();
  m.setProgress("cartpole-1", progress(5000));
  const s = m.get("cartpole-1")!.summary;
  assert.equal(s.state, "running");
  assert.equal(s.live, true);
  assert.equal(s.globalStep, 5000);
  assert.equal(changes.at(-1), "running");
});

test("a status newer than an in-flight folder read wins: stopped while the read was on its way stays stopped", () => {
  const { m } = model();
  m.setState("cartpole-1", "running");
  m.setState("cartpole-1", "stopped");
  m.mergeRead({ ...stopped, state: "running", live: true, globalStep: 8192 });
  const s = m.get("cartpole-1")!.summary;
  assert.equal(s.state, "stopped");
  assert.equal(s.live, false);
  assert.equal(s.globalStep, 8192, "the read's figures are taken");
});

test("a new run (not listed yet) is added as read", () => {
  const m = new RunsModel();
  m.setState("new-run", "running");
  assert.equal(m.get("new-run"), undefined, "nothing to mark before it is read");
  m.mergeRead({ ...stopped, runId: "new-run", state: "running", live: true });
  assert.equal(m.get("new-run")!.summary.state, "running");
});

const record = (globalStep: number): MetricsRecord => ({ globalStep, iteration: globalStep / 256, wallSeconds: globalStep / 50_000, metrics: { "charts/SPS": 50_000 } });

test("live updates at 200 iterations a second: the views change ≤ 4×/s, the dashboard gets every record in ≤ 20 batches/s, the final state at once and last", () => {
  const clock = new FakeClock();
  const { m } = model();
  m.setState("cartpole-1", "running");
  const updates = liveUpdatesInto(m, clock);
  const progressChanges: { at: number; step: number }[] = [];
  m.onDidChange((e) => e?.progress && progressChanges.push({ at: clock.now(), step: e.progress.globalStep }));
  const batches: { at: number; steps: number[]; sentAt: number }[] = [];
  m.onDidReceiveMetrics(({ records, sentAt }) => batches.push({ at: clock.now(), steps: records.map((r) => r.globalStep), sentAt }));
  // 2 s of training at 200 iterations/s (as the runtime would send them unbatched: the worst case).
  for (let i = 1; i <= 400; i++) {
    updates.metrics("cartpole-1", [record(256 * i)], clock.now());
    updates.progress("cartpole-1", progress(256 * i));
    clock.advance(5);
  }
  assert.ok(progressChanges.length <= 2000 / LIVE_UPDATE_INTERVALS.progressIntervalMs + 1, `${progressChanges.length} status bar / progress updates in 2 s`);
  assert.ok(batches.length <= 2000 / LIVE_UPDATE_INTERVALS.metricsIntervalMs + 1, `${batches.length} dashboard messages in 2 s`);
  const latest = progressChanges.at(-1)!;
  assert.ok(clock.now() - latest.at <= LIVE_UPDATE_INTERVALS.progressIntervalMs, "the status bar is never more than one interval behind");
  // The run stops: ctx flushes, then applies the state.
  updates.flush();
  m.setState("cartpole-1", "stopped");
  assert.deepEqual(batches.flatMap((b) => b.steps), Array.from({ length: 400 }, (_, i) => 256 * (i + 1)), "every record reached the dashboard, in order, before the stop");
  assert.equal(progressChanges.at(-1)!.step, 256 * 400, "the last progress was shown before the stop");
  for (const b of batches) assert.ok(b.at - b.sentAt <= LIVE_UPDATE_INTERVALS.metricsIntervalMs, `a batch waited ${b.at - b.sentAt} ms`);
  clock.advance(1000);
  const s = m.get("cartpole-1")!.summary;
  assert.equal(s.state, "stopped", "no late progress made the stopped run running again");
  assert.equal(s.live, false);
  assert.equal(m.get("cartpole-1")!.progress, null);
  assert.equal(clock.pendingTimers, 0);
  updates.dispose();
});

// ── runs "running" on disk whose trainer cannot be confirmed ──────────────────

/** package.json's Runs-view menu entries of `command`: their `viewItem =~ /…/` or `== …` clauses. */
function menuMatches(command: string): ((contextValue: string) => boolean)[] {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { contributes: { menus: { "view/item/context": { command: string; when: string }[] } } };
  return pkg.contributes.menus["view/item/context"]
    .filter((m) => m.command === command)
    .map((m) => {
      const re = /viewItem =~ \/(.+)\/$/.exec(m.when);
      if (re) return (v: string) => new RegExp(re[1]!).test(v);
      const eq = /viewItem == (\S+)$/.exec(m.when);
      assert.ok(eq, `unexpected when clause: ${m.when}`);
      return (v: string) => v === eq[1];
    });
}
const offers = (command: string, contextValue: string) => {
  const matches = menuMatches(command);
  assert.ok(matches.length > 0, `${command} is in the Runs view's menu`);
  return matches.every((m) => m(contextValue));
};

const unconfirmed: RunSummary = { ...stopped, runId: "old-1", state: "running", unconfirmed: true };

test("an unconfirmed run: its own context value, offered Resume and Stop (not Delete), and Resume's pick includes it", () => {
  const m = new RunsModel();
  m.replaceAll([unconfirmed, { ...stopped, runId: "cli-1", state: "running" }, { ...stopped, runId: "done-1", state: "completed" }, stopped]);
  const ctx = (id: string) => runContextValue(m.get(id)!.summary);
  assert.equal(ctx("old-1"), "rlStudio.run.unconfirmed");
  assert.equal(ctx("cli-1"), "rlStudio.run.running");
  assert.equal(ctx("cartpole-1"), "rlStudio.run.stopped");
  assert.ok(offers("rlStudio.resumeRun", ctx("old-1")), "Resume on the unconfirmed run");
  assert.ok(offers("rlStudio.stopRun", ctx("old-1")), "Stop on the unconfirmed run");
  assert.ok(!offers("rlStudio.deleteRun", ctx("old-1")), "no Delete while it may be training");
  assert.ok(!offers("rlStudio.resumeRun", ctx("cli-1")), "a run known to train elsewhere is not offered Resume");
  assert.ok(offers("rlStudio.stopRun", ctx("cli-1")));
  assert.ok(offers("rlStudio.resumeRun", ctx("cartpole-1")));
  assert.ok(!offers("rlStudio.resumeRun", ctx("done-1")));
  assert.deepEqual(m.all().filter((e) => canResume(e.summary)).map((e) => e.summary.runId), ["old-1", "cartpole-1"], "Resume Run's pick");
});

test("an unconfirmed run that this runtime resumes (Resume Anyway) or that stops is no longer unconfirmed", () => {
  const m = new RunsModel();
  m.replaceAll([unconfirmed]);
  m.setState("old-1", "running"); // the runtime's run/status after Resume Anyway
  assert.equal(runContextValue(m.get("old-1")!.summary), "rlStudio.run.running");
  assert.equal(m.get("old-1")!.summary.unconfirmed, false);
  // A later listing of the run this runtime trains keeps it confirmed.
  m.mergeRead({ ...unconfirmed, live: true, unconfirmed: true });
  assert.equal(m.get("old-1")!.summary.unconfirmed, false, "the notification's knowledge wins over the read");
  m.replaceAll([unconfirmed]);
  m.setProgress("old-1", progress(9000));
  assert.equal(m.get("old-1")!.summary.unconfirmed, false, "progress comes only from a run this runtime trains");
  m.upsert({ ...unconfirmed, state: "stopped" }); // e.g. a stop found its process gone
  assert.equal(runContextValue(m.get("old-1")!.summary), "rlStudio.run.stopped");
  assert.equal(m.get("old-1")!.summary.unconfirmed, false);
});
