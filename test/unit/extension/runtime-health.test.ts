import { test } from "node:test";
import assert from "node:assert/strict";
import {
  crashNotice,
  decideRestart,
  DEFAULT_CRASH_POLICY,
  healthView,
  restartDelayMs,
  RESTART_BUTTON,
  RESTART_RUNTIME_COMMAND,
  SHOW_LOG_BUTTON,
  SHOW_LOG_COMMAND,
} from "../../../extension/src/runtime-health.js";

const S = 1000;
const MIN = 60 * S;

test("the default policy: give up after more than 5 crashes within 3 minutes", () => {
  assert.deepEqual(DEFAULT_CRASH_POLICY, { windowMs: 3 * MIN, maxCrashesInWindow: 5, baseDelayMs: 1000, maxDelayMs: 30_000 });
});

test("restartDelayMs: 1 s, 2 s, 4 s, 8 s, 16 s, then capped at 30 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map((n) => restartDelayMs(n)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(restartDelayMs(0), 1000);
});

/** Crashes a runtime that each time lived `uptimeMs` after the previous restart; the restart delays (null: gave up). */
function schedule(count: number, uptimeMs: number, t0 = 1_000_000): (number | null)[] {
  let crashes: number[] = [];
  let now = t0;
  const delays: (number | null)[] = [];
  for (let i = 0; i < count; i++) {
    const d = decideRestart(crashes, now, uptimeMs);
    crashes = d.crashes;
    delays.push(d.restartInMs);
    now += (d.restartInMs ?? 0) + uptimeMs;
  }
  return delays;
}

test("decideRestart: a runtime that dies at once restarts after 1, 2, 4, 8, 16 s and gives up at the 6th crash", () => {
  // Crash times (uptime 100 ms): 0, 1.1, 3.2, 7.3, 15.4, 31.5 s: all six within 3 minutes.
  assert.deepEqual(schedule(6, 100), [1000, 2000, 4000, 8000, 16_000, null]);
});

test("decideRestart: crashes older than the window are forgotten", () => {
  const t = 10 * MIN;
  // Five crashes long ago (more than 3 minutes before t) and one recent: this is the 2nd of the window.
  const old = [t - 9 * MIN, t - 8 * MIN, t - 7 * MIN, t - 6 * MIN, t - 3 * MIN];
  const d = decideRestart([...old, t - 2 * MIN], t, 30 * S);
  assert.deepEqual(d.crashes, [t - 2 * MIN, t]);
  assert.equal(d.restartInMs, 2000);
  // Exactly 3 minutes old is out of the window too.
  assert.deepEqual(decideRestart([t - 3 * MIN], t, S).crashes, [t]);
});

test("decideRestart: a runtime that stayed up longer than the window starts a fresh count", () => {
  const t = 10 * MIN;
  const recent = [t - 170 * S, t - 160 * S, t - 150 * S, t - 140 * S, t - 130 * S];
  // The same five recent crashes: after a short uptime the 6th gives up, after 3 min 1 s of uptime it is crash 1 again.
  assert.equal(decideRestart(recent, t, 10 * S).restartInMs, null);
  const fresh = decideRestart(recent, t, 3 * MIN + S);
  assert.deepEqual(fresh.crashes, [t]);
  assert.equal(fresh.restartInMs, 1000);
});

test("decideRestart: the backoff resumes from 1 s once the window has passed", () => {
  // Five quick crashes (1, 2, 4, 8, 16 s backoffs), then the runtime stays up 4 minutes before crashing again.
  let crashes: number[] = [];
  let now = 0;
  for (const expected of [1000, 2000, 4000, 8000, 16_000]) {
    const d = decideRestart(crashes, now, 100);
    assert.equal(d.restartInMs, expected);
    crashes = d.crashes;
    now += expected + 100;
  }
  now += 4 * MIN;
  const d = decideRestart(crashes, now, 4 * MIN);
  assert.equal(d.restartInMs, 1000);
  assert.equal(d.crashes.length, 1);
});

test("healthView: restarting is red with the backoff; the crash links to the log", () => {
  const v = healthView({ kind: "crashed", reason: "the runtime process was killed (SIGKILL)", restartInMs: 2000, crashes: 2 });
  assert.equal(v.visible, true);
  assert.equal(v.error, true);
  assert.equal(v.text, "$(error) RL runtime crashed");
  assert.match(v.tooltip, /Restarting in 2 s/);
  assert.equal(v.command, SHOW_LOG_COMMAND);
});

test("healthView: giving up leaves a visible failed state with a link to the log and a Restart action", () => {
  const v = healthView({ kind: "crashed", reason: "the runtime process exited with code 1", restartInMs: null, crashes: 6 });
  assert.equal(v.visible, true);
  assert.equal(v.error, true);
  assert.equal(v.text, "$(error) RL runtime stopped");
  assert.equal(v.command, RESTART_RUNTIME_COMMAND, "clicking restarts");
  assert.match(v.tooltip, /crashed 6 times within 3 minutes/);
  assert.ok(v.tooltip.includes(`(command:${SHOW_LOG_COMMAND})`), "tooltip links to the log");
  assert.ok(v.tooltip.includes(`(command:${RESTART_RUNTIME_COMMAND})`), "tooltip links to Restart");
  assert.deepEqual(v.enabledCommands.sort(), [RESTART_RUNTIME_COMMAND, SHOW_LOG_COMMAND].sort());
});

test("healthView: stopped hides; starting and ready show", () => {
  assert.equal(healthView({ kind: "stopped" }).visible, false);
  assert.equal(healthView({ kind: "starting" }).text, "$(loading~spin) RL runtime");
  const ready = healthView({ kind: "ready", pid: 42, nodeVersion: "v20.0.0" });
  assert.equal(ready.text, "$(beaker) RL runtime");
  assert.equal(ready.error, false);
  assert.match(ready.tooltip, /pid 42/);
});

test("crashNotice: a restart offers the log; giving up offers the log and Restart Runtime, and names the failed runs", () => {
  const restarting = crashNotice("the runtime process was killed (SIGKILL)", 1000, 1, ["run-a"]);
  assert.deepEqual(restarting.buttons, [SHOW_LOG_BUTTON]);
  assert.match(restarting.message, /the runtime process was killed \(SIGKILL\); restarting it in 1 s\. Run run-a was marked failed; resume it/);
  const gaveUp = crashNotice("the runtime process exited with code 1", null, 6, []);
  assert.deepEqual(gaveUp.buttons, [SHOW_LOG_BUTTON, RESTART_BUTTON]);
  assert.equal(RESTART_BUTTON, "Restart Runtime");
  assert.match(gaveUp.message, /crashed 6 times within 3 minutes, so it is not restarted automatically/);
});
