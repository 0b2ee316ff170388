/**
 * The fused PPO learner's arithmetic in WebAssembly SIMD (f32x4), written in AssemblyScript.
 *
 * Everything works on raw byte offsets into the one linear memory that JavaScript shares (Float32Array
 * views, no copies): the flat parameter vector, gradients, Adam moments, activations. JavaScript plans
 * the layout (learner.ts) and writes a small descriptor per network; this module never allocates, has no
 * data segments and no globals, so several instances (one per worker thread) can share one memory.
 *
 * The only matrix kernel is C = A·B (+ bias | + C) with a fused epilogue, register-blocked in 4 × 8 tiles
 * (8 f32x4 accumulators, 6 loads per 16 SIMD operations). The A operand is addressed through two strides,
 * so the same loop computes Z = X·Wᵀ (with Wᵀ prepared once per update), dX = dZ·W and dW = dZᵀ·X.
 * Wasm SIMD has no fused multiply-add outside relaxed-simd, so each step is a mul and an add.
 */

const INIT_ZERO: i32 = 0;
const INIT_BIAS: i32 = 1;
const INIT_ACCUMULATE: i32 = 2;

const EPI_NONE: i32 = 0;
const EPI_TANH: i32 = 1;
/** Multiply by (1 − h²), h the tanh output of the layer below: the backward pass through tanh. */
const EPI_DTANH: i32 = 2;

// Eigen's `generic_fast_tanh_float` (the rational approximation TensorFlow's CPU kernels use):
// x·P(x²)/Q(x²), P of degree 6 and Q of degree 3 in x², argument clamped to ±7.90531 where the
// float32 result is ±1. The same coefficients as the float64 JS kernel (gemm.ts).
const TANH_CLAMP: f32 = 7.90531110763549805;
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.268434632439e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;

// @ts-ignore: decorator
@inline function tanh4(v: v128): v128 {
  // pmin/pmax (`b < a ? b : a`) are one x86 instruction each; f32x4.min/max's NaN and −0 rules cost
  // several. A NaN input still comes out NaN.
  const x = f32x4.pmin(f32x4.pmax(v, f32x4.splat(-TANH_CLAMP)), f32x4.splat(TANH_CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(A13)), f32x4.splat(A11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(A9));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(A7));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(A5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(A3));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(A1));
  p = f32x4.mul(p, x);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(B6)), f32x4.splat(B4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(B2));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(B0));
  return f32x4.div(p, q);
}

// @ts-ignore: decorator
@inline function tanh1(v: f32): f32 {
  const x = min(max(v, -TANH_CLAMP), TANH_CLAMP);
  const x2 = x * x;
  const p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
  const q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
  return p / q;
}

/** tanh of n floats at src into dst (n a multiple of 4 is fastest; the rest goes lane by lane). */
export function tanhArray(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), tanh4(v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), tanh1(load<f32>(src + (<usize>i << 2))));
}

// @ts-ignore: decorator
@inline function init4(mode: i32, c: usize, bias: usize): v128 {
  if (mode == INIT_BIAS) return v128.load(bias);
  if (mode == INIT_ACCUMULATE) return v128.load(c);
  return f32x4.splat(0);
}

// @ts-ignore: decorator
@inline function init1(mode: i32, c: usize, bias: usize): f32 {
  if (mode == INIT_BIAS) return load<f32>(bias);
  if (mode == INIT_ACCUMULATE) return load<f32>(c);
  return 0;
}

// @ts-ignore: decorator
@inline function store4(c: usize, v: v128, epi: i32, h: usize): void {
  if (epi == EPI_TANH) {
    v128.store(c, tanh4(v));
  } else if (epi == EPI_DTANH) {
    const hv = v128.load(h);
    v128.store(c, f32x4.mul(v, f32x4.sub(f32x4.splat(1), f32x4.mul(hv, hv))));
  } else {
    v128.store(c, v);
  }
}

// @ts-ignore: decorator
@inline function store1(c: usize, v: f32, epi: i32, h: usize): void {
  if (epi == EPI_TANH) {
    store<f32>(c, tanh1(v));
  } else if (epi == EPI_DTANH) {
    const hv = load<f32>(h);
    store<f32>(c, v * (1 - hv * hv));
  } else {
    store<f32>(c, v);
  }
}

