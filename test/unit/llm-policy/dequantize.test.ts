/**
 * Each dequantisation kernel against the block format's definition (ggml-common.h / ggml-quants.c):
 * hand-built blocks with values worked out by hand, and random blocks against an element-by-element
 * decoder written here from the definition (a different formulation from the kernels' loops).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BLOCK_FORMATS, GgmlType, dequantize, halfToFloat, tensorBytes } from "../../../runtime/src/llm-policy/dequantize.js";
import { Rng } from "../../../runtime/src/rng.js";
import { randomTensorBytes } from "./quant-blocks.js";

const H = { one: 0x3c00, half: 0x3800, two: 0x4000, quarter: 0x3400, minusTwo: 0xc000 };

function block(bytes: number, fill: (b: DataView) => void): Uint8Array {
  const out = new Uint8Array(bytes);
  fill(new DataView(out.buffer));
  return out;
}

test("half floats: normal, negative, largest, subnormal, infinity", () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test("F32, F16, BF16", () => {
  const f32 = new Float32Array([1.5, -2.25, 3e-8]);
  assert.deepEqual(Array.from(dequantize(GgmlType.F32, new Uint8Array(f32.buffer), 3)), Array.from(f32));
  const f16 = block(6, (v) => [H.one, H.minusTwo, 0x3555].forEach((h, i) => v.setUint16(2 * i, h, true)));
  assert.deepEqual(Array.from(dequantize(GgmlType.F16, f16, 3)), [1, -2, 0.333251953125]);
  // bf16 0x3fc0 = the top half of float32 1.5; 0xc010 = −2.25.
  const bf16 = block(4, (v) => [0x3fc0, 0xc010].forEach((h, i) => v.setUint16(2 * i, h, true)));
  assert.deepEqual(Array.from(dequantize(GgmlType.BF16, bf16, 2)), [1.5, -2.25]);
});

test("Q8_0: x = d · q", () => {
  const b = block(34, (v) => {
    v.setUint16(0, H.quarter, true);
    for (let j = 0; j < 32; j++) v.setInt8(2 + j, j === 0 ? -128 : j === 1 ? 127 : j - 16);
  });
  const x = dequantize(GgmlType.Q8_0, b, 32);
  assert.equal(x[0], -32);
  assert.equal(x[1], 31.75);
  assert.equal(x[2], -3.5);
  assert.equal(x[31], 3.75);
});

test("Q4_0: x = d · (nibble − 8), low nibbles first", () => {
  const b = block(18, (v) => {
    v.setUint16(0, H.two, true);
    v.setUint8(2, 0xf0); // element 0: 0 → −16; element 16: 15 → 14
    v.setUint8(3, 0x98); // element 1: 8 → 0; element 17: 9 → 2
  });
  const x = dequantize(GgmlType.Q4_0, b, 32);
  assert.deepEqual([x[0], x[16], x[1], x[17], x[2]], [-16, 14, 0, 2, -16]);
});

test("Q4_1: x = d · nibble + m", () => {
  const b = block(20, (v) => {
    v.setUint16(0, H.half, true);
    v.setUint16(2, H.minusTwo, true);
    v.setUint8(4, 0x3a); // element 0: 10 → 3; element 16: 3 → −0.5
  });
  const x = dequantize(GgmlType.Q4_1, b, 32);
  assert.deepEqual([x[0], x[16], x[1]], [3, -0.5, -2]);
});

test("Q5_0 and Q5_1: the fifth bit of element j is bit j of qh", () => {
  const q50 = block(22, (v) => {
    v.setUint16(0, H.one, true);
    v.setUint32(2, (1 << 0) | (1 << 17), true); // high bit set for element 0 and element 17
    v.setUint8(6, 0x21); // element 0: 1 | 16 = 17 → 1; element 16: 2 → −14
    v.setUint8(7, 0x43); // element 1: 3 → −13; element 17: 4 | 16 = 20 → 4
  });
  const a = dequantize(GgmlType.Q5_0, q50, 32);
  assert.deepEqual([a[0], a[16], a[1], a[17]], [1, -14, -13, 4]);
  const q51 = block(24, (v) => {
    v.setUint16(0, H.half, true);
    v.setUint16(2, H.one, true);
    v.setUint32(4, 1 << 31, true); // element 31
    v.setUint8(8 + 15, 0xf0); // element 15: 0 → 1; element 31: 15 | 16 = 31 → 16.5
  });
  const b = dequantize(GgmlType.Q5_1, q51, 32);
  assert.deepEqual([b[15], b[31], b[0]], [1, 16.5, 1]);
});

// ---- K-quants: element-by-element decoders from the definition -------------------------------

const u8 = (b: Uint8Array, i: number) => b[i]!;
const f16 = (b: Uint8Array, i: number) => halfToFloat(b[i]! | (b[i + 1]! << 8));

/** The 6-bit scale and min j (0–7) of the 12 packed bytes at `at`: j < 4 in the low 6 bits of bytes j / j+4; else 4 bits from byte j+4 and the top 2 bits of bytes j−4 / j. */
function packedScaleMin(b: Uint8Array, at: number, j: number): [number, number] {
  const s = (i: number) => u8(b, at + i);
  return j < 4 ? [s(j) & 63, s(j + 4) & 63] : [(s(j + 4) & 15) | ((s(j - 4) >> 6) << 4), (s(j + 4) >> 4) | ((s(j) >> 6) << 4)];
}

