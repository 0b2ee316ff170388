/**
 * GGML tensor types and their dequantisation to float32, as pure functions over a tensor's raw bytes.
 *
 * Each kernel follows the block layout of ggml's `ggml-common.h` and the arithmetic of its
 * `dequantize_row_*` in `ggml-quants.c` (ggml-org/llama.cpp): little-endian, blocks stored one
 * after another along a row, scales as IEEE half floats. Written from the format's definition;
 * `test/unit/llm-policy/dequantize.test.ts` checks each on hand-built blocks.
 */

/** ggml's `enum ggml_type` values for the types this module reads (ggml.h). */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

/** Elements per block and bytes per block (ggml's `type_traits[].blck_size` / `type_size`). */
export interface BlockFormat {
  name: string;
  blockSize: number;
  blockBytes: number;
}

const QK_K = 256;

export const BLOCK_FORMATS: ReadonlyMap<number, BlockFormat> = new Map<number, BlockFormat>([
  [GgmlType.F32, { name: "F32", blockSize: 1, blockBytes: 4 }],
  [GgmlType.F16, { name: "F16", blockSize: 1, blockBytes: 2 }],
  [GgmlType.BF16, { name: "BF16", blockSize: 1, blockBytes: 2 }],
  [GgmlType.Q4_0, { name: "Q4_0", blockSize: 32, blockBytes: 2 + 16 }],
  [GgmlType.Q4_1, { name: "Q4_1", blockSize: 32, blockBytes: 4 + 16 }],
  [GgmlType.Q5_0, { name: "Q5_0", blockSize: 32, blockBytes: 2 + 4 + 16 }],
  [GgmlType.Q5_1, { name: "Q5_1", blockSize: 32, blockBytes: 4 + 4 + 16 }],
  [GgmlType.Q8_0, { name: "Q8_0", blockSize: 32, blockBytes: 2 + 32 }],
  [GgmlType.Q2_K, { name: "Q2_K", blockSize: QK_K, blockBytes: QK_K / 16 + QK_K / 4 + 4 }],
  [GgmlType.Q3_K, { name: "Q3_K", blockSize: QK_K, blockBytes: QK_K / 8 + QK_K / 4 + 12 + 2 }],
  [GgmlType.Q4_K, { name: "Q4_K", blockSize: QK_K, blockBytes: 4 + 12 + QK_K / 2 }],
  [GgmlType.Q5_K, { name: "Q5_K", blockSize: QK_K, blockBytes: 4 + 12 + QK_K / 8 + QK_K / 2 }],
  [GgmlType.Q6_K, { name: "Q6_K", blockSize: QK_K, blockBytes: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2 }],
]);

let halfTable: Float32Array | null = null;

/** IEEE 754 binary16 → number, through a 65,536-entry table built on first use. */
export function halfToFloat(h: number): number {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = decodeHalf(i);
  }
  return halfTable[h & 0xffff]!;
}

function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Number of bytes `count` elements of `type` occupy; throws when count is not whole blocks. */
export function tensorBytes(type: number, count: number, what: string): number {
  const format = BLOCK_FORMATS.get(type);
  if (!format) throw new Error(`${what}: unsupported tensor type ${typeName(type)}`);
  if (count % format.blockSize !== 0) throw new Error(`${what}: ${count} elements is not a whole number of ${format.name} blocks of ${format.blockSize}`);
  return (count / format.blockSize) * format.blockBytes;
}

/** Name of a ggml type id for messages ("Q4_K", or "type 23" for ids outside this module). */
export function typeName(type: number): string {
  return BLOCK_FORMATS.get(type)?.name ?? GGML_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Names of ggml types this module cannot read, for error messages (ggml.h). */
const GGML_TYPE_NAMES: Record<number, string> = {
  16: "IQ2_XXS",
  17: "IQ2_XS",
  18: "IQ3_XXS",
  19: "IQ1_S",
  20: "IQ4_NL",
  21: "IQ3_S",
  22: "IQ2_S",
  23: "IQ4_XS",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  29: "IQ1_M",
  34: "TQ1_0",
  35: "TQ2_0",
  39: "MXFP4",
};

/**
 * Dequantises `count` elements of `type` from `bytes` (the tensor's raw data, starting at its
 * first block) into a new Float32Array. `what` names the tensor in errors.
 */
export function dequantize(type: number, bytes: Uint8Array, count: number, what = "tensor"): Float32Array {
  const need = tensorBytes(type, count, what);
  if (bytes.length < need) throw new Error(`${what}: ${typeName(type)} data is ${bytes.length} bytes, expected ${need}`);
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, need);
  const kernel = KERNELS[type];
  if (!kernel) throw new Error(`${what}: unsupported tensor type ${typeName(type)}`);
  kernel(view, out, count);
  return out;
}

type Kernel = (src: DataView, out: Float32Array, count: number) => void;

const half = (v: DataView, at: number): number => halfToFloat(v.getUint16(at, true));

function f32(src: DataView, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = src.getFloat32(4 * i, true);
}

