/**
 * The WebGPU device behind TensorFlow.js's `webgpu` backend, created by us rather than by tfjs, and
 * watched for errors.
 *
 * Why not tfjs's own factory: @tensorflow/tfjs-backend-webgpu 4.22 (src/base.ts) asks the adapter for
 * a device with a few compute limits but not `maxStorageBuffersPerShaderStage`, so the device keeps
 * WebGPU's default of 8 storage buffers per stage while some of its kernels bind more (AddN binds one
 * per input plus the output: the PPO learner's global-norm sum over 12 gradients bound 13). Every
 * command buffer that used such a pipeline was invalid, the GPU did nothing, and Dawn only printed
 * the validation error — training "completed". So we request every limit the adapter offers and
 * register the tfjs backend with that device.
 *
 * Why the monitor: WebGPU reports validation, out-of-memory and internal errors asynchronously and
 * never throws them into the caller. `WebGpuMonitor.guard` wraps each unit of GPU work (a PPO update,
 * a parameter read-back) in error scopes and turns any error, any uncaptured error since the last
 * check, and a lost device into a thrown `WebGpuError` that fails the run with a clear message.
 *
 * The handle is one per process (tfjs has one `webgpu` backend per engine). Other GPU code (the
 * LLM policy's transformer) reuses it through `acquireWebGpu()`.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";

type Tf = typeof tfTypes;

/** What the adapter says about itself (GPUAdapterInfo), plus the limits the device got. */
export interface WebGpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software or otherwise degraded adapter (Mesa's lavapipe reports true). */
  isFallbackAdapter: boolean;
  maxStorageBuffersPerShaderStage: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** A GPU error during GPU work: validation, out-of-memory, internal, or the device lost. */
export class WebGpuError extends Error {
  constructor(
    readonly kind: "validation" | "out-of-memory" | "internal" | "device lost",
    readonly phase: string,
    detail: string,
  ) {
    super(`WebGPU ${kind === "device lost" ? "device lost" : `${kind} error`} during ${phase}: ${detail}`);
    this.name = "WebGpuError";
  }
}

/** Thrown when no WebGPU device can be had; says which step failed. */
export class WebGpuUnavailableError extends Error {}

function firstLine(message: string): string {
  return message.split("\n").find((l) => l.trim() !== "")?.trim() ?? message;
}

function errorKind(err: GPUError): WebGpuError["kind"] {
  const name = err.constructor?.name ?? "";
  if (name.includes("OutOfMemory")) return "out-of-memory";
  if (name.includes("Internal")) return "internal";
  return "validation";
}

/**
 * Watches one device: error scopes around each unit of work, uncaptured errors in between, loss.
 * Units of work are serialised (error scopes are a per-device stack, so interleaved async work would
 * pop each other's scopes).
 */
export class WebGpuMonitor {
  private uncaptured: GPUError[] = [];
  private lostInfo: { reason: string; message: string } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly device: GPUDevice) {
    device.onuncapturederror = (e: GPUUncapturedErrorEvent) => {
      // preventDefault: we report it ourselves (Dawn would also print it to the console).
      e.preventDefault();
      this.uncaptured.push(e.error);
    };
    void device.lost.then((info) => {
      this.lostInfo = { reason: String(info.reason), message: info.message };
    });
  }

  /** The loss, if the device was lost (destroyed, driver reset, removed). */
  get lost(): { reason: string; message: string } | null {
    return this.lostInfo;
  }

  /** Throws for a lost device or an uncaptured error reported since the last check. */
  check(phase: string): void {
    if (this.lostInfo) throw new WebGpuError("device lost", phase, describeLoss(this.lostInfo));
    const err = this.uncaptured.shift();
    if (err) {
      const more = this.uncaptured.length;
      this.uncaptured = [];
      throw new WebGpuError(errorKind(err), phase, firstLine(err.message) + (more > 0 ? ` (and ${more} more)` : ""));
    }
  }

  /**
   * Runs `work` inside validation, out-of-memory and internal error scopes and throws a WebGpuError
   * for the first error any of them caught, an uncaptured error, or a lost device.
   */
  guard<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.check(phase);
      const { device } = this;
      device.pushErrorScope("internal");
      device.pushErrorScope("out-of-memory");
      device.pushErrorScope("validation");
      let result: T | undefined;
      let thrown: unknown = null;
      try {
        result = await work();
      } catch (err) {
        thrown = err;
      }
      // Pop all three even when the work threw: the scopes must not leak into the next unit.
      const scoped: (GPUError | null)[] = [];
      for (let i = 0; i < 3; i++) scoped.push(await device.popErrorScope().catch(() => null));
      // A lost device explains a failed read-back better than the read-back's own (often empty) error.
      if (this.lostInfo) throw new WebGpuError("device lost", phase, describeLoss(this.lostInfo));
      const first = scoped.find((e): e is GPUError => e !== null);
      if (first) throw new WebGpuError(errorKind(first), phase, firstLine(first.message));
      this.check(phase);
      if (thrown !== null) throw thrown;
      return result as T;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function describeLoss(info: { reason: string; message: string }): string {
  // "destroyed": destroy() was called (Dawn's message only repeats it); otherwise the driver's words.
  if (info.reason === "destroyed") return "the device was destroyed";
  const message = info.message.trim();
  return `${message ? firstLine(message) : "no message"} (reason '${info.reason}')`;
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/** Which limits to request: everything the adapter offers (the product), or WebGPU's defaults (a test shows why not). */
export type LimitsPolicy = "adapter" | "default";

export interface WebGpuDevice {
  /** Dawn's GPU object (what a browser calls navigator.gpu). */
  gpu: GPU;
  device: GPUDevice;
  adapter: WebGpuAdapterSummary;
}

/** The limits tfjs-backend-webgpu's kernels can need: all of the adapter's numeric limits. */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, unknown>;
  // GPUSupportedLimits exposes its limits as prototype getters, so walk the prototype's names.
  const names = new Set([...Object.keys(limits), ...Object.getOwnPropertyNames(Object.getPrototypeOf(limits))]);
  for (const name of names) {
    if (name === "constructor") continue;
    const value = limits[name];
    if (typeof value === "number" && Number.isFinite(value)) out[name] = value;
  }
  return out;
}

/**
 * Creates a WebGPU device through Dawn (the `webgpu` package). Throws WebGpuUnavailableError naming
 * the step that failed: loading Dawn, the adapter query, or the device request.
 */
export async function createWebGpuDevice(limits: LimitsPolicy = "adapter"): Promise<WebGpuDevice> {
  let dawn: DawnModule;
  try {
    dawn = require("webgpu") as DawnModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new WebGpuUnavailableError(
      e.code === "MODULE_NOT_FOUND" ? "the 'webgpu' package (Dawn) is not installed" : `loading Dawn (the 'webgpu' package) failed: ${firstLine(e.message)}`,
    );
  }
  // Dawn's GPUBufferUsage, GPUMapMode, … are used as globals by tfjs-backend-webgpu.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (err) {
    throw new WebGpuUnavailableError(`navigator.gpu.requestAdapter() failed through Dawn: ${firstLine((err as Error).message)}`);
  }
  if (!adapter) {
    const files = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
    throw new WebGpuUnavailableError(
      `navigator.gpu.requestAdapter() found no adapter through Dawn (Vulkan${files ? `, VK_DRIVER_FILES=${files}` : ""}): ` +
        "no Vulkan driver, or libvulkan.so.1 missing (Debian: apt-get install libvulkan1 and a driver — mesa-vulkan-drivers ≥ 25 for a software device, or the GPU vendor's)",
    );
  }
  const required = limits === "adapter" ? adapterLimits(adapter) : {};
  const features: GPUFeatureName[] = [];
  // tfjs uses timestamp queries for its profiler when the device has them.
  if (adapter.features.has("timestamp-query")) features.push("timestamp-query");
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits: required, requiredFeatures: features });
  } catch (err) {
    throw new WebGpuUnavailableError(`adapter.requestDevice() failed: ${firstLine((err as Error).message)}`);
  }
  const info = (adapter as GPUAdapter & { info: GPUAdapterInfo }).info;
  return {
    gpu,
    device,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
    },
  };
}

