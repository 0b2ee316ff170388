/**
 * Starts and supervises the runtime process (dist/runtime.js). The runtime never runs inside the
 * extension host, so a crash or a hung reward cannot take the editor down: it is forked with the
 * editor's own Node (`process.execPath` with ELECTRON_RUN_AS_NODE=1) unless `rlStudio.runtime.nodePath`
 * names another, and spoken to with vscode-jsonrpc over the child's IPC channel.
 *
 * It is the one owner of the connection: features subscribe to the runtime's notifications here
 * (`onNotification`, kept across restarts: one dispatcher per connection, attached before it
 * listens) and get to configure each new connection before anyone else may use it (`onDidConnect`).
 *
 * Health is a visible state (rust-analyzer's client does the same): starting → ready; an
 * unexpected exit → crashed, a notification with "Show Log", the runs it was training reported to
 * the owner (who marks them failed), and a restart after an exponential backoff.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection, type NotificationType } from "vscode-jsonrpc/node";
import { HelloRequest, PROTOCOL_VERSION, ShutdownRequest } from "../../protocol/src/runtime.js";
import { runtimeNodePath } from "./config.js";
import { decideRestart, DEFAULT_CRASH_POLICY, type CrashPolicy, type RuntimeHealth } from "./runtime-health.js";

/** How long a new runtime process may take to answer runtime/hello. */
const HELLO_TIMEOUT_MS = 60_000;

export interface RuntimeClientOptions {
  /** Absolute path of dist/runtime.js. */
  modulePath: string;
  /** Working directory of the runtime (the first workspace folder). */
  cwd: string | undefined;
  log: vscode.OutputChannel;
  /**
   * The process died unexpectedly; `reason` says how, `restartInMs` when it restarts (null: it gave
   * up), `crashes` how many crashes the current window counts.
   */
  onCrash: (reason: string, restartInMs: number | null, crashes: number) => void;
  /** Backoff and give-up rule (default: `DEFAULT_CRASH_POLICY`). */
  crashPolicy?: CrashPolicy;
}

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
  /** Notification handlers by method; every connection dispatches to them. */
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();
  private readonly connectListeners = new Set<(connection: MessageConnection) => Promise<void> | void>();

  constructor(private readonly options: RuntimeClientOptions) {}

  /** Handle a runtime → extension notification on this and every later connection (a restarted runtime too). */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    let set = this.handlers.get(type.method);
    if (!set) this.handlers.set(type.method, (set = new Set()));
    const h = handler as (params: unknown) => void;
    set.add(h);
    return new vscode.Disposable(() => set.delete(h));
  }

  /**
   * Run `listener` on each new connection once the runtime answered hello, before `ensureStarted`
   * hands the connection to anyone (e.g. send settings first); also now, on a connection already up.
   */
  onDidConnect(listener: (connection: MessageConnection) => Promise<void> | void): vscode.Disposable {
    this.connectListeners.add(listener);
    if (this.connection) void Promise.resolve(listener(this.connection)).catch((err: unknown) => this.options.log.appendLine(`[client] configuring the runtime connection failed: ${String(err)}`));
    return new vscode.Disposable(() => this.connectListeners.delete(listener));
  }

  private dispatch(method: string, params: unknown): void {
    const set = this.handlers.get(method);
    if (!set || set.size === 0) {
      this.options.log.appendLine(`[client] runtime notification ${method} has no handler`);
      return;
    }
    for (const h of set) {
      try {
        h(params);
      } catch (err) {
        this.options.log.appendLine(`[client] handling ${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  }

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
    connection.onNotification((method: string, params: unknown) => this.dispatch(method, params));
    connection.listen();
    try {
      // Generous: on a loaded machine (load average 25 on 2 cores, e2e runs of this repository) a cold
      // start of the runtime took over 20 s; one that answers nothing for a minute is wedged.
      const hello = await withTimeout(connection.sendRequest(HelloRequest.type), HELLO_TIMEOUT_MS, `the runtime did not answer runtime/hello within ${HELLO_TIMEOUT_MS / 1000} s`);
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new Error(`runtime speaks protocol ${hello.protocolVersion}, the extension ${PROTOCOL_VERSION}: rebuild (npm run build)`);
      }
      log.appendLine(`[client] runtime ready: pid ${hello.pid}, node ${hello.nodeVersion}`);
      for (const listener of this.connectListeners) await listener(connection);
      this.connection = connection;
      this.setHealth({ kind: "ready", pid: hello.pid, nodeVersion: hello.nodeVersion });
      return connection;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.appendLine(`[client] ${message}`);
      if (this.child === child) {
        // It is alive but unusable (no hello, wrong protocol): stop it; no automatic restart would help.
        this.child = null;
        child.kill();
        this.setHealth({ kind: "crashed", reason: `the runtime failed to start: ${message}`, restartInMs: null });
      }
      // Otherwise it exited while starting: the exit handler already counted the crash and set the
      // health (with its restart backoff, or given up), which must not be overwritten here.
      throw new Error(`RL Studio runtime failed to start: ${message}`);
    }
  }

  private handleCrash(reason: string, uptimeMs: number): void {
    const policy = this.options.crashPolicy ?? DEFAULT_CRASH_POLICY;
    const { crashes, restartInMs: delay } = decideRestart(this.crashes, Date.now(), uptimeMs, policy);
    this.crashes = crashes;
    this.options.log.appendLine(
      `[client] ${reason}; ${delay === null ? `${crashes.length} crashes within ${policy.windowMs / 1000} s, not restarting (Restart Runtime starts it again)` : `restarting in ${delay} ms`}`,
    );
    this.setHealth({ kind: "crashed", reason, restartInMs: delay, crashes: crashes.length });
    this.options.onCrash(reason, delay, crashes.length);
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