function f16(src: DataView, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = half(src, 2 * i);
}

/** bfloat16 is the top half of a float32. */
function bf16(src: DataView, out: Float32Array, n: number): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) bits[i] = src.getUint16(2 * i, true) << 16;
}

/** block_q4_0 { half d; u8 qs[16] }: x = d · (nibble − 8); low nibbles are elements 0–15, high 16–31. */
function q4_0(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / 32; b++, at += 18) {
    const d = half(src, at);
    for (let j = 0; j < 16; j++) {
      const q = src.getUint8(at + 2 + j);
      out[32 * b + j] = ((q & 0x0f) - 8) * d;
      out[32 * b + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

/** block_q4_1 { half d, m; u8 qs[16] }: x = d · nibble + m. */
function q4_1(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / 32; b++, at += 20) {
    const d = half(src, at);
    const m = half(src, at + 2);
    for (let j = 0; j < 16; j++) {
      const q = src.getUint8(at + 4 + j);
      out[32 * b + j] = (q & 0x0f) * d + m;
      out[32 * b + j + 16] = (q >> 4) * d + m;
    }
  }
}

/** block_q5_0 { half d; u32 qh; u8 qs[16] }: 5-bit q = nibble | (bit j of qh) << 4; x = d · (q − 16). */
function q5_0(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / 32; b++, at += 22) {
    const d = half(src, at);
    const qh = src.getUint32(at + 2, true);
    for (let j = 0; j < 16; j++) {
      const q = src.getUint8(at + 6 + j);
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      out[32 * b + j] = (((q & 0x0f) | h0) - 16) * d;
      out[32 * b + j + 16] = (((q >> 4) | h1) - 16) * d;
    }
  }
}

/** block_q5_1 { half d, m; u32 qh; u8 qs[16] }: x = d · q + m. */
function q5_1(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / 32; b++, at += 24) {
    const d = half(src, at);
    const m = half(src, at + 2);
    const qh = src.getUint32(at + 4, true);
    for (let j = 0; j < 16; j++) {
      const q = src.getUint8(at + 8 + j);
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      out[32 * b + j] = ((q & 0x0f) | h0) * d + m;
      out[32 * b + j + 16] = ((q >> 4) | h1) * d + m;
    }
  }
}

/** block_q8_0 { half d; i8 qs[32] }: x = d · q. */
function q8_0(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / 32; b++, at += 34) {
    const d = half(src, at);
    for (let j = 0; j < 32; j++) out[32 * b + j] = src.getInt8(at + 2 + j) * d;
  }
}

/**
 * block_q2_K { u8 scales[16]; u8 qs[64]; half d, dmin }: 16 sub-blocks of 16; each scale byte holds a
 * 4-bit scale (low) and 4-bit min (high); x = d·scale·q − dmin·min with 2-bit q, four per byte.
 */
function q2_K(src: DataView, out: Float32Array, n: number): void {
  let y = 0;
  for (let at = 0; at < (n / QK_K) * 84; at += 84) {
    const d = half(src, at + 80);
    const min = half(src, at + 82);
    let is = 0;
    for (let half128 = 0; half128 < 2; half128++) {
      const q = at + 16 + 32 * half128;
      for (let shift = 0; shift < 8; shift += 2) {
        for (const offset of [0, 16]) {
          const sc = src.getUint8(at + is++);
          const dl = d * (sc & 0x0f);
          const ml = min * (sc >> 4);
          for (let l = 0; l < 16; l++) out[y++] = dl * ((src.getUint8(q + offset + l) >> shift) & 3) - ml;
        }
      }
    }
  }
}

/**
 * block_q3_K { u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d }: 16 sub-blocks of 16 with 6-bit
 * signed scales (stored 4 low bits + 2 high bits, offset 32); 3-bit q = 2 low bits from qs, and
 * 4 subtracted where the hmask bit is clear; x = d · (scale − 32) · q.
 */
function q3_K(src: DataView, out: Float32Array, n: number): void {
  const scales = new Int32Array(16);
  let y = 0;
  for (let at = 0; at < (n / QK_K) * 110; at += 110) {
    const d = half(src, at + 108);
    const s = (i: number): number => src.getUint8(at + 96 + i);
    for (let j = 0; j < 16; j++) {
      // Scale j: low 4 bits from byte j (j < 8: low nibble of byte j; else high nibble of byte j − 8),
      // high 2 bits from byte 8 + (j % 4), bits 2·⌊j/4⌋ … (the aux[] shuffle of dequantize_row_q3_K).
      const low = j < 8 ? s(j) & 0x0f : s(j - 8) >> 4;
      const high = (s(8 + (j % 4)) >> (2 * Math.floor(j / 4))) & 3;
      scales[j] = (low | (high << 4)) - 32;
    }
    let is = 0;
    let m = 1;
    for (let half128 = 0; half128 < 2; half128++) {
      const q = at + 32 + 32 * half128;
      for (let shift = 0; shift < 8; shift += 2) {
        for (const offset of [0, 16]) {
          const dl = d * scales[is++]!;
          for (let l = 0; l < 16; l++) {
            const low2 = (src.getUint8(q + offset + l) >> shift) & 3;
            const hbit = src.getUint8(at + offset + l) & m;
            out[y++] = dl * (low2 - (hbit ? 0 : 4));
          }
        }
        m <<= 1;
      }
    }
  }
}

