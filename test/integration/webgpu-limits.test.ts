/**
 * The defect this guards against: tfjs-backend-webgpu's own device factory keeps WebGPU's default of 8
 * storage buffers per shader stage, its AddN kernel binds one per input, and the resulting validation
 * errors were only printed while training "completed". Here, on a device with the default limits, such
 * a kernel must throw a WebGpuError out of the monitor's guard, and the PPO learner (which no longer
 * sums through AddN) must still run. Its own process: it registers tfjs's webgpu backend on that device.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWebGpuDevice, useDeviceForTfjs, WebGpuError, WebGpuMonitor } from "../../runtime/src/backends/webgpu.js";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import { TfjsLearner } from "../../runtime/src/backends/tfjs-learner.js";
import { ActorCriticLayout } from "../../runtime/src/nn/actor-critic.js";
import { syntheticMinibatch, TIMING_COEFFICIENTS } from "../../runtime/src/backends/calibrate.js";
import { Rng } from "../../runtime/src/rng.js";
import { skipUnlessWebGpu } from "./webgpu-device.js";

test("on a device with WebGPU's default limits, a kernel over the storage-buffer limit throws instead of passing silently", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const tf = await loadTfjs("cpu");
  const gpu = await createWebGpuDevice("default");
  t.after(() => gpu.device.destroy());
  assert.equal(gpu.device.limits.maxStorageBuffersPerShaderStage, 8);
  await useDeviceForTfjs(tf, gpu);
  const monitor = new WebGpuMonitor(gpu.device);
  await assert.rejects(
    monitor.guard("an AddN over 12 tensors", async () => {
      const parts = Array.from({ length: 12 }, (_, i) => tf.fill([4], i + 1));
      const out = tf.addN(parts);
      try {
        await out.data();
      } finally {
        tf.dispose([...parts, out]);
      }
    }),
    (err: unknown) => {
      assert.ok(err instanceof WebGpuError, String(err));
      assert.equal(err.kind, "validation");
      assert.match(err.message, /^WebGPU validation error during an AddN over 12 tensors: .*storage buffers/i);
      return true;
    },
  );

  // The PPO learner binds few buffers per kernel: it runs even on the default limits.
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "box", actionDim: 2, hiddenSizes: [16, 16, 16] });
  const learner = new TfjsLearner(tf, "webgpu", layout, layout.initParams(new Rng(1)), monitor);
  t.after(() => learner.dispose());
  const stats = await learner.step(syntheticMinibatch(layout, 32, new Rng(2)), TIMING_COEFFICIENTS, 1e-3, 0.5);
  assert.ok(Number.isFinite(stats.loss));
});
