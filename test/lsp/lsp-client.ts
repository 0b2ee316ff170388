/**
 * A minimal LSP client for the protocol tests: starts the real language server as a child process
 * (`node --import tsx language-server/src/server.ts --stdio`, so no build is needed) and speaks
 * JSON-RPC to it through vscode-languageserver-protocol.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  MessageType,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type Position,
  type ProtocolConnection,
  type Range,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";
import { explainRun } from "../../runtime/src/explain/explain.js";
import { startRun } from "../../runtime/src/runs/start-run.js";

const REPO = resolve(__dirname, "../..");

interface Waiter {
  uri: string;
  version: number;
  resolve: (d: Diagnostic[]) => void;
}

export class LspTestClient {
  /** Messages the server logged at error level (a handler that threw). */
  readonly loggedErrors: string[] = [];
  /** Everything the server process wrote to stderr. */
  stderr = "";
  private readonly waiters: Waiter[] = [];
  private readonly latest = new Map<string, { version: number | undefined; diagnostics: Diagnostic[] }>();

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {}

  /** `initializationOptions`: what the extension sends in `initialize` (e.g. the runs folder setting). */
  static async start(options: { initializationOptions?: unknown } = {}): Promise<LspTestClient> {
    const child = spawn(process.execPath, ["--import", "tsx", "language-server/src/server.ts", "--stdio"], { cwd: REPO, stdio: "pipe" });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspTestClient(child, connection);
    child.stderr.on("data", (d: Buffer) => (client.stderr += d.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.latest.set(p.uri, { version: p.version, diagnostics: p.diagnostics });
      for (let i = client.waiters.length - 1; i >= 0; i--) {
        const w = client.waiters[i]!;
        if (w.uri === p.uri && w.version === p.version) {
          client.waiters.splice(i, 1);
          w.resolve(p.diagnostics);
        }
      }
    });
    connection.onNotification(LogMessageNotification.type, (p) => {
      if (p.type === MessageType.Error) client.loggedErrors.push(p.message);
    });
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      workspaceFolders: null,
      ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** True while the server process runs. */
  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  private diagnosticsFor(uri: string, version: number): Promise<Diagnostic[]> {
    const latest = this.latest.get(uri);
    if (latest && latest.version === version) return Promise.resolve(latest.diagnostics);
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  /** Open a document and wait for its diagnostics. */
  async open(uri: string, text: string, version = 1): Promise<Diagnostic[]> {
    const diagnostics = this.diagnosticsFor(uri, version);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version, text } });
    return diagnostics;
  }

  /** Send changes; with `wait`, resolve with the diagnostics published for this version. */
  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[], wait = true): Promise<Diagnostic[] | undefined> {
    const diagnostics = wait ? this.diagnosticsFor(uri, version) : undefined;
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return diagnostics;
  }

  /** `workspace/didChangeConfiguration`, as the extension sends it when a setting changes. */
  async changeConfiguration(settings: unknown): Promise<void> {
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings });
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r: CompletionItem[] | CompletionList | null = await this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    return r === null ? [] : Array.isArray(r) ? r : r.items;
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const r = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (r ?? []).filter((a): a is CodeAction => "title" in a && !("command" in a && typeof a.command === "string"));
  }

  async codeLenses(uri: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  }

  async dispose(): Promise<void> {
    try {
      if (this.alive) {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
      }
    } finally {
      this.connection.dispose();
      if (this.alive) this.process.kill();
    }
  }
}

/** The position of the `nth` occurrence of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): Position {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" (occurrence ${nth}) not in the test document`);
  }
  const offset = index + delta;
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

/** The text a range covers. */
export function textAt(text: string, range: Range): string {
  const lines = text.split("\n");
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(offset(range.start), offset(range.end));
}

/** The README's example experiment, the baseline every test edits. */
export const CARTPOLE_EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "cartpole-ppo",
  env: "CartPole-v1",
  task: "Balance the pole and keep the cart near the centre.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 100_000, numEnvs: 8, numSteps: 32, learningRate: 1e-3 },
  seed: 1,
  reward: ({ obs, action, nextObs, envReward, terminated }) => ({
    alive: envReward,
    upright: 1 - Math.abs(nextObs.theta) / 0.2095,
  }),
});
`;

/** CARTPOLE_EXPERIMENT cut to a 2,048-step run, for the hover tests that need a trained run. */
export const SMALL_CARTPOLE_EXPERIMENT = CARTPOLE_EXPERIMENT.replace(
  /hyperparameters: \{[^}]*\}/,
  "hyperparameters: { totalTimesteps: 2048, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [16] }",
);

/**
 * A temporary workspace (`prefix`) with SMALL_CARTPOLE_EXPERIMENT as cartpole.rl.ts, trained to
 * completion (into `runsRoot(workspace)` when given, else the workspace's default runs folder) and
 * explained over 2 episodes. The caller removes `workspace`.
 */
export async function explainedWorkspace(prefix: string, runsRoot?: (workspace: string) => string): Promise<{ workspace: string; runId: string }> {
  const workspace = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(workspace, "package.json"), "{}");
  const file = join(workspace, "cartpole.rl.ts");
  writeFileSync(file, SMALL_CARTPOLE_EXPERIMENT);
  const { runDir, done } = await startRun({ experimentPath: file, ...(runsRoot ? { runsRoot: runsRoot(workspace) } : {}) });
  assert.equal((await done).status, "completed");
  await explainRun(runDir.path, { episodes: 2 });
  return { workspace, runId: runDir.id };
}
