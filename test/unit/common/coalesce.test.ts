// Rate-limiting live updates without losing any (common/src/coalesce.ts, common/src/run-updates.ts),
// on a fake clock: a burst goes out at most once per interval, each update at most one interval
// late, nothing dropped; a final state (flush) is never kept waiting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Coalescer } from "../../../common/src/coalesce.js";
import { RunUpdateBatcher } from "../../../common/src/run-updates.js";
import type { MetricsRecord, TrainProgress } from "../../../protocol/src/runtime.js";
import { FakeClock } from "./fake-clock.js";

function appending(intervalMs: number, clock: FakeClock) {
  const deliveries: { at: number; items: number[] }[] = [];
  const c = new Coalescer<number, number[]>({ intervalMs, clock, merge: (p, n) => [...(p ?? []), n], deliver: (items) => deliveries.push({ at: clock.now(), items }) });
  return { c, deliveries };
}

test("a lone update after a quiet spell is delivered at once", () => {
  const clock = new FakeClock();
  const { c, deliveries } = appending(50, clock);
  c.push(1);
  assert.deepEqual(deliveries, [{ at: 0, items: [1] }]);
  clock.advance(200);
  c.push(2);
  assert.deepEqual(deliveries[1], { at: 200, items: [2] });
  assert.equal(clock.pendingTimers, 0);
});

test("updates within the interval go out together when it has passed, in order", () => {
  const clock = new FakeClock();
  const { c, deliveries } = appending(50, clock);
  c.push(1); // t=0: at once
  clock.advance(10);
  c.push(2);
  clock.advance(10);
  c.push(3);
  assert.equal(deliveries.length, 1, "held back: the last delivery was 20 ms ago");
  clock.advance(29);
  assert.equal(deliveries.length, 1);
  clock.advance(1);
  assert.deepEqual(deliveries, [
    { at: 0, items: [1] },
    { at: 50, items: [2, 3] },
  ]);
});

test("a stream of 500 updates a second: ≤ 1 delivery per interval, each update ≤ 1 interval late, none lost or reordered", () => {
  const clock = new FakeClock();
  const { c, deliveries } = appending(50, clock);
  const pushedAt = new Map<number, number>();
  for (let i = 0; i < 500; i++) {
    pushedAt.set(i, clock.now());
    c.push(i);
    clock.advance(2);
  }
  clock.advance(100);
  assert.deepEqual(deliveries.flatMap((d) => d.items), [...Array(500).keys()], "every update, in order, once");
  assert.ok(deliveries.length <= 1000 / 50 + 1, `${deliveries.length} deliveries in 1 s`);
  for (let i = 1; i < deliveries.length; i++) assert.ok(deliveries[i]!.at - deliveries[i - 1]!.at >= 50, `deliveries ${i - 1}→${i} ${deliveries[i - 1]!.at}→${deliveries[i]!.at}`);
  for (const d of deliveries) for (const item of d.items) assert.ok(d.at - pushedAt.get(item)! <= 50, `update ${item} waited ${d.at - pushedAt.get(item)!} ms`);
});

test("flush delivers what is pending at once, and the interval counts from it", () => {
  const clock = new FakeClock();
  const { c, deliveries } = appending(50, clock);
  c.push(1);
  clock.advance(5);
  c.push(2);
  c.flush();
  assert.deepEqual(deliveries[1], { at: 5, items: [2] });
  assert.equal(clock.pendingTimers, 0, "the trailing timer is cancelled");
  c.flush();
  assert.equal(deliveries.length, 2, "nothing pending: nothing delivered");
  clock.advance(10);
  c.push(3);
  assert.equal(deliveries.length, 2, "15 ms after the flush: held back");
  clock.advance(40);
  assert.deepEqual(deliveries[2], { at: 55, items: [3] });
});

