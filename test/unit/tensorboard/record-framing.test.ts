/**
 * CRC32C and TFRecord framing: the CRC library and the tests' bit-by-bit CRC against RFC 3720's
 * vectors; framing checked by the independent reader; the product's parser stops at a torn or
 * damaged record and keeps everything before it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "@aws-crypto/crc32c";
import { frameRecord, maskedCrc32c, parseRecords } from "../../../runtime/src/tensorboard/record-framing.js";
import { crc32cBitwise, masked, readRecords } from "../../helpers/tfevents-reader.js";

// RFC 3720 appendix B.4 (CRC Examples), the CRC as the 32-bit value.
const RFC3720: [string, Uint8Array, number][] = [
  ["32 bytes of zeroes", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes of ones", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["32 bytes incrementing 00..1f", Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ["32 bytes decrementing 1f..00", Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
];

test("CRC32C matches RFC 3720's examples (the library and the tests' bitwise version)", () => {
  for (const [name, bytes, expected] of RFC3720) {
    assert.equal(crc32c(bytes) >>> 0, expected, `library: ${name}`);
    assert.equal(crc32cBitwise(bytes), expected, `bitwise: ${name}`);
  }
  // The customary check value of CRC-32C over "123456789".
  assert.equal(crc32cBitwise(Buffer.from("123456789")), 0xe3069283);
});

test("the mask is TensorFlow's: rotate right 15, add 0xa282ead8", () => {
  // Hand-computed: crc 0x8a9136aa rotated right by 15 is 0x6d55_1522; + 0xa282ead8 = 0x0fd7_fffa (mod 2^32).
  assert.equal(masked(0x8a9136aa), 0x0fd7fffa);
  assert.equal(maskedCrc32c(new Uint8Array(32)), 0x0fd7fffa);
});

test("frameRecord: length, masked CRCs and payload, read back by the independent reader", () => {
  const payloads = [new Uint8Array(0), Buffer.from("hello"), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];
  const file = Buffer.concat(payloads.map((p) => frameRecord(p)));
  assert.equal(file.length, payloads.reduce((s, p) => s + 16 + p.length, 0));
  const back = readRecords(file);
  assert.deepEqual(back.map((b) => Buffer.from(b).toString("hex")), payloads.map((p) => Buffer.from(p).toString("hex")));
  // The header of "hello": length 5 as u64 LE.
  const hello = frameRecord(Buffer.from("hello"));
  assert.equal(hello.subarray(0, 8).toString("hex"), "0500000000000000");
});

test("parseRecords keeps the whole records before a torn or damaged one and says why", () => {
  const a = frameRecord(Buffer.from("first"));
  const b = frameRecord(Buffer.from("second"));
  const torn = Buffer.concat([a, b.subarray(0, b.length - 3)]);
  const p1 = parseRecords(torn);
  assert.equal(p1.records.length, 1);
  assert.equal(p1.validLength, a.length);
  assert.match(p1.stoppedBecause!, /incomplete record/);

  const damaged = Buffer.concat([a, b]);
  damaged[a.length + 12] = damaged[a.length + 12]! ^ 0x01; // flip a bit of the second payload
  const p2 = parseRecords(damaged);
  assert.equal(p2.records.length, 1);
  assert.match(p2.stoppedBecause!, /data CRC mismatch/);

  const whole = parseRecords(Buffer.concat([a, b]));
  assert.equal(whole.records.length, 2);
  assert.equal(whole.stoppedBecause, null);
  assert.deepEqual(whole.offsets, [0, a.length]);
});