const K_DECODERS: Record<string, (b: Uint8Array, i: number) => number> = {
  Q2_K(b, i) {
    const [h, r] = [Math.floor(i / 128), i % 128];
    const [k, w] = [Math.floor(r / 32), r % 32];
    const q = (u8(b, 16 + 32 * h + w) >> (2 * k)) & 3;
    const sc = u8(b, 8 * h + 2 * k + (w >= 16 ? 1 : 0));
    return f16(b, 80) * (sc & 15) * q - f16(b, 82) * (sc >> 4);
  },
  Q3_K(b, i) {
    const [h, r] = [Math.floor(i / 128), i % 128];
    const [k, w] = [Math.floor(r / 32), r % 32];
    const low = (u8(b, 32 + 32 * h + w) >> (2 * k)) & 3;
    const hbit = (u8(b, w) >> (4 * h + k)) & 1;
    const j = 8 * h + 2 * k + (w >= 16 ? 1 : 0);
    const s = (x: number) => u8(b, 96 + x);
    const scale = ((j < 8 ? s(j) & 15 : s(j - 8) >> 4) | (((s(8 + (j % 4)) >> (2 * Math.floor(j / 4))) & 3) << 4)) - 32;
    return f16(b, 108) * scale * (low - (hbit ? 0 : 4));
  },
  Q4_K(b, i) {
    const [c, w] = [Math.floor(i / 64), i % 64];
    const byte = u8(b, 16 + 32 * c + (w % 32));
    const [sc, m] = packedScaleMin(b, 4, 2 * c + (w >= 32 ? 1 : 0));
    return f16(b, 0) * sc * (w < 32 ? byte & 15 : byte >> 4) - f16(b, 2) * m;
  },
  Q5_K(b, i) {
    const [c, w] = [Math.floor(i / 64), i % 64];
    const byte = u8(b, 48 + 32 * c + (w % 32));
    const hb = (u8(b, 16 + (w % 32)) >> (2 * c + (w >= 32 ? 1 : 0))) & 1;
    const [sc, m] = packedScaleMin(b, 4, 2 * c + (w >= 32 ? 1 : 0));
    return f16(b, 0) * sc * ((w < 32 ? byte & 15 : byte >> 4) + 16 * hb) - f16(b, 2) * m;
  },
  Q6_K(b, i) {
    const [h, r] = [Math.floor(i / 128), i % 128];
    const [k, l] = [Math.floor(r / 32), r % 32];
    const lowByte = u8(b, 64 * h + l + (k & 1) * 32);
    const low = k < 2 ? lowByte & 15 : lowByte >> 4;
    const high = (u8(b, 128 + 32 * h + l) >> (2 * k)) & 3;
    const scale = (u8(b, 192 + 8 * h + Math.floor(l / 16) + 2 * k) << 24) >> 24; // int8
    return f16(b, 208) * scale * ((low | (high << 4)) - 32);
  },
};

