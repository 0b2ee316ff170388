/**
 * The one owner of the local model: one `Llama` instance (llama.cpp's bindings), one loaded
 * `LlamaModel` and one `LlamaContext` with a single sequence, handed out one generation at a time.
 *
 * States, as the user sees them: no model → (downloading) → loading → ready, or failed with the
 * reason. Every step that can wait on the network or a stuck load has a timeout and an
 * AbortSignal, so with no network and no model every feature fails fast with `NO_MODEL_MESSAGE`.
 */
import { RECOMMENDED_MODEL_URI, type LlmModelState } from "../../../protocol/src/reward-design.js";
export { RECOMMENDED_MODEL_URI };
import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import { chooseThreads, importNodeLlamaCpp, type NodeLlamaCppModule } from "./node-llama.js";
import { LlmUnavailableError, NO_MODEL_MESSAGE, abortError, withTimeout } from "./provider.js";


/** Where URIs are downloaded to when no folder is given. */
export const DEFAULT_MODELS_DIR = join(homedir(), ".rl-studio", "models");

/** The states the editor shows (declared once, in the protocol). */
export type ModelState = LlmModelState;

export interface ModelManagerOptions {
  /** `rlStudio.llm.model`: a `.gguf` path, or an `hf:` / `https:` URI resolved in `modelsDir`. Empty: no model. */
  model?: string;
  /** Folder URIs are downloaded to and looked up in (default `~/.rl-studio/models`). */
  modelsDir?: string;
  /** `rlStudio.llm.gpu`: "auto" uses CUDA/Vulkan/Metal when llama.cpp finds one, "off" stays on the CPU. */
  gpu?: "auto" | "off";
  /** llama.cpp threads (default `chooseThreads()`); always passed explicitly. */
  threads?: number;
  /** Context size in tokens (default 4096, capped to the model's training context). */
  contextSize?: number;
  /** Time allowed for loading llama.cpp and the model file (default 120 s). */
  loadTimeoutMs?: number;
  /** Time allowed for resolving a URI to a file name over the network before downloading (default 20 s). */
  resolveTimeoutMs?: number;
}

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

/** What a generation borrows from the manager. */
export interface LoadedModel {
  module: NodeLlamaCppModule;
  llama: L.Llama;
  model: L.LlamaModel;
  context: L.LlamaContext;
  path: string;
}

const URI = /^(hf:|https?:\/\/)/i;

/** True for a model setting that names a download (`hf:` or `https:`), false for a file path. */
export function isModelUri(model: string): boolean {
  return URI.test(model);
}

export class ModelManager {
  private current: ModelState;
  private readonly listeners = new Set<(s: ModelState) => void>();
  private llama: L.Llama | null = null;
  private loaded: LoadedModel | null = null;
  private loadingPromise: Promise<LoadedModel> | null = null;
  /** Generations wait here for the single sequence: one at a time, each disposes its sequence. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** URIs downloaded by this manager and where they landed (no network lookup needed to load them). */
  private readonly downloaded = new Map<string, string>();
  readonly threads: number;
  readonly modelsDir: string;