/** K and M blocking of gemm: an MC × KC block of A (64 KiB) stays in L2 and a KC × 8 strip of B (8 KiB) in L1. */
const KC: i32 = 256;
const MC: i32 = 64;

/**
 * C[i, j] = init(i, j) + Σ_k A(i, k) · B[k, j] for i < M, j < N, then the epilogue, where
 * A(i, k) is the float at a + i·aRow + k·aCol (byte strides: row-major A has aRow = 4K, aCol = 4;
 * Aᵀ of a row-major K × M matrix has aRow = 4, aCol = 4M), B is row-major with ldb bytes per row and
 * C (and H, read by EPI_DTANH) row-major with ldc bytes per row. init: 0 zero, 1 the bias row at
 * `bias` (float j at bias + 4j), 2 the current C.
 *
 * Blocked over K (the first block initialises, later ones accumulate, the last applies the epilogue)
 * and over M, so wide layers (1024 × 1024 weights are 4 MiB) stream each operand from cache a few
 * times instead of once per 4-row tile.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, aRow: usize, aCol: usize,
  b: usize, ldb: usize,
  c: usize, ldc: usize,
  init: i32, bias: usize, epi: i32, h: usize,
): void {
  let p0 = 0;
  do {
    const kc = min(KC, K - p0);
    const blockInit = p0 == 0 ? init : INIT_ACCUMULATE;
    const blockEpi = p0 + kc >= K ? epi : EPI_NONE;
    for (let i0 = 0; i0 < M; i0 += MC) {
      const off = <usize>i0;
      gemmBlock(min(MC, M - i0), N, kc, a + off * aRow + <usize>p0 * aCol, aRow, aCol, b + <usize>p0 * ldb, ldb, c + off * ldc, ldc, blockInit, bias, blockEpi, h + off * ldc);
    }
    p0 += kc;
  } while (p0 < K);
}

/** One block of gemm: strips of 8 (then 4, then 1) columns of B, each swept down every row of A. */
function gemmBlock(
  M: i32, N: i32, K: i32,
  a: usize, aRow: usize, aCol: usize,
  b: usize, ldb: usize,
  c: usize, ldc: usize,
  init: i32, bias: usize, epi: i32, h: usize,
): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) tile4x8(K, a + <usize>i * aRow, aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, ldc, init, bias + jb, epi, h + <usize>i * ldc + jb);
    for (; i < M; i++) tile1x8(K, a + <usize>i * aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, init, bias + jb, epi, h + <usize>i * ldc + jb);
  }
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) tile4x4(K, a + <usize>i * aRow, aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, ldc, init, bias + jb, epi, h + <usize>i * ldc + jb);
    for (; i < M; i++) tile1x4(K, a + <usize>i * aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, init, bias + jb, epi, h + <usize>i * ldc + jb);
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) tile4x1(K, a + <usize>i * aRow, aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, ldc, init, bias + jb, epi, h + <usize>i * ldc + jb);
    for (; i < M; i++) tile1x1(K, a + <usize>i * aRow, aCol, b + jb, ldb, c + <usize>i * ldc + jb, init, bias + jb, epi, h + <usize>i * ldc + jb);
  }
}

