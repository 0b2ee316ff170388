import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpointFile,
  writeCheckpointFile,
} from "../../../runtime/src/runs/checkpoint.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-ckpt-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks);

test("round trip keeps meta and every float bit for bit, including views at odd offsets", (t) => {
  const dir = tempDir(t);
  const backing = new Float32Array([9, 1.5, -2.25, Math.PI, NaN, -0, Infinity, 7]);
  const view = backing.subarray(1, 7); // byteOffset 4: the writer must not assume offset 0
  const meta = { globalStep: 4096, iteration: 8, rng: [1, 2, 3], name: "cartpole-ppo é" };
  const file = join(dir, "checkpoint.bin");
  writeCheckpointFile(file, { meta, arrays: { "actor/w0": view, empty: new Float32Array(0), b: new Float32Array([1e-38]) } });
  assert.deepEqual(readdirSync(dir), ["checkpoint.bin"]);
  const c = readCheckpointFile(file)!;
  assert.deepEqual(c.meta, meta);
  assert.deepEqual(Object.keys(c.arrays), ["actor/w0", "empty", "b"]);
  assert.deepEqual(new Uint8Array(c.arrays["actor/w0"]!.buffer), new Uint8Array(view.slice().buffer));
  assert.ok(Object.is(c.arrays["actor/w0"]![4], -0));
  assert.equal(c.arrays.empty!.length, 0);
  assert.equal(c.arrays.b![0], new Float32Array([1e-38])[0]);
});

test("layout: 16-byte header, JSON padded to 4 bytes, then raw little-endian float32", () => {
  const bytes = concat(encodeCheckpoint({ meta: {}, arrays: { a: new Float32Array([1, -2]) } }));
  const json = '{"meta":{},"arrays":[["a",2]]}'; // 30 bytes → padded to 32
  assert.equal(bytes.toString("latin1", 0, 4), "RLSC");
  assert.equal(bytes.readUInt32LE(4), 1);
  assert.equal(bytes.readUInt32LE(8), json.length);
  assert.equal(bytes.readUInt32LE(12), 8);
  assert.equal(bytes.toString("utf8", 16, 16 + json.length), json);
  assert.equal(bytes.length, 16 + 32 + 8);
  assert.equal(bytes.readFloatLE(48), 1);
  assert.equal(bytes.readFloatLE(52), -2);
});

test("a missing checkpoint reads as null", (t) => {
  assert.equal(readCheckpointFile(join(tempDir(t), "checkpoint.bin")), null);
});

test("corruption is detected and named", () => {
  const good = concat(encodeCheckpoint({ meta: { step: 1 }, arrays: { a: new Float32Array(10) } }));
  const expectError = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => decodeCheckpoint(bytes, "run/checkpoint.bin"),
      (err: unknown) => err instanceof CheckpointError && err.file === "run/checkpoint.bin" && pattern.test(err.message),
    );
  expectError(good.subarray(0, 10), /10 bytes, shorter than the 16-byte header/);
  const badMagic = Buffer.from(good);
  badMagic.write("PK\x03\x04", 0, "latin1");
  expectError(badMagic, /bad magic "PK\\u0003\\u0004".*not an RL Studio checkpoint/);
  const badVersion = Buffer.from(good);
  badVersion.writeUInt32LE(7, 4);
  expectError(badVersion, /format version 7 is not supported/);
  expectError(good.subarray(0, good.length - 4), /truncated or damaged/);
  expectError(Buffer.concat([good, Buffer.alloc(4)]), /header declares/);
  const badJson = Buffer.from(good);
  badJson.write("#", 16, "latin1");
  expectError(badJson, /JSON header does not parse/);
  // Header JSON that claims more floats than the payload holds.
  const lying = Buffer.from(good);
  const json = lying.toString("utf8", 16, 16 + lying.readUInt32LE(8)).replace('["a",10]', '["a",11]');
  lying.write(json, 16, "utf8");
  expectError(lying, /array "a" \(11 floats\) runs past the 40-byte payload/);
  const short = Buffer.from(good);
  short.write(json.replace('["a",11]', '["a", 9]'), 16, "utf8"); // same byte length, one float fewer
  expectError(short, /arrays declare 36 bytes but the payload holds 40/);
});

test("readCheckpointFile reports a damaged file with its path", (t) => {
  const file = join(tempDir(t), "checkpoint.bin");
  writeFileSync(file, "not a checkpoint at all");
  assert.throws(() => readCheckpointFile(file), new RegExp(`${file.replace(/[/.]/g, "\\$&")}: invalid checkpoint: bad magic`));
  assert.ok(readFileSync(file).length > 0);
});
