/**
 * Whether the webgpu tests can run here: a Vulkan device reachable through Dawn (in CI, Mesa's lavapipe
 * installed by scripts/install-vulkan.sh). Outside CI a missing device skips the tests with the reason;
 * under CI=true it fails them (`requireWebGpu` throws), so CI never passes without exercising the GPU route.
 */
import { createWebGpuDevice, WebGpuUnavailableError } from "../../runtime/src/backends/webgpu.js";

let probe: Promise<string | false> | null = null;

/** `false` when a WebGPU adapter answers, else why not (node:test's `skip` reason). */
export function webGpuSkipReason(): Promise<string | false> {
  probe ??= (async () => {
    try {
      const { device } = await createWebGpuDevice("adapter");
      device.destroy();
      return false;
    } catch (err) {
      if (!(err instanceof WebGpuUnavailableError)) throw err;
      return `no WebGPU device: ${err.message} (run scripts/install-vulkan.sh for Mesa's software Vulkan device)`;
    }
  })();
  return probe;
}

/** For a test's `skip` option: the reason outside CI; under CI=true a missing device throws (the test fails). */
export async function skipUnlessWebGpu(): Promise<string | false> {
  const reason = await webGpuSkipReason();
  if (reason && process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  return reason;
}
