/** Variables ⇄ one flat Float32Array (checkpoints of the adapter, value head and optimiser moments). */
import type * as tfTypes from "@tensorflow/tfjs-core";

export function sizeOf(tensors: readonly tfTypes.Tensor[]): number {
  return tensors.reduce((s, t) => s + t.size, 0);
}

export async function readFlat(tensors: readonly tfTypes.Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(sizeOf(tensors));
  let at = 0;
  for (const t of tensors) {
    out.set((await t.data()) as Float32Array, at);
    at += t.size;
  }
  return out;
}

/** Assigns consecutive slices of `flat` to `variables`; `what` describes the expected layout in the size error. */
export function assignFlat(tf: typeof tfTypes, variables: readonly tfTypes.Variable[], flat: Float32Array, what: string): void {
  const size = sizeOf(variables);
  if (flat.length !== size) throw new RangeError(`${what}: ${flat.length} values given, ${size} expected`);
  tf.tidy(() => {
    let at = 0;
    for (const v of variables) {
      v.assign(tf.tensor(flat.subarray(at, at + v.size), v.shape, "float32"));
      at += v.size;
    }
  });
}