/** The register tile: 4 rows × 8 columns in 8 f32x4 accumulators; per k, 2 loads of B, 4 splat loads of A, 8 mul + 8 add. */
// @ts-ignore: decorator
@inline function tile4x8(K: i32, a0: usize, aRow: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, ldc: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s00 = init4(init, c0, bias);
  let s01 = init4(init, c0 + 16, bias + 16);
  let s10 = init4(init, c0 + ldc, bias);
  let s11 = init4(init, c0 + ldc + 16, bias + 16);
  let s20 = init4(init, c0 + 2 * ldc, bias);
  let s21 = init4(init, c0 + 2 * ldc + 16, bias + 16);
  let s30 = init4(init, c0 + 3 * ldc, bias);
  let s31 = init4(init, c0 + 3 * ldc + 16, bias + 16);
  let p0 = a0;
  let p1 = a0 + aRow;
  let p2 = a0 + 2 * aRow;
  let p3 = a0 + 3 * aRow;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(p0);
    s00 = f32x4.add(s00, f32x4.mul(x, b0));
    s01 = f32x4.add(s01, f32x4.mul(x, b1));
    x = v128.load32_splat(p1);
    s10 = f32x4.add(s10, f32x4.mul(x, b0));
    s11 = f32x4.add(s11, f32x4.mul(x, b1));
    x = v128.load32_splat(p2);
    s20 = f32x4.add(s20, f32x4.mul(x, b0));
    s21 = f32x4.add(s21, f32x4.mul(x, b1));
    x = v128.load32_splat(p3);
    s30 = f32x4.add(s30, f32x4.mul(x, b0));
    s31 = f32x4.add(s31, f32x4.mul(x, b1));
    p0 += aCol;
    p1 += aCol;
    p2 += aCol;
    p3 += aCol;
    pb += ldb;
  }
  store4(c0, s00, epi, h0);
  store4(c0 + 16, s01, epi, h0 + 16);
  store4(c0 + ldc, s10, epi, h0 + ldc);
  store4(c0 + ldc + 16, s11, epi, h0 + ldc + 16);
  store4(c0 + 2 * ldc, s20, epi, h0 + 2 * ldc);
  store4(c0 + 2 * ldc + 16, s21, epi, h0 + 2 * ldc + 16);
  store4(c0 + 3 * ldc, s30, epi, h0 + 3 * ldc);
  store4(c0 + 3 * ldc + 16, s31, epi, h0 + 3 * ldc + 16);
}

// @ts-ignore: decorator
@inline function tile4x4(K: i32, a0: usize, aRow: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, ldc: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s0 = init4(init, c0, bias);
  let s1 = init4(init, c0 + ldc, bias);
  let s2 = init4(init, c0 + 2 * ldc, bias);
  let s3 = init4(init, c0 + 3 * ldc, bias);
  let p0 = a0;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    const bv = v128.load(pb);
    s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(p0), bv));
    s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(p0 + aRow), bv));
    s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(p0 + 2 * aRow), bv));
    s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(p0 + 3 * aRow), bv));
    p0 += aCol;
    pb += ldb;
  }
  store4(c0, s0, epi, h0);
  store4(c0 + ldc, s1, epi, h0 + ldc);
  store4(c0 + 2 * ldc, s2, epi, h0 + 2 * ldc);
  store4(c0 + 3 * ldc, s3, epi, h0 + 3 * ldc);
}

/** Narrow heads (1–3 outputs): four rows' dot products at once, vectorised over the rows. */
// @ts-ignore: decorator
@inline function tile4x1(K: i32, a0: usize, aRow: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, ldc: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s = f32x4.splat(0);
  if (init == INIT_BIAS) s = v128.load32_splat(bias);
  else if (init == INIT_ACCUMULATE) {
    s = f32x4.replace_lane(s, 0, load<f32>(c0));
    s = f32x4.replace_lane(s, 1, load<f32>(c0 + ldc));
    s = f32x4.replace_lane(s, 2, load<f32>(c0 + 2 * ldc));
    s = f32x4.replace_lane(s, 3, load<f32>(c0 + 3 * ldc));
  }
  let p0 = a0;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    let x = f32x4.splat(load<f32>(p0));
    x = f32x4.replace_lane(x, 1, load<f32>(p0 + aRow));
    x = f32x4.replace_lane(x, 2, load<f32>(p0 + 2 * aRow));
    x = f32x4.replace_lane(x, 3, load<f32>(p0 + 3 * aRow));
    s = f32x4.add(s, f32x4.mul(x, v128.load32_splat(pb)));
    p0 += aCol;
    pb += ldb;
  }
  store1(c0, f32x4.extract_lane(s, 0), epi, h0);
  store1(c0 + ldc, f32x4.extract_lane(s, 1), epi, h0 + ldc);
  store1(c0 + 2 * ldc, f32x4.extract_lane(s, 2), epi, h0 + 2 * ldc);
  store1(c0 + 3 * ldc, f32x4.extract_lane(s, 3), epi, h0 + 3 * ldc);
}

// @ts-ignore: decorator
@inline function tile1x8(K: i32, a0: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s0 = init4(init, c0, bias);
  let s1 = init4(init, c0 + 16, bias + 16);
  let p0 = a0;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(p0);
    s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb)));
    s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
    p0 += aCol;
    pb += ldb;
  }
  store4(c0, s0, epi, h0);
  store4(c0 + 16, s1, epi, h0 + 16);
}

