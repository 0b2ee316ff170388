/**
 * Why a candidate process ended, in words (candidate-process.ts), from the stderr V8 and Node write
 * when they end a process: the heap-limit abort (the report seen when `new Array(2 ** 26).fill(0)`
 * ran out of a 64 MB heap), V8's fatal invalid-size check, a signal, an exit code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exitReason, isCandidateProcess } from "../../../runtime/src/reward-design/candidate-process.js";

const HEAP_REPORT = `
<--- Last few GCs --->

[10927:0x7f1780001000]     1691 ms: Mark-Compact (reduce) 67.1 (69.0) -> 67.1 (69.0) MB, 107.33 / 0.00 ms  (average mu = 0.074, current mu = 0.000) last resort; GC in old space requested

<--- JS stacktrace --->

FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0xb78db3 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]
`;

test("exitReason: V8's heap-limit abort, its invalid-size check, a signal, an exit code with the last stderr line", () => {
  assert.equal(exitReason(null, "SIGABRT", HEAP_REPORT, 64), "used more than its 64 MB heap and its process was stopped");
  assert.equal(exitReason(134, null, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", 32), "used more than its 32 MB heap and its process was stopped");
  assert.equal(exitReason(null, "SIGTRAP", "\n#\n# Fatal JavaScript invalid size error 169220804\n#\n", 64), "allocated more than V8 allows in one object and its process was stopped");
  assert.equal(exitReason(null, "SIGKILL", "", 64), "its process ended (signal SIGKILL)");
  const uncaught = "/x/train-worker.js:3\n  throw e;\n  ^\n\nError: Cannot find module 'x'\n    at foo (/x/y.js:1:1)\n\nNode.js v20.20.2\n";
  assert.equal(exitReason(1, null, uncaught, 64), "its process ended (exit code 1): Error: Cannot find module 'x'");
  assert.equal(exitReason(1, null, "something odd\n", 64), "its process ended (exit code 1): something odd");
  assert.equal(exitReason(0, null, "", 64), "its process ended (exit code 0)");
});

test("isCandidateProcess: false in a process that merely imports an entry module", () => {
  assert.equal(isCandidateProcess(), false);
});
