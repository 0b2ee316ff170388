import type { Rng } from "../rng.js";

/**
 * Orthogonal initialisation (Saxe et al. 2014), as `torch.nn.init.orthogonal_` does it:
 * QR of a Gaussian matrix, Q's columns sign-corrected by diag(R), scaled by `gain`.
 * Returns a row-major `rows × cols` matrix whose rows (if rows ≤ cols) or columns are orthonormal × gain.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float64Array {
  const transpose = rows < cols;
  const n = transpose ? cols : rows; // tall dimension
  const m = transpose ? rows : cols; // columns to orthonormalise
  // Column-major tall matrix A (n × m) of standard normals.
  const a = new Float64Array(n * m);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  // Modified Gram-Schmidt: A = Q R; R's diagonal is the norm before normalisation (positive),
  // which matches torch's `q *= sign(diag(r))` correction.
  for (let j = 0; j < m; j++) {
    const cj = j * n;
    for (let k = 0; k < j; k++) {
      const ck = k * n;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += a[ck + i]! * a[cj + i]!;
      for (let i = 0; i < n; i++) a[cj + i]! -= dot * a[ck + i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[cj + i]! * a[cj + i]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-12) throw new Error("orthogonal init: degenerate random matrix");
    for (let i = 0; i < n; i++) a[cj + i]! /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Element (r, c) of Q (n × m) or of Qᵀ when transposed.
      const v = transpose ? a[r * n + c]! : a[c * n + r]!;
      out[r * cols + c] = gain * v;
    }
  }
  return out;
}