// @ts-ignore: decorator
@inline function tile1x4(K: i32, a0: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s0 = init4(init, c0, bias);
  let p0 = a0;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(p0), v128.load(pb)));
    p0 += aCol;
    pb += ldb;
  }
  store4(c0, s0, epi, h0);
}

// @ts-ignore: decorator
@inline function tile1x1(K: i32, a0: usize, aCol: usize, pb0: usize, ldb: usize, c0: usize, init: i32, bias: usize, epi: i32, h0: usize): void {
  let s = init1(init, c0, bias);
  let p0 = a0;
  let pb = pb0;
  for (let k = 0; k < K; k++) {
    s += load<f32>(p0) * load<f32>(pb);
    p0 += aCol;
    pb += ldb;
  }
  store1(c0, s, epi, h0);
}

/**
 * Z[i, n] = bias[n] + Σ_k X[i, k] · W[n, k] for narrow layers (N < 4, the policy and value heads),
 * vectorised along k as dot products of two contiguous rows: the tiled gemm would leave most of each
 * f32x4 empty there. X row-major with ldx bytes per row, W row-major N × K, Z with ldz bytes per row.
 */
export function dotRows(M: i32, N: i32, K: i32, x: usize, ldx: usize, w: usize, z: usize, ldz: usize, bias: usize, epi: i32): void {
  const K4 = K & ~3;
  const rowBytes = <usize>K << 2;
  for (let i = 0; i < M; i++) {
    const xi = x + <usize>i * ldx;
    const zi = z + <usize>i * ldz;
    for (let n = 0; n < N; n++) {
      const wn = w + <usize>n * rowBytes;
      let acc = f32x4.splat(0);
      let k = 0;
      for (; k < K4; k += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xi + (<usize>k << 2)), v128.load(wn + (<usize>k << 2))));
      let s = load<f32>(bias + (<usize>n << 2)) + ((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)));
      for (; k < K; k++) s += load<f32>(xi + (<usize>k << 2)) * load<f32>(wn + (<usize>k << 2));
      store1(zi + (<usize>n << 2), s, epi, 0);
    }
  }
}

/** out[j] += Σ_{i < M} X[i, j] for j < N (X row-major, ldx bytes per row): the bias gradient. */
export function columnSumsInto(M: i32, N: i32, x: usize, ldx: usize, out: usize): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    let s = v128.load(out + jb);
    let p = x + jb;
    for (let i = 0; i < M; i++) {
      s = f32x4.add(s, v128.load(p));
      p += ldx;
    }
    v128.store(out + jb, s);
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let s = load<f32>(out + jb);
    let p = x + jb;
    for (let i = 0; i < M; i++) {
      s += load<f32>(p);
      p += ldx;
    }
    store<f32>(out + jb, s);
  }
}

/** dst (cols × rows) = srcᵀ, src row-major rows × cols; in 16 × 16 tiles so both sides stay in cache. */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(r0 + 16, rows);
    for (let c0 = 0; c0 < cols; c0 += 16) {
      const c1 = min(c0 + 16, cols);
      for (let r = r0; r < r1; r++) {
        const s = src + (<usize>(r * cols) << 2);
        for (let c = c0; c < c1; c++) store<f32>(dst + (<usize>(c * rows + r) << 2), load<f32>(s + (<usize>c << 2)));
      }
    }
  }
}

// ---- A network, described in memory by JavaScript (layout in simd/plan.ts) ----
//
// Header (i32 words): [numLayers, inputPtr, inputWidth], then per layer LAYER_WORDS words:
// nIn, nOut, wPtr, bPtr, wtPtr, outPtr, dzPtr, gradW (byte offset of W in a gradient vector),
// gradB, inPtr (the layer's input rows: inputPtr or the previous layer's outPtr).
const HEADER_WORDS: usize = 3;
const LAYER_WORDS: usize = 10;

// @ts-ignore: decorator
@inline function field(net: usize, l: i32, f: usize): usize {
  return <usize>load<i32>(net + ((HEADER_WORDS + <usize>l * LAYER_WORDS + f) << 2));
}

/** Wᵀ of every layer, once per update (the forward kernel streams Wᵀ rows). */
export function prepareNetwork(net: usize): void {
  const L = load<i32>(net);
  for (let l = 0; l < L; l++) transpose(<i32>field(net, l, 1), <i32>field(net, l, 0), field(net, l, 2), field(net, l, 4));
}

