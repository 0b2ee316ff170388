/**
 * Sum of scalars by pairwise adds. Not tf.addN: tfjs-backend-webgpu's AddN binds one storage buffer
 * per input in a single shader, over the device's per-stage limit (8 by default, 16 on many adapters)
 * once there are more than a few inputs — and then returns a wrong sum without an error (a gradient
 * norm over TWOSOME's 20 LoRA tensors came out 10⁻⁵ of the true one on lavapipe).
 */
import type * as tfTypes from "@tensorflow/tfjs-core";

export function sumScalars(tf: typeof tfTypes, xs: tfTypes.Tensor[]): tfTypes.Tensor {
  if (xs.length === 0) throw new RangeError("sumScalars: no tensors to sum");
  let level = xs;
  while (level.length > 1) {
    const next: tfTypes.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}
