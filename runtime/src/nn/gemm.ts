/**
 * The one matrix kernel of the fused JS learner: C = A·Bᵀ (+ bias) over row-major Float64Arrays.
 *
 * Every product of the MLP's forward and backward pass is written in this "NT" form so the inner
 * loop is a dot product over two contiguous rows. A 2 × 4 register tile (8 accumulators, 6 loads per
 * 8 multiply-adds) roughly halves memory traffic against the naive loop; V8 does not vectorise, so
 * loads and bounds checks are what this kernel saves (bench/backends.ts measures it).
 */

/**
 * C[cOff + m·N + n] = (accumulate ? C[…] : 0) + (bias ? bias[biasOff + n] : 0) + Σ_k A[aOff + m·K + k] · B[bOff + n·K + k]
 * for m < M, n < N.
 */
export function gemmNT(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  B: Float64Array,
  bOff: number,
  C: Float64Array,
  cOff: number,
  bias: Float64Array | null,
  biasOff: number,
  accumulate: boolean,
): void {
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const a0 = aOff + m * K;
    const a1 = a0 + K;
    const c0 = cOff + m * N;
    const c1 = c0 + N;
    let n = 0;
    for (; n + 3 < N; n += 4) {
      const b0 = bOff + n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const w0 = B[b0 + k]!;
        const w1 = B[b1 + k]!;
        const w2 = B[b2 + k]!;
        const w3 = B[b3 + k]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      if (bias) {
        const p = biasOff + n;
        const d0 = bias[p]!, d1 = bias[p + 1]!, d2 = bias[p + 2]!, d3 = bias[p + 3]!;
        s00 += d0; s01 += d1; s02 += d2; s03 += d3;
        s10 += d0; s11 += d1; s12 += d2; s13 += d3;
      }
      if (accumulate) {
        C[c0 + n] = C[c0 + n]! + s00; C[c0 + n + 1] = C[c0 + n + 1]! + s01; C[c0 + n + 2] = C[c0 + n + 2]! + s02; C[c0 + n + 3] = C[c0 + n + 3]! + s03;
        C[c1 + n] = C[c1 + n]! + s10; C[c1 + n + 1] = C[c1 + n + 1]! + s11; C[c1 + n + 2] = C[c1 + n + 2]! + s12; C[c1 + n + 3] = C[c1 + n + 3]! + s13;
      } else {
        C[c0 + n] = s00; C[c0 + n + 1] = s01; C[c0 + n + 2] = s02; C[c0 + n + 3] = s03;
        C[c1 + n] = s10; C[c1 + n + 1] = s11; C[c1 + n + 2] = s12; C[c1 + n + 3] = s13;
      }
    }
    for (; n < N; n++) {
      const b0 = bOff + n * K;
      let s0 = bias ? bias[biasOff + n]! : 0;
      let s1 = s0;
      for (let k = 0; k < K; k++) {
        const w = B[b0 + k]!;
        s0 += A[a0 + k]! * w;
        s1 += A[a1 + k]! * w;
      }
      C[c0 + n] = accumulate ? C[c0 + n]! + s0 : s0;
      C[c1 + n] = accumulate ? C[c1 + n]! + s1 : s1;
    }
  }
  for (; m < M; m++) {
    const a0 = aOff + m * K;
    const c0 = cOff + m * N;
    for (let n = 0; n < N; n++) {
      const b0 = bOff + n * K;
      let s = bias ? bias[biasOff + n]! : 0;
      for (let k = 0; k < K; k++) s += A[a0 + k]! * B[b0 + k]!;
      C[c0 + n] = accumulate ? C[c0 + n]! + s : s;
    }
  }
}

/** out[c·rows + r] = src[srcOff + r·cols + c]: a rows × cols block transposed to cols × rows. */
export function transpose(src: Float64Array, srcOff: number, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const s = srcOff + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[s + c]!;
  }
}

// Eigen's `generic_fast_tanh_float` rational approximation (odd degree-13 over even degree-6
// polynomial, argument clamped to ±7.9053), as TensorFlow's CPU kernels use: max abs error 2.6e-7
// against Math.tanh (below float32 resolution near ±1) at a third of its cost in V8.
const TANH_CLAMP = 7.90531110763549805;
const A1 = 4.89352455891786e-3, A3 = 6.37261928875436e-4, A5 = 1.48572235717979e-5, A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11, A11 = 2.00018790482477e-13, A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3, B2 = 2.268434632439e-3, B4 = 1.18534705686654e-4, B6 = 1.19825839466702e-6;

/** tanh applied in place to the first n elements. */
export function tanhInPlace(z: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let x = z[j]!;
    x = x > TANH_CLAMP ? TANH_CLAMP : x < -TANH_CLAMP ? -TANH_CLAMP : x;
    const x2 = x * x;
    const p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
    const q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
    z[j] = p / q;
  }
}