/** Forward pass of rows [r0, r1): Z = X·Wᵀ + b with tanh fused on hidden layers, linear head. */
export function forwardRows(net: usize, r0: i32, r1: i32): void {
  const L = load<i32>(net);
  const rows = r1 - r0;
  if (rows <= 0) return;
  for (let l = 0; l < L; l++) {
    const nIn = <usize>field(net, l, 0);
    const nOut = <usize>field(net, l, 1);
    const x = field(net, l, 9) + <usize>r0 * nIn * 4;
    const z = field(net, l, 5) + <usize>r0 * nOut * 4;
    const epi = l < L - 1 ? EPI_TANH : EPI_NONE;
    if (nOut < 4) dotRows(rows, <i32>nOut, <i32>nIn, x, nIn * 4, field(net, l, 2), z, nOut * 4, field(net, l, 3), epi);
    else gemm(rows, <i32>nOut, <i32>nIn, x, nIn * 4, 4, field(net, l, 4), nOut * 4, z, nOut * 4, INIT_BIAS, field(net, l, 3), epi, 0);
  }
}

/**
 * Backward pass of rows [r0, r1), given dLoss/dHead in the last layer's dz rows: accumulates
 * dW = dZᵀ·X and db = Σ dZ into the gradient vector at `grad`, and propagates
 * dZ_{l−1} = (dZ_l · W_l) ⊙ (1 − X_l²) through the hidden layers.
 */
export function backwardRows(net: usize, r0: i32, r1: i32, grad: usize): void {
  const L = load<i32>(net);
  const rows = r1 - r0;
  if (rows <= 0) return;
  for (let l = L - 1; l >= 0; l--) {
    const nIn = <usize>field(net, l, 0);
    const nOut = <usize>field(net, l, 1);
    const x = field(net, l, 9) + <usize>r0 * nIn * 4;
    const dz = field(net, l, 6) + <usize>r0 * nOut * 4;
    gemm(<i32>nOut, <i32>nIn, rows, dz, 4, nOut * 4, x, nIn * 4, grad + field(net, l, 7), nIn * 4, INIT_ACCUMULATE, 0, EPI_NONE, 0);
    columnSumsInto(rows, <i32>nOut, dz, nOut * 4, grad + field(net, l, 8));
    if (l > 0) {
      const dzBelow = field(net, l - 1, 6) + <usize>r0 * nIn * 4;
      gemm(rows, <i32>nIn, <i32>nOut, dz, nOut * 4, 4, field(net, l, 2), nIn * 4, dzBelow, nIn * 4, INIT_ZERO, 0, EPI_DTANH, x);
    }
  }
}

// ---- Vector operations over the flat parameter vector (n a multiple of 4: JavaScript pads it) ----

export function fillZero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/** dst += src. */
export function addInto(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
}

/** Σ x², accumulated in float64 (the global gradient norm). */
export function sumSquares(x: usize, n: i32): f64 {
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const sq = f32x4.mul(v, v);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(sq));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1)));
  }
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** x *= s. */
export function scale(x: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), sv));
  }
}

/**
 * Adam with PyTorch's update rule (as adam.ts): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − stepSize · m / (√v / √bc2 + ε), stepSize = lr / bc1.
 */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, beta1: f32, beta2: f32, stepSize: f32, invSqrtBc2: f32, eps: f32): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(1 - beta2);
  const lr = f32x4.splat(stepSize);
  const ib = f32x4.splat(invSqrtBc2);
  const e = f32x4.splat(eps);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), ib), e);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(lr, mv), denom)));
  }
}

/**
 * The machine's empirical f32x4 multiply-add throughput: 12 independent register-resident chains
 * a ← a·m + c (12 × 4 lanes × 2 flops per iteration), long enough that the latency of one chain
 * (mul + add) is hidden behind the others. Returns a lane sum so the work cannot be dropped.
 */
export function peakMulAdd(iterations: i32): f32 {
  const m = f32x4.splat(0.999);
  const c = f32x4.splat(0.001);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.1), a10 = f32x4.splat(1.2), a11 = f32x4.splat(1.3);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c);
    a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c);
    a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c);
    a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c);
    a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c);
    a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c);
    a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  let s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  s = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** The first byte JavaScript may use: everything below belongs to the module (it uses none today). */
export function heapBase(): usize {
  return __heap_base;
}
