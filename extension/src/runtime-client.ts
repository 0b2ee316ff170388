/**
 * Starts and supervises the runtime process (dist/runtime.js). The runtime never runs inside the
 * extension host (DESIGN): it is forked with the editor's own Node (`process.execPath` with
 * ELECTRON_RUN_AS_NODE=1) unless `rlStudio.runtime.nodePath` names another, and spoken to with
 * vscode-jsonrpc over the child's IPC channel.
 *
 * Health is a visible state (rust-analyzer's client does the same): starting → ready; an
 * unexpected exit → crashed, a notification with "Show Log", the runs it was training reported to
 * the owner (who marks them failed), and a restart after an exponential backoff.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { HelloRequest, PROTOCOL_VERSION, ShutdownRequest } from "../../protocol/src/runtime.js";
import { runtimeNodePath } from "./config.js";

export type RuntimeHealth =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "ready"; pid: number; nodeVersion: string }
  /** Exited unexpectedly; `restartInMs` null when it gave up (too many crashes). */
  | { kind: "crashed"; reason: string; restartInMs: number | null };

export interface RuntimeClientOptions {
  /** Absolute path of dist/runtime.js. */
  modulePath: string;
  /** Working directory of the runtime (the first workspace folder). */
  cwd: string | undefined;
  log: vscode.OutputChannel;
  /** Attach notification handlers to each new connection (called before `listen`). */
  onConnection: (connection: MessageConnection) => void;
  /** The process died unexpectedly; `reason` says how. */
  onCrash: (reason: string) => void;
}

/** Backoff before restart n (1-based): 1 s, 2 s, 4 s, … capped at 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
/** Crashes within this window count toward giving up; a runtime up longer than it resets the count. */
const CRASH_WINDOW_MS = 3 * 60_000;
const MAX_CRASHES_IN_WINDOW = 5;

export class RuntimeClient implements vscode.Disposable {
  private child: ChildProcess | null = null;
  private connection: MessageConnection | null = null;
  private starting: Promise<MessageConnection> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private crashes: number[] = [];
  private disposed = false;
  private _health: RuntimeHealth = { kind: "stopped" };
  private readonly healthEmitter = new vscode.EventEmitter<RuntimeHealth>();
  readonly onDidChangeHealth = this.healthEmitter.event;

  constructor(private readonly options: RuntimeClientOptions) {}

  get health(): RuntimeHealth {
    return this._health;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private setHealth(h: RuntimeHealth): void {
    this._health = h;
    this.healthEmitter.fire(h);
  }

  /** The connection, starting the runtime if it is not running (lazy: nothing is forked at activation). */
  async ensureStarted(): Promise<MessageConnection> {
    if (this.disposed) throw new Error("RL Studio is shutting down");
    if (this.connection) return this.connection;
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<MessageConnection> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.setHealth({ kind: "starting" });
    const nodePath = runtimeNodePath();
    const execPath = nodePath || process.execPath;
    const log = this.options.log;
    log.appendLine(`[client] starting runtime: ${execPath} ${this.options.modulePath}`);
    const child = fork(this.options.modulePath, [], {
      execPath,
      cwd: this.options.cwd,
      // The editor's binary is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node. Harmless for a real node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => log.append(d.toString()));
    child.stderr?.on("data", (d: Buffer) => log.append(d.toString()));
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const startedAt = Date.now();
    let spawnError: Error | null = null;
    child.on("error", (err) => {
      spawnError = err;
      log.appendLine(`[client] runtime process error: ${err.message}`);
    });
    child.on("exit", (code, signal) => {
      connection.dispose();
      if (this.child !== child) return;
      this.child = null;
      this.connection = null;
      if (this.disposed || this._health.kind === "stopped") return;
      const reason = spawnError
        ? `could not start ${execPath}: ${(spawnError as Error).message}`
        : signal
          ? `the runtime process was killed (${signal})`
          : `the runtime process exited with code ${code}`;
      this.handleCrash(reason, Date.now() - startedAt);
    });
    this.options.onConnection(connection);
    connection.listen();
    try {
      const hello = await withTimeout(connection.sendRequest(HelloRequest.type), 20_000, "the runtime did not answer runtime/hello within 20 s");
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new Error(`runtime speaks protocol ${hello.protocolVersion}, the extension ${PROTOCOL_VERSION}: rebuild (npm run build)`);
      }
      log.appendLine(`[client] runtime ready: pid ${hello.pid}, node ${hello.nodeVersion}`);
      this.connection = connection;
      this.setHealth({ kind: "ready", pid: hello.pid, nodeVersion: hello.nodeVersion });
      return connection;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.appendLine(`[client] ${message}`);
      if (this.child === child) {
        this.child = null;
        child.kill();
      }
      this.setHealth({ kind: "crashed", reason: message, restartInMs: null });
      throw new Error(`RL Studio runtime failed to start: ${message}`);
    }
  }

  private handleCrash(reason: string, uptimeMs: number): void {
    const now = Date.now();
    if (uptimeMs > CRASH_WINDOW_MS) this.crashes = [];
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const giveUp = this.crashes.length > MAX_CRASHES_IN_WINDOW;
    const delay = giveUp ? null : restartDelayMs(this.crashes.length);
    this.options.log.appendLine(`[client] ${reason}; ${delay === null ? `${this.crashes.length} crashes in 3 minutes, not restarting` : `restarting in ${delay} ms`}`);
    this.setHealth({ kind: "crashed", reason, restartInMs: delay });
    this.options.onCrash(reason);
    if (delay !== null) {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.ensureStarted().catch(() => {
          /* health already says why */
        });
      }, delay);
    }
  }

  /** Restart now (user asked): resets the crash count. */
  async restart(): Promise<void> {
    this.crashes = [];
    await this.stop();
    await this.ensureStarted();
  }

  /** Ask the runtime to stop its runs (they checkpoint) and exit; kill it if it does not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    const connection = this.connection;
    this.setHealth({ kind: "stopped" });
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      if (connection) await withTimeout(connection.sendRequest(ShutdownRequest.type), graceMs, "shutdown timed out");
      await withTimeout(exited, graceMs, "exit timed out");
    } catch {
      child.kill("SIGKILL");
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop(3000);
    this.healthEmitter.dispose();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