test("dispose drops what is pending, cancels its timer and ignores later updates", () => {
  const clock = new FakeClock();
  const { c, deliveries } = appending(50, clock);
  c.push(1);
  c.push(2);
  c.dispose();
  assert.equal(clock.pendingTimers, 0);
  c.push(3);
  clock.advance(1000);
  assert.deepEqual(deliveries.flatMap((d) => d.items), [1]);
});

test("an interval that is not a finite number ≥ 0 is refused", () => {
  for (const intervalMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new Coalescer<number>({ intervalMs, merge: (_p, n) => n, deliver: () => {} }), /intervalMs/);
  }
});

const record = (globalStep: number): MetricsRecord => ({ globalStep, iteration: globalStep / 32, wallSeconds: globalStep / 1000, metrics: { "charts/SPS": 1000 } });
const progress = (globalStep: number): TrainProgress => ({ iteration: globalStep / 32, numIterations: 100, globalStep, totalTimesteps: 3200, sps: 1000, wallSeconds: 1, lastEpisodicReturn: null, meanReturnLast20: null });

function batcher(clock: FakeClock) {
  const log: string[] = [];
  const b = new RunUpdateBatcher(
    {
      metrics: (runId, records, sentAt) => log.push(`${clock.now()} metrics ${runId} [${records.map((r) => r.globalStep).join(",")}] sentAt ${sentAt}`),
      progress: (runId, p) => log.push(`${clock.now()} progress ${runId} ${p.globalStep}`),
    },
    { metricsIntervalMs: 50, progressIntervalMs: 250 },
    clock,
  );
  return { b, log };
}

test("run updates: every record of each run in order with its oldest sentAt; only the latest progress; at the rates asked", () => {
  const clock = new FakeClock();
  const { b, log } = batcher(clock);
  // Two runs, one iteration each every 5 ms.
  for (let i = 1; i <= 40; i++) {
    for (const run of ["a", "b"]) {
      b.metrics(run, [record(32 * i)], clock.now());
      b.progress(run, progress(32 * i));
    }
    clock.advance(5);
  }
  clock.advance(500);
  const metricLines = log.filter((l) => l.includes(" metrics "));
  for (const run of ["a", "b"]) {
    const steps = metricLines.filter((l) => l.includes(` metrics ${run} `)).flatMap((l) => /\[([\d,]*)\]/.exec(l)![1]!.split(",").map(Number));
    assert.deepEqual(steps, Array.from({ length: 40 }, (_, i) => 32 * (i + 1)), `run ${run}: every record, in order`);
  }
  // 200 ms of updates, one delivery per 50 ms for both runs: run a's first record at once (run b's
  // came after that delivery, so it waits), then at 50, 100, 150 and 200 ms.
  assert.deepEqual(metricLines.map((l) => l.split(" ").slice(0, 3).join(" ")), ["0 metrics a", "50 metrics b", "50 metrics a", "100 metrics a", "100 metrics b", "150 metrics a", "150 metrics b", "200 metrics a", "200 metrics b"]);
  assert.equal(metricLines[2], "50 metrics a [64,96,128,160,192,224,256,288,320] sentAt 5", "the oldest record's sentAt");
  const progressLines = log.filter((l) => l.includes(" progress "));
  assert.deepEqual(progressLines, ["0 progress a 32", "250 progress b 1280", "250 progress a 1280"], "the first at once, then only the latest of each run");
});

test("run updates: flush before a final state — the last records and progress come first, without waiting", () => {
  const clock = new FakeClock();
  const { b, log } = batcher(clock);
  b.metrics("a", [record(32)], 0);
  b.progress("a", progress(32));
  clock.advance(10);
  b.metrics("a", [record(64)], 10);
  b.progress("a", progress(64));
  b.flush();
  log.push(`${clock.now()} status a stopped`);
  assert.deepEqual(log, ["0 metrics a [32] sentAt 0", "0 progress a 32", "10 metrics a [64] sentAt 10", "10 progress a 64", "10 status a stopped"]);
  clock.advance(1000);
  assert.equal(log.length, 5, "nothing comes after the final state");
});