  constructor(private options: ModelManagerOptions = {}) {
    this.threads = options.threads ?? chooseThreads();
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`ModelManager: threads must be a positive integer, got ${options.threads}`);
    this.modelsDir = resolve(options.modelsDir ?? DEFAULT_MODELS_DIR);
    this.current = { state: "no-model", message: NO_MODEL_MESSAGE };
  }

  get state(): ModelState {
    return this.current;
  }

  /** The configured model (path or URI), or undefined. */
  get model(): string | undefined {
    const m = this.options.model?.trim();
    return m ? m : undefined;
  }

  /** Called on every state change; returns the unsubscribe function. */
  onDidChangeState(listener: (s: ModelState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** New settings (the user changed rlStudio.llm.*): the loaded model is released and loads again on next use. */
  async configure(options: ModelManagerOptions): Promise<void> {
    await this.unload();
    this.options = { ...options, threads: this.threads, modelsDir: this.modelsDir };
    this.setState({ state: "no-model", message: NO_MODEL_MESSAGE });
  }

  /**
   * The loaded model, loading it on first use. Rejects with `LlmUnavailableError` ("no-model" when
   * nothing is configured or a URI is not downloaded yet; "failed" with the reason otherwise).
   */
  load(signal?: AbortSignal): Promise<LoadedModel> {
    if (this.disposed) return Promise.reject(new LlmUnavailableError("failed", "the model manager was disposed"));
    if (this.loaded) return Promise.resolve(this.loaded);
    this.loadingPromise ??= this.doLoad(signal).finally(() => {
      this.loadingPromise = null;
    });
    return this.loadingPromise;
  }

  /**
   * Download the configured URI (or `uri`) into `modelsDir` with progress, then load it. Aborting
   * cancels the transfer and deletes the partial file. Returns the model file's path.
   */
  async download(options: { uri?: string; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void; load?: boolean } = {}): Promise<string> {
    const uri = options.uri ?? this.model ?? RECOMMENDED_MODEL_URI;
    if (!URI.test(uri)) {
      throw new LlmUnavailableError("failed", `rlStudio.llm.model is a file path (${uri}), not an hf: or https: URI: there is nothing to download`);
    }
    const signal = options.signal;
    if (signal?.aborted) throw abortError(signal);
    const mod = await importNodeLlamaCpp();
    await mkdir(this.modelsDir, { recursive: true });
    this.setState({ state: "downloading", uri, downloadedBytes: 0, totalBytes: 0 });
    let path: string;
    let downloader: L.ModelDownloader | undefined;
    let finished = false;
    try {
      downloader = await withTimeout(
        mod.createModelDownloader({
          modelUri: uri,
          dirPath: this.modelsDir,
          showCliProgress: false,
          skipExisting: true,
          deleteTempFileOnCancel: true,
          onProgress: (s) => {
            // ipull may report once more after a cancel: the state must stay what the cancel said.
            if (finished || signal?.aborted) return;
            const p = { downloadedBytes: s.downloadedSize, totalBytes: s.totalSize };
            this.setState({ state: "downloading", uri, ...p });
            options.onProgress?.(p);
          },
        }),
        this.options.resolveTimeoutMs ?? 20_000,
        `looking up ${uri} (is the network reachable?)`,
        signal,
      );
      path = await downloader.download(signal ? { signal } : {});
      // ipull resolves (rather than rejects) when the transfer is cancelled through the signal.
      if (signal?.aborted) throw abortError(signal);
      finished = true;
    } catch (err) {
      finished = true;
      const aborted = signal?.aborted === true;
      // Wait for the transfer to stop and its partial file to go before reporting.
      if (aborted) await downloader?.cancel({ deleteTempFile: true }).catch(() => {});
      this.setState(aborted ? { state: "no-model", message: `download of ${uri} cancelled; ${NO_MODEL_MESSAGE}` } : { state: "failed", reason: `download of ${uri} failed: ${messageOf(err)}` });
      if (aborted) throw abortError(signal);
      throw new LlmUnavailableError("failed", `download of ${uri} failed: ${messageOf(err)}`, { cause: err });
    }
    if (options.uri !== undefined || this.model === undefined) this.options = { ...this.options, model: uri };
    this.downloaded.set(uri, path);
    if (options.load === false) {
      this.setState({ state: "no-model", message: `downloaded ${path}; it loads on first use` });
      return path;
    }
    await this.unload();
    await this.load(signal);
    return path;
  }

  /** Release the model and context; the `Llama` bindings stay for the next load. */
  async unload(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    if (!loaded) return;
    await this.queue.catch(() => {});
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.loadingPromise?.catch(() => {});
    await this.unload();
    await this.llama?.dispose();
    this.llama = null;
    this.listeners.clear();
  }

  /**
   * Run `fn` with a fresh sequence of the context, one generation at a time; the sequence is
   * disposed afterwards whatever happens, so `context.sequencesLeft` is back to 1 by the time the
   * returned promise settles.
   */
  async withSequence<T>(signal: AbortSignal | undefined, fn: (loaded: LoadedModel, sequence: L.LlamaContextSequence) => Promise<T>): Promise<T> {
    const loaded = await this.load(signal);
    const run = async (): Promise<T> => {
      if (signal?.aborted) throw abortError(signal);
      const sequence = loaded.context.getSequence();
      try {
        return await fn(loaded, sequence);
      } finally {
        // Awaited: node-llama-cpp gives the sequence id back to the context asynchronously (under
        // the context's lock), so the next queued generation would otherwise find no sequence left.
        await sequence.dispose();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private async doLoad(signal?: AbortSignal): Promise<LoadedModel> {
    const configured = this.model;
    if (!configured) {
      this.setState({ state: "no-model", message: NO_MODEL_MESSAGE });
      throw new LlmUnavailableError("no-model", NO_MODEL_MESSAGE);
    }
    const mod = await importNodeLlamaCpp().catch((err: unknown) => {
      this.setState({ state: "failed", reason: messageOf(err) });
      throw err;
    });
    const path = await this.resolvePath(mod, configured, signal);
    this.setState({ state: "loading", path });
    try {
      const loaded = await withTimeout(this.loadFile(mod, path), this.options.loadTimeoutMs ?? 120_000, `loading ${path}`, signal);
      if (this.disposed) {
        await loaded.context.dispose();
        await loaded.model.dispose();
        throw new LlmUnavailableError("failed", "the model manager was disposed while loading");
      }
      this.loaded = loaded;
      this.setState({
        state: "ready",
        path,
        gpu: loaded.llama.gpu,
        threads: this.threads,
        contextSize: loaded.context.contextSize,
      });
      return loaded;
    } catch (err) {
      if (signal?.aborted) {
        this.setState({ state: "no-model", message: `loading ${path} was cancelled` });
        throw abortError(signal);
      }
      const reason = `cannot load ${path}: ${messageOf(err)}`;
      this.setState({ state: "failed", reason });
      throw err instanceof LlmUnavailableError ? err : new LlmUnavailableError("failed", reason, { cause: err });
    }
  }

  /** A path must exist; a URI must already be in `modelsDir` (looked up without downloading). */
  private async resolvePath(mod: NodeLlamaCppModule, configured: string, signal?: AbortSignal): Promise<string> {
    if (!URI.test(configured)) {
      const path = resolve(configured);
      if (!existsSync(path) || !statSync(path).isFile()) {
        const reason = `model file not found: ${path} (rlStudio.llm.model must be a .gguf file, or an hf: URI to download)`;
        this.setState({ state: "failed", reason });
        throw new LlmUnavailableError("failed", reason);
      }
      return path;
    }
    const downloaded = this.downloaded.get(configured);
    if (downloaded && existsSync(downloaded)) return downloaded;
    try {
      return await withTimeout(
        mod.resolveModelFile(configured, { directory: this.modelsDir, download: false, cli: false }),
        this.options.resolveTimeoutMs ?? 20_000,
        `looking up ${configured}`,
        signal,
      );
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      const message = `no model: ${configured} is not downloaded yet (run Download Model; ${messageOf(err)})`;
      this.setState({ state: "no-model", message });
      throw new LlmUnavailableError("no-model", message, { cause: err });
    }
  }

  private async loadFile(mod: NodeLlamaCppModule, path: string): Promise<LoadedModel> {
    this.llama ??= await mod.getLlama({
      gpu: this.options.gpu === "off" ? false : "auto",
      maxThreads: this.threads,
      logLevel: mod.LlamaLogLevel.error,
      progressLogs: false,
      // Prebuilt binaries only: building llama.cpp from source would need the network and a toolchain.
      build: "never",
    });
    const model = await this.llama.loadModel({ modelPath: path, ...(this.options.gpu === "off" ? { gpuLayers: 0 } : {}) });
    try {
      const contextSize = Math.min(this.options.contextSize ?? 4096, model.trainContextSize);
      const context = await model.createContext({ contextSize, sequences: 1, threads: this.threads });
      return { module: mod, llama: this.llama, model, context, path };
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  private setState(s: ModelState): void {
    this.current = s;
    for (const l of this.listeners) l(s);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
