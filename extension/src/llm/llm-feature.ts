/**
 * The editor side of the local LLM (README, "Local LLM"; the model itself lives in the runtime,
 * never in the extension host): `rlStudio.llm.*` settings sent to each runtime connection, the
 * model state in a status bar item, "Download Model" with progress and cancel, and what every LLM
 * feature says when there is no model. The reward features (suggest, ghost text, evolve) are in
 * the sibling files and registered from `registerLlm`.
 *
 * LLM-written code never runs here: the extension only shows it and inserts it as text.
 */
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { showErrorMessage, showInformationMessage, showWarningMessage } from "../notify.js";
import type { MessageConnection } from "vscode-jsonrpc/node";
import {
  EvolveRewardProgressNotification,
  LlmConfigureNotification,
  LlmDownloadRequest,
  LlmStateNotification,
  type EvolveRewardProgress,
  type LlmModelState,
  type LlmSettings,
} from "../../../protocol/src/reward-design.js";
import { RECOMMENDED_MODEL_URI } from "../../../protocol/src/reward-design.js";
import type { Ctx } from "../ctx.js";
import { DOWNLOAD_MODEL_COMMAND, downloadPercent, isNoModelError, llmStatusView, runtimeMessage } from "./reward-text.js";
import { isCancellation, withCancellableProgress } from "../cancellable-progress.js";

export { RECOMMENDED_MODEL_URI };
const SECTION = "rlStudio.llm";
const URI = /^(hf:|https?:\/\/)/i;

export function errorText(err: unknown): string {
  return runtimeMessage(err instanceof Error ? err.message : String(err));
}

export { isCancellation };

/** `rlStudio.llm.*` as the runtime wants it: a relative or `~` path made absolute against the workspace. */
export function llmSettings(): LlmSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  let model = cfg.get<string>("model", "").trim();
  if (model && !URI.test(model)) {
    if (model === "~" || model.startsWith("~/")) model = path.join(os.homedir(), model.slice(1));
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!path.isAbsolute(model) && folder) model = path.join(folder, model);
  }
  return { model, gpu: cfg.get<"auto" | "off">("gpu", "auto") === "off" ? "off" : "auto" };
}