for (const name of Object.keys(K_DECODERS)) {
  test(`${name}: every element of random super-blocks equals the definition`, () => {
    const type = GgmlType[name as keyof typeof GgmlType];
    const rng = new Rng(11);
    const nBlocks = 3;
    const bytes = randomTensorBytes(type, nBlocks * 256, rng, 1);
    const x = dequantize(type, bytes, nBlocks * 256);
    const { blockBytes } = BLOCK_FORMATS.get(type)!;
    for (let b = 0; b < nBlocks; b++) {
      const blk = bytes.subarray(b * blockBytes, (b + 1) * blockBytes);
      for (let i = 0; i < 256; i++) {
        const want = Math.fround(K_DECODERS[name]!(blk, i));
        assert.ok(Math.abs(x[b * 256 + i]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${name} block ${b} element ${i}: ${x[b * 256 + i]} vs ${want}`);
      }
    }
  });
}

test("Q4_K hand-built: scales/mins from both packings", () => {
  const b = block(144, (v) => {
    v.setUint16(0, H.half, true); // d
    v.setUint16(2, H.two, true); // dmin
    v.setUint8(4 + 0, 3); // sub-block 0: scale 3
    v.setUint8(4 + 4, 1); // sub-block 0: min 1
    // sub-block 4: scale = (byte 8 & 15) | (byte 0 >> 6) << 4 = 2 | 1<<4 = 18 (byte 0 = 0b01000011 keeps scale 0 = 3)
    v.setUint8(4 + 0, 0b01000011);
    v.setUint8(4 + 8, 0x52); // scale-low 2, min-low 5
    v.setUint8(4 + 4, 0b10000001); // min 0 = 1, and min 4 high bits = 2 → min 4 = 5 | 2<<4 = 37
    v.setUint8(16 + 0, 0x7a); // element 0 (sub-block 0): 10; element 32 (sub-block 1): 7
    v.setUint8(16 + 64, 0x0f); // element 128 (sub-block 4): 15
  });
  const x = dequantize(GgmlType.Q4_K, b, 256);
  assert.equal(x[0], 0.5 * 3 * 10 - 2 * 1); // 13
  assert.equal(x[128], 0.5 * 18 * 15 - 2 * 37); // 61
});

test("Q6_K hand-built: 4 low bits, 2 high bits, offset 32, signed scale", () => {
  const b = block(210, (v) => {
    v.setUint16(208, H.quarter, true);
    v.setUint8(0, 0x5f); // ql[0]: element 0 low = 15, element 64 low = 5
    v.setUint8(128, 0b00_11_00_10); // qh[0]: element 0 high = 2, element 64 high = 3
    v.setInt8(192, -2); // scale of elements 0–15
    v.setInt8(196, 3); // scale of elements 64–79
  });
  const x = dequantize(GgmlType.Q6_K, b, 256);
  assert.equal(x[0], 0.25 * -2 * (15 + 32 - 32)); // −7.5
  assert.equal(x[64], 0.25 * 3 * (5 + 48 - 32)); // 15.75
});

test("errors: unsupported type and partial blocks name the tensor", () => {
  assert.throws(() => dequantize(23, new Uint8Array(136), 256, "blk.0.attn_q.weight"), /blk\.0\.attn_q\.weight: unsupported tensor type IQ4_XS/);
  assert.throws(() => tensorBytes(GgmlType.Q4_K, 100, "output.weight"), /output\.weight: 100 elements is not a whole number of Q4_K blocks of 256/);
  assert.throws(() => dequantize(GgmlType.Q8_0, new Uint8Array(10), 32, "t"), /t: Q8_0 data is 10 bytes, expected 34/);
});
