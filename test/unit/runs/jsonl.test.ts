import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlError, JsonlWriter, readJsonl, writeJsonlAtomic } from "../../../runtime/src/runs/jsonl.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-jsonl-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("readJsonl returns [] for a missing file and every whole record otherwise", (t) => {
  const dir = tempDir(t);
  assert.deepEqual(readJsonl(join(dir, "none.jsonl")), []);
  const file = join(dir, "a.jsonl");
  writeFileSync(file, '{"a":1}\n\n{"a":2}\n');
  assert.deepEqual(readJsonl(file), [{ a: 1 }, { a: 2 }]);
});

test("a partial last line (no newline, as kill -9 leaves it) is ignored", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":3,"b"');
  assert.deepEqual(readJsonl(file), [{ a: 1 }, { a: 2 }]);
  // Even a last fragment that happens to parse is not a record until its newline is written.
  writeFileSync(file, '{"a":1}\n{"a":2}');
  assert.deepEqual(readJsonl(file), [{ a: 1 }]);
});

test("a corrupt last line that ends in a newline is ignored too", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, '{"a":1}\n{"a":\n');
  assert.deepEqual(readJsonl(file), [{ a: 1 }]);
});

test("a corrupt middle line is an error naming file and line", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, '{"a":1}\n{"a":2}\n{oops}\n{"a":4}\n');
  assert.throws(
    () => readJsonl(file),
    (err: unknown) => {
      assert.ok(err instanceof JsonlError);
      assert.equal(err.file, file);
      assert.equal(err.line, 3);
      assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: not valid JSON`));
      return true;
    },
  );
});

test("a record failing the check is reported with its line (middle) or dropped (last)", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  const check = (r: Record<string, unknown>) => (typeof r.step === "number" ? null : `step must be a number, got ${JSON.stringify(r.step)}`);
  writeFileSync(file, '{"step":1}\n{"step":"x"}\n{"step":3}\n');
  assert.throws(() => readJsonl(file, check), /m\.jsonl:2: step must be a number, got "x"/);
  writeFileSync(file, '{"step":1}\n[1,2]\n');
  assert.deepEqual(readJsonl(file, check), [{ step: 1 }]);
  writeFileSync(file, '[1,2]\n{"step":1}\n');
  assert.throws(() => readJsonl(file, check), /m\.jsonl:1: expected a JSON object, got an array/);
});

test("JsonlWriter appends whole lines and cuts a partial tail before its first append", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, '{"a":1}\n{"a":2');
  const w = new JsonlWriter(file);
  assert.equal(readFileSync(file, "utf8"), '{"a":1}\n');
  w.append({ a: 3 });
  w.append({ a: 4, s: "é\n" });
  w.close();
  assert.equal(readFileSync(file, "utf8"), '{"a":1}\n{"a":3}\n{"a":4,"s":"é\\n"}\n');
  assert.throws(() => w.append({ a: 5 }), /append after close/);
  // A file with only a fragment is emptied; an appender on a new file creates it.
  writeFileSync(file, '{"a"');
  new JsonlWriter(file).close();
  assert.equal(readFileSync(file, "utf8"), "");
  const fresh = new JsonlWriter(join(dir, "new.jsonl"));
  fresh.append({ b: 1 });
  fresh.close();
  assert.deepEqual(readJsonl(join(dir, "new.jsonl")), [{ b: 1 }]);
});

test("the writer finds the last newline of a tail longer than its 64 KiB read chunk", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, '{"a":1}\n');
  appendFileSync(file, '{"long":"' + "x".repeat(200_000));
  new JsonlWriter(file).close();
  assert.equal(readFileSync(file, "utf8"), '{"a":1}\n');
});

test("writeJsonlAtomic replaces the content and leaves no temp file", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "m.jsonl");
  writeFileSync(file, "garbage");
  writeJsonlAtomic(file, [{ a: 1 }, { a: 2 }]);
  assert.equal(readFileSync(file, "utf8"), '{"a":1}\n{"a":2}\n');
  writeJsonlAtomic(file, []);
  assert.equal(readFileSync(file, "utf8"), "");
  assert.deepEqual(readdirSync(dir), ["m.jsonl"]);
});