export class LlmFeature implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("rlStudio.llm", vscode.StatusBarAlignment.Left, 8);
  private readonly evolveListeners = new Set<(p: EvolveRewardProgress) => void>();
  private readonly stateEmitter = new vscode.EventEmitter<LlmModelState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private _state: LlmModelState | null = null;
  /** The settings last sent, so that our own write of a downloaded path does not unload the model it just loaded. */
  private sent: LlmSettings | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: Ctx) {
    this.item.name = "RL Studio LLM";
    this.disposables.push(
      this.item,
      this.stateEmitter,
      ctx.runtime.onNotification(LlmStateNotification.type, (s) => this.setState(s)),
      ctx.runtime.onNotification(EvolveRewardProgressNotification.type, (p) => {
        for (const l of this.evolveListeners) l(p);
      }),
      // Each new runtime process gets the LLM settings before anything may ask it for the LLM.
      ctx.runtime.onDidConnect((c) => this.configureConnection(c)),
      ctx.runtime.onDidChangeHealth((h) => {
        if (h.kind === "crashed" || h.kind === "stopped") {
          this.sent = null;
          if (this._state) this.setState({ state: "no-model", message: "no model: set rlStudio.llm.model to a .gguf path or run Download Model" });
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) void this.configure();
      }),
    );
  }

  get state(): LlmModelState | null {
    return this._state;
  }

  private setState(s: LlmModelState): void {
    this._state = s;
    const view = llmStatusView(s, llmSettings().model);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command ? { title: "RL Studio LLM", command: view.command.id, ...(view.command.args ? { arguments: view.command.args } : {}) } : undefined;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.item.show();
    this.stateEmitter.fire(s);
  }

  /** A new runtime connection: send it the LLM settings (before `ensureStarted` hands it out). */
  private async configureConnection(c: MessageConnection): Promise<void> {
    this.sent = llmSettings();
    await c.sendNotification(LlmConfigureNotification.type, this.sent);
    if (!this._state) this.setState({ state: "no-model", message: "no model: set rlStudio.llm.model to a .gguf path or run Download Model" });
  }

  /** The runtime connection (started if needed), configured with the LLM settings: every LLM request goes through here. */
  connection(): Promise<MessageConnection> {
    return this.ctx.runtime.ensureStarted();
  }

  /** Settings changed: tell a running runtime (a stopped one gets them when it starts). */
  private async configure(): Promise<void> {
    const settings = llmSettings();
    if (this.ctx.runtime.health.kind !== "ready") return;
    const c = await this.ctx.runtime.ensureStarted();
    if (this.sent && this.sent.model === settings.model && this.sent.gpu === settings.gpu) return;
    this.sent = settings;
    await c.sendNotification(LlmConfigureNotification.type, settings);
  }

  /** Subscribe to `reward/evolveProgress` (one evolution at a time runs per runtime). */
  onEvolveProgress(listener: (p: EvolveRewardProgress) => void): vscode.Disposable {
    this.evolveListeners.add(listener);
    return new vscode.Disposable(() => this.evolveListeners.delete(listener));
  }

  /**
   * A request failed: say why, clearly. No model → the runtime's message with "Download Model" and
   * "Open Settings"; a model that failed to load → its reason with "Open Settings".
   */
  async reportLlmError(what: string, err: unknown): Promise<void> {
    const message = errorText(err);
    this.ctx.log.appendLine(`[llm] ${what}: ${message}`);
    const noModel = isNoModelError(message);
    const pick = await (noModel ? showWarningMessage : showErrorMessage)(
      noModel ? `RL Studio: ${message}.` : `RL Studio: ${what} failed: ${message}`,
      "Download Model",
      "Open Settings",
    );
    if (pick === "Download Model") await vscode.commands.executeCommand(DOWNLOAD_MODEL_COMMAND);
    else if (pick === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", SECTION);
  }

  /**
   * "RL Studio: Download Model": the configured hf:/https: URI, or the recommended model, with a
   * cancellable progress notification; on success `rlStudio.llm.model` becomes the downloaded file.
   */
  async download(): Promise<string | undefined> {
    const configured = vscode.workspace.getConfiguration(SECTION).get<string>("model", "").trim();
    let uri = URI.test(configured) ? configured : RECOMMENDED_MODEL_URI;
    if (configured && !URI.test(configured)) {
      const pick = await showWarningMessage(
        `rlStudio.llm.model is set to ${configured}. Download the recommended model (${RECOMMENDED_MODEL_URI}, about 1 GB) and use it instead?`,
        { modal: true },
        "Download",
      );
      if (pick !== "Download") return undefined;
      uri = RECOMMENDED_MODEL_URI;
    }
    const name = uri.split("/").pop() ?? uri;
    let file: string | undefined;
    try {
      file = await withCancellableProgress(`RL Studio: downloading ${name}`, async (progress, token) => {
        let reported = 0;
        const sub = this.onDidChangeState((s) => {
          if (s.state === "downloading") {
            const percent = downloadPercent(s.downloadedBytes, s.totalBytes);
            if (percent === null) {
              progress.report({ message: `${(s.downloadedBytes / 1e6).toFixed(0)} MB` });
            } else {
              progress.report({ increment: Math.max(0, percent - reported), message: `${percent}% of ${(s.totalBytes / 1e6).toFixed(0)} MB` });
              reported = Math.max(reported, percent);
            }
          } else if (s.state === "loading") progress.report({ message: "loading the model…" });
        });
        try {
          const c = await this.connection();
          // The token sends $/cancelRequest: the runtime stops the transfer and deletes the partial file.
          const { path: downloaded } = await c.sendRequest(LlmDownloadRequest.type, { uri }, token);
          return downloaded;
        } finally {
          sub.dispose();
        }
      });
    } catch (err) {
      this.ctx.log.appendLine(`[llm] download of ${uri} failed: ${errorText(err)}`);
      void showErrorMessage(`RL Studio: ${errorText(err)}`, "Show Log").then((pick) => {
        if (pick) this.ctx.log.show(true);
      });
      return undefined;
    }
    if (file === undefined) {
      void showInformationMessage(`RL Studio: download of ${name} cancelled.`);
      return undefined;
    }
    await this.useModel(file);
    void showInformationMessage(`RL Studio: downloaded ${file}; rlStudio.llm.model now points to it.`);
    return file;
  }

  /** Set `rlStudio.llm.model` to a downloaded file where it is defined (the workspace's value if it has one, else the user's). */
  private async useModel(file: string): Promise<void> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const inspected = cfg.inspect<string>("model");
    const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    // The runtime already has this model loaded (from its URI): no need to unload it for the same file.
    this.sent = { model: file, gpu: llmSettings().gpu };
    await cfg.update("model", file, target);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.evolveListeners.clear();
  }
}