/** The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block (ggml's get_scale_min_k4). */
function scaleMinK4(src: DataView, scalesAt: number, j: number): [number, number] {
  const q = (i: number): number => src.getUint8(scalesAt + i);
  if (j < 4) return [q(j) & 63, q(j + 4) & 63];
  return [(q(j + 4) & 0x0f) | ((q(j - 4) >> 6) << 4), (q(j + 4) >> 4) | ((q(j) >> 6) << 4)];
}

/**
 * block_q4_K { half d, dmin; u8 scales[12]; u8 qs[128] }: 8 sub-blocks of 32 with 6-bit scales and
 * mins; x = d·scale·nibble − dmin·min; each 32 bytes of qs give 32 elements from low nibbles then 32 from high.
 */
function q4_K(src: DataView, out: Float32Array, n: number): void {
  let y = 0;
  for (let at = 0; at < (n / QK_K) * 144; at += 144) {
    const d = half(src, at);
    const min = half(src, at + 2);
    for (let j = 0; j < 4; j++) {
      const [sc1, m1] = scaleMinK4(src, at + 4, 2 * j);
      const [sc2, m2] = scaleMinK4(src, at + 4, 2 * j + 1);
      const q = at + 16 + 32 * j;
      for (let l = 0; l < 32; l++) out[y++] = d * sc1 * (src.getUint8(q + l) & 0x0f) - min * m1;
      for (let l = 0; l < 32; l++) out[y++] = d * sc2 * (src.getUint8(q + l) >> 4) - min * m2;
    }
  }
}

/** block_q5_K { half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }: Q4_K plus a fifth bit from qh. */
function q5_K(src: DataView, out: Float32Array, n: number): void {
  let y = 0;
  for (let at = 0; at < (n / QK_K) * 176; at += 176) {
    const d = half(src, at);
    const min = half(src, at + 2);
    const qh = at + 16;
    for (let j = 0; j < 4; j++) {
      const [sc1, m1] = scaleMinK4(src, at + 4, 2 * j);
      const [sc2, m2] = scaleMinK4(src, at + 4, 2 * j + 1);
      const ql = at + 48 + 32 * j;
      const u1 = 1 << (2 * j);
      const u2 = 2 << (2 * j);
      for (let l = 0; l < 32; l++) out[y++] = d * sc1 * ((src.getUint8(ql + l) & 0x0f) + (src.getUint8(qh + l) & u1 ? 16 : 0)) - min * m1;
      for (let l = 0; l < 32; l++) out[y++] = d * sc2 * ((src.getUint8(ql + l) >> 4) + (src.getUint8(qh + l) & u2 ? 16 : 0)) - min * m2;
    }
  }
}

/**
 * block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d }: 16 sub-blocks of 16 with signed 8-bit
 * scales; 6-bit q = 4 low bits from ql, 2 high bits from qh, offset 32; x = d · scale · (q − 32).
 */
function q6_K(src: DataView, out: Float32Array, n: number): void {
  for (let b = 0, at = 0; b < n / QK_K; b++, at += 210) {
    const d = half(src, at + 208);
    for (let half128 = 0; half128 < 2; half128++) {
      const ql = at + 64 * half128;
      const qh = at + 128 + 32 * half128;
      const sc = at + 192 + 8 * half128;
      const y = b * QK_K + 128 * half128;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = src.getUint8(qh + l);
        const lo0 = src.getUint8(ql + l);
        const lo1 = src.getUint8(ql + l + 32);
        const q1 = ((lo0 & 0x0f) | ((h & 3) << 4)) - 32;
        const q2 = ((lo1 & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = d * src.getInt8(sc + is) * q1;
        out[y + l + 32] = d * src.getInt8(sc + is + 2) * q2;
        out[y + l + 64] = d * src.getInt8(sc + is + 4) * q3;
        out[y + l + 96] = d * src.getInt8(sc + is + 6) * q4;
      }
    }
  }
}

const KERNELS: Record<number, Kernel> = {
  [GgmlType.F32]: f32,
  [GgmlType.F16]: f16,
  [GgmlType.BF16]: bf16,
  [GgmlType.Q4_0]: q4_0,
  [GgmlType.Q4_1]: q4_1,
  [GgmlType.Q5_0]: q5_0,
  [GgmlType.Q5_1]: q5_1,
  [GgmlType.Q8_0]: q8_0,
  [GgmlType.Q2_K]: q2_K,
  [GgmlType.Q3_K]: q3_K,
  [GgmlType.Q4_K]: q4_K,
  [GgmlType.Q5_K]: q5_K,
  [GgmlType.Q6_K]: q6_K,
};
