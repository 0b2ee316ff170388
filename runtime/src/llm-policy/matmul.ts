/**
 * Matrix products shaped for the backend. tfjs-wasm sends 2-D products without transposes to
 * XNNPACK and everything else through plain loops; measured here (CPU time, 16 heads of [672, 8]·[8, 336]):
 * 8.7 ms as 16 2-D products, 75 ms batched, 108 ms batched with transposeB, 70 ms as 2-D products
 * with transposeB. Every backward pass of x·W uses transposed products (dx = dy·Wᵀ), and attention's
 * q·kᵀ does forward too. So on wasm every product — forward and backward — is computed on explicitly
 * transposed operands (tf.customGrad); a transpose is O(n), the product it speeds up O(n^1.5). Attention
 * stays batched there: splitting it per head would need slices, and tfjs-wasm's Slice copies its whole
 * input each time. Other backends (cpu, webgpu, tensorflow) use tfjs's own kernels.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";

type Tf = typeof tfTypes;
type T2 = tfTypes.Tensor2D;
type T3 = tfTypes.Tensor3D;

export interface MatMuls {
  /** x · W for a frozen W [in, out]: the gradient flows to x only. */
  frozen(x: T2, w: T2): T2;
  /** a · b with gradients for both. */
  product(a: T2, b: T2): T2;
  /** Batched a · bᵀ: [n, r, k] × [n, c, k] → [n, r, c]. */
  productTransposed(a: T3, b: T3): T3;
  /** Batched a · b: [n, r, k] × [n, k, c] → [n, r, c]. */
  batched(a: T3, b: T3): T3;
}

/**
 * The products for a forward on the active backend. Without gradients tfjs's own kernels are as fast
 * or faster (the explicit transposes only pay for themselves in backward passes). Measured on wasm with
 * stories260K at the bench's shape (CPU time per call, loaded 2-core machine): rollout forward 420–615 ms
 * with tfjs's products, 520–565 ms with these; one PPO minibatch 1180–1370 ms with tfjs's, 940–950 ms
 * with these (bench/twosome-model.ts).
 */
export function matMulsFor(tf: Tf, gradients: boolean): MatMuls {
  return gradients && tf.getBackend() === "wasm" ? plainMatMuls(tf) : nativeMatMuls(tf);
}

function nativeMatMuls(tf: Tf): MatMuls {
  return {
    frozen: (x, w) => tf.matMul(x, w),
    product: (a, b) => tf.matMul(a, b),
    productTransposed: (a, b) => tf.matMul(a, b, false, true),
    batched: (a, b) => tf.matMul(a, b),
  };
}

function plainMatMuls(tf: Tf): MatMuls {
  const t2 = (x: T2) => tf.transpose(x) as T2;
  const t3 = (x: T3) => tf.transpose(x, [0, 2, 1]) as T3;
  /** a·b whose gradients dy·bᵀ and aᵀ·dy are products of explicitly transposed operands. */
  const viaTransposes = <T extends T2 | T3>(t: (x: T) => T) =>
    tf.customGrad(((a: T, b: T, save: tfTypes.GradSaveFunc) => {
      save([a, b]);
      return {
        value: tf.matMul(a, b),
        gradFunc: (dy: T, [sa, sb]: tfTypes.Tensor[]) => [tf.matMul(dy, t(sb as T)), tf.matMul(t(sa as T), dy)],
      };
    }) as never) as (a: T, b: T) => T;
  const product = viaTransposes<T2>(t2);
  const batched = viaTransposes<T3>(t3);
  const frozen = (x: T2, w: T2): T2 =>
    (
      tf.customGrad((input) => ({
        value: tf.matMul(input as T2, w),
        gradFunc: (dy) => tf.matMul(dy as T2, t2(w)),
      })) as (input: T2) => T2
    )(x);
  return { frozen, product, productTransposed: (a, b) => batched(a, t3(b)), batched };
}
