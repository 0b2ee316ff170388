// The completion contexts read backwards from the cursor: hand-written cases, agreement with the
// regular expressions they replace on thousands of short random lines (where those were correct,
// only slow), and time independent of the line's length.
import { test } from "node:test";
import assert from "node:assert/strict";
import { comparisonPrefix, LOOKBEHIND, memberAccessPrefix, objectKeyPrefix, stringValuePrefix } from "../../../language-server/src/cursor-context.js";
import { Rng } from "../../../runtime/src/rng.js";

test("env and algorithm ids inside their strings", () => {
  assert.equal(stringValuePrefix('  env: "Cart', 12, "env"), "Cart");
  assert.equal(stringValuePrefix("env:'", 5, "env"), "");
  assert.equal(stringValuePrefix('env : `ALE/Pong', 15, "env"), "ALE/Pong");
  assert.equal(stringValuePrefix('myenv: "Cart', 12, "env"), null, "a longer key is not env");
  assert.equal(stringValuePrefix('$env: "Cart', 11, "env"), "Cart", "$ is not a word character, as \\b has it");
  assert.equal(stringValuePrefix('env: "Cart Pole', 15, "env"), null);
  assert.equal(stringValuePrefix('algorithm: "pp', 14, "algorithm"), "pp");
  assert.equal(stringValuePrefix('algorithm: "a/b', 15, "algorithm"), null, "no slash in algorithm ids");
  assert.equal(stringValuePrefix('env: "Cart\nPole', 15, "env"), null, "one line only");
});

test("member access: the object, an optional parameter qualifier, the field typed so far", () => {
  assert.deepEqual(memberAccessPrefix("x + nextObs.th", 14), { object: "nextObs", typed: "th" });
  assert.deepEqual(memberAccessPrefix("t.nextObs.", 10), { param: "t", object: "nextObs", typed: "" });
  assert.deepEqual(memberAccessPrefix("t . nextObs . x", 15), { param: "t", object: "nextObs", typed: "x" });
  assert.deepEqual(memberAccessPrefix("a.b.nextObs.", 12), { param: "b", object: "nextObs", typed: "" });
  assert.deepEqual(memberAccessPrefix("1obs.", 5), { object: "obs", typed: "" }, "an identifier starts after the digits");
  assert.equal(memberAccessPrefix("nextObs.1", 9), null);
  assert.equal(memberAccessPrefix("1.5.", 4), null);
  assert.equal(memberAccessPrefix("nextObs th", 10), null);
});

test("comparisons with action: ===, !==, ==, != and digits typed so far", () => {
  assert.deepEqual(comparisonPrefix("action === ", 11), { object: "action", typed: "" });
  assert.deepEqual(comparisonPrefix("t.action!==1", 12), { param: "t", object: "action", typed: "1" });
  assert.deepEqual(comparisonPrefix("action == 2", 11), { object: "action", typed: "2" });
  assert.deepEqual(comparisonPrefix("action != ", 10), { object: "action", typed: "" });
  assert.equal(comparisonPrefix("action = ", 9), null);
  assert.equal(comparisonPrefix("action === x", 12), null);
});

test("object keys: right after { or , (line breaks allowed), never inside the object's own start", () => {
  const text = "hyperparameters: {\n  gamma: 0.99,\n  lea";
  const start = text.indexOf("{");
  assert.equal(objectKeyPrefix(text, start, text.length), "lea");
  assert.equal(objectKeyPrefix(text, start, start + 1), "");
  assert.equal(objectKeyPrefix(text, start, text.indexOf("0.99") + 2), null, "in a value");
  assert.equal(objectKeyPrefix("{ 1a", 0, 4), null);
});

// The regular expressions the readers replace: correct, only quadratic. An oracle on short lines.
const IDENT = "[A-Za-z_$][\\w$]*";
const OLD = {
  env: /\benv\s*:\s*["'`]([\w.\-/]*)$/,
  algorithm: /\balgorithm\s*:\s*["'`]([\w.\-]*)$/,
  field: new RegExp(`(?:(${IDENT})\\s*\\.\\s*)?(${IDENT})\\s*\\.\\s*(${IDENT})?$`),
  action: new RegExp(`(?:(${IDENT})\\s*\\.\\s*)?(${IDENT})\\s*(?:===|!==|==|!=)\\s*(\\d*)$`),
  key: new RegExp(`[{,]\\s*(${IDENT})?$`),
};
const PIECES = ["env", "algorithm", "obs", "nextObs", "t", "action", "x1", "1", "_", "$", ".", " ", ":", '"', "'", "`", "===", "!==", "==", "!=", "=", "{", ",", "(", "-", "/", "2"];

test("agrees with the replaced regular expressions on 20,000 short random lines", () => {
  const rng = new Rng(11);
  for (let i = 0; i < 20_000; i++) {
    let line = "";
    const n = 1 + rng.integer(8);
    for (let k = 0; k < n; k++) line += PIECES[rng.integer(PIECES.length)];
    const at = line.length;
    const env = OLD.env.exec(line);
    assert.equal(stringValuePrefix(line, at, "env"), env ? env[1] : null, `env ${JSON.stringify(line)}`);
    const alg = OLD.algorithm.exec(line);
    assert.equal(stringValuePrefix(line, at, "algorithm"), alg ? alg[1] : null, `algorithm ${JSON.stringify(line)}`);
    const field = OLD.field.exec(line);
    const member = memberAccessPrefix(line, at);
    assert.deepEqual(member && [member.param, member.object, member.typed], field && [field[1], field[2], field[3] ?? ""], `member ${JSON.stringify(line)}`);
    const action = OLD.action.exec(line);
    const comparison = comparisonPrefix(line, at);
    assert.deepEqual(comparison && [comparison.param, comparison.object, comparison.typed], action && [action[1], action[2], action[3]], `comparison ${JSON.stringify(line)}`);
    const key = OLD.key.exec(line);
    assert.equal(objectKeyPrefix(line, 0, at), key ? (key[1] ?? "") : null, `key ${JSON.stringify(line)}`);
  }
});

test("time does not grow with the line: 100 k-character lines of each adversarial shape", () => {
  const shapes = ["obs.".repeat(25_000), "a".repeat(100_000), "(".repeat(100_000), " ".repeat(100_000), "action === ".repeat(9_000), '"' + "x".repeat(100_000), "{,".repeat(50_000)];
  for (const line of shapes) {
    const c0 = process.cpuUsage(); // CPU time: the bound holds on a loaded machine too
    for (let i = 0; i < 100; i++) {
      stringValuePrefix(line, line.length, "env");
      memberAccessPrefix(line, line.length);
      comparisonPrefix(line, line.length);
      objectKeyPrefix(line, 0, line.length);
    }
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000 / 100;
    // At most LOOKBEHIND characters each: microseconds; the regexes took seconds on such lines.
    assert.ok(ms < 20, `${JSON.stringify(line.slice(0, 12))}…: ${ms.toFixed(2)} ms per request`);
  }
  assert.equal(LOOKBEHIND, 256);
});
