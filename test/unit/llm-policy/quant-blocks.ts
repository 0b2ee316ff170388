/**
 * Random but well-formed blocks of each ggml type (test fixtures): random quant bytes, with the half-float
 * scale fields set to chosen magnitudes so that the weights they encode stay moderate.
 */
import { BLOCK_FORMATS, GgmlType } from "../../../runtime/src/llm-policy/dequantize.js";
import type { Rng } from "../../../runtime/src/rng.js";

/** Byte offsets of the half-float fields in one block (scale first, then min where there is one). */
export const HALF_FIELDS: Record<number, number[]> = {
  [GgmlType.Q4_0]: [0],
  [GgmlType.Q4_1]: [0, 2],
  [GgmlType.Q5_0]: [0],
  [GgmlType.Q5_1]: [0, 2],
  [GgmlType.Q8_0]: [0],
  [GgmlType.Q2_K]: [80, 82],
  [GgmlType.Q3_K]: [108],
  [GgmlType.Q4_K]: [0, 2],
  [GgmlType.Q5_K]: [0, 2],
  [GgmlType.Q6_K]: [208],
};

/** A scale that gives weights of roughly ±0.2 for random quants of each type. */
const TYPICAL_SCALE: Record<number, number> = {
  [GgmlType.Q4_0]: 0.05,
  [GgmlType.Q4_1]: 0.03,
  [GgmlType.Q5_0]: 0.02,
  [GgmlType.Q5_1]: 0.015,
  [GgmlType.Q8_0]: 0.003,
  [GgmlType.Q2_K]: 0.02,
  [GgmlType.Q3_K]: 0.005,
  [GgmlType.Q4_K]: 8e-4,
  [GgmlType.Q5_K]: 4e-4,
  [GgmlType.Q6_K]: 1.5e-4,
};

/** IEEE binary16 bits of a number within the half-float range (round to nearest). */
export function floatToHalf(x: number): number {
  if (x === 0) return 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24); // subnormal
  const e = Math.floor(Math.log2(a));
  if (e > 15) throw new RangeError(`${x} is outside the half-float range`);
  let m = Math.round((a / 2 ** e - 1) * 1024);
  let exp = e + 15;
  if (m === 1024) {
    m = 0;
    exp++;
  }
  return sign | (exp << 10) | m;
}

/** `count` elements of `type` as random blocks (F32/F16/BF16: normal values of std `scale`). */
export function randomTensorBytes(type: number, count: number, rng: Rng, scale?: number): Uint8Array {
  if (type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16) {
    const s = scale ?? 0.2;
    const f32 = Float32Array.from({ length: count }, () => s * rng.normal());
    if (type === GgmlType.F32) return new Uint8Array(f32.buffer);
    if (type === GgmlType.BF16) return new Uint8Array(Uint16Array.from(new Uint32Array(f32.buffer), (bits) => bits >>> 16).buffer);
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = floatToHalf(f32[i]!);
    return new Uint8Array(out.buffer);
  }
  const format = BLOCK_FORMATS.get(type)!;
  const blocks = count / format.blockSize;
  const out = new Uint8Array(blocks * format.blockBytes);
  for (let i = 0; i < out.length; i++) out[i] = rng.integer(256);
  for (let b = 0; b < blocks; b++) {
    for (const at of HALF_FIELDS[type]!) {
      const h = floatToHalf((scale ?? TYPICAL_SCALE[type]!) * (0.5 + rng.random()) * (rng.random() < 0.2 ? -1 : 1));
      out[b * format.blockBytes + at] = h & 0xff;
      out[b * format.blockBytes + at + 1] = h >> 8;
    }
  }
  return out;
}