/** `navigator.gpu` is how tfjs-backend-webgpu tells that WebGPU exists (webgpu_util.isWebGPUSupported). */
function exposeNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator && typeof g.navigator === "object") {
    // Node ≥ 21 has a navigator of its own, without gpu.
    Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  }
}

/**
 * Registers tfjs's `webgpu` backend on `device` (replacing any earlier registration) and activates it.
 * Needs @tensorflow/tfjs-backend-webgpu (which registers its kernels on import).
 */
export async function useDeviceForTfjs(tf: Tf, gpuDevice: WebGpuDevice): Promise<void> {
  exposeNavigatorGpu(gpuDevice.gpu);
  let webgpu: { WebGPUBackend: new (device: GPUDevice, adapterInfo?: unknown) => tfTypes.KernelBackend };
  try {
    webgpu = require("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    throw new WebGpuUnavailableError(`@tensorflow/tfjs-backend-webgpu is not installed (${firstLine((err as Error).message)})`);
  }
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const { device, adapter } = gpuDevice;
  tf.registerBackend("webgpu", () => new webgpu.WebGPUBackend(device, { vendor: adapter.vendor, architecture: adapter.architecture }), 3);
  const ok = await tf.setBackend("webgpu");
  if (!ok) throw new WebGpuUnavailableError("tfjs could not initialise the 'webgpu' backend on the Dawn device");
  await tf.ready();
}

/** One WebGPU device per process, shared by every tfjs user. */
export interface WebGpuHandle extends WebGpuDevice {
  tf: Tf;
  monitor: WebGpuMonitor;
}

let shared: Promise<WebGpuHandle> | null = null;
/** Why WebGPU is not offered again in this process (its device was lost), if it was lost. */
let lostEarlier: string | null = null;

/**
 * The process's WebGPU device, registered as tfjs's `webgpu` backend and made the active one, with its
 * error monitor. The first call creates it; later calls return the same handle. After the device was
 * lost, throws WebGpuUnavailableError saying so (a run that resumes falls back to another backend).
 */
export async function acquireWebGpu(tf: Tf): Promise<WebGpuHandle> {
  if (lostEarlier) throw new WebGpuUnavailableError(`the WebGPU device was lost earlier in this process (${lostEarlier})`);
  if (!shared) {
    shared = (async () => {
      const gpuDevice = await createWebGpuDevice("adapter");
      await useDeviceForTfjs(tf, gpuDevice);
      const monitor = new WebGpuMonitor(gpuDevice.device);
      void gpuDevice.device.lost.then((info) => {
        lostEarlier = describeLoss({ reason: String(info.reason), message: info.message });
        shared = null;
      });
      return { ...gpuDevice, tf, monitor };
    })();
    shared.catch(() => {
      shared = null;
    });
  }
  const handle = await shared;
  if (tf.getBackend() !== "webgpu") await tf.setBackend("webgpu");
  return handle;
}
