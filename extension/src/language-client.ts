/**
 * Starts the language server (dist/language-server.js) for `*.rl.ts` files the first time one is
 * opened — not at activation — with vscode-languageclient over IPC. The client module is loaded
 * lazily too, so activation stays cheap.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { runsRootFor } from "./config.js";
import { OPEN_EXPLANATION_COMMAND, type RunsFolderSettings } from "../../protocol/src/language-server.js";

export const RL_TS_SELECTOR = [{ scheme: "file", pattern: "**/*.rl.ts" }];

/**
 * The `rlStudio.runsFolder` setting for the server's hovers: each workspace folder with its runs
 * root resolved the way the run tree resolves it (the setting is resource-scoped). Sent as
 * initializationOptions and, on change, as `workspace/didChangeConfiguration` `settings.rlStudio`.
 */
export function runsFolderSettings(): RunsFolderSettings {
  return { runsRoots: (vscode.workspace.workspaceFolders ?? []).map((folder) => ({ folder: folder.uri.fsPath, runsRoot: runsRootFor(folder) })) };
}

function isExperiment(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === "file" && doc.uri.fsPath.endsWith(".rl.ts");
}

export class LanguageClientOwner implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private starting: Promise<void> | null = null;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.OutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isExperiment(doc)) void this.ensureStarted();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("rlStudio.runsFolder")) this.sendRunsFolder();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.sendRunsFolder()),
    ];
    if (vscode.workspace.textDocuments.some(isExperiment)) void this.ensureStarted();
  }

  ensureStarted(): Promise<void> {
    this.starting ??= this.start().catch((err: unknown) => {
      this.starting = null;
      this.log.appendLine(`[client] language server failed to start: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    void this.configureTypeScriptPlugin();
    const serverModule = vscode.Uri.joinPath(this.extension.extensionUri, "dist", "language-server.js").fsPath;
    const { LanguageClient, TransportKind } = await import("vscode-languageclient/node.js");
    const run = { module: serverModule, transport: TransportKind.ipc };
    const client = new LanguageClient(
      "rlStudio.languageServer",
      "RL Studio Language Server",
      { run, debug: { ...run, options: { execArgv: ["--nolazy", "--inspect=6019"] } } },
      {
        documentSelector: RL_TS_SELECTOR,
        outputChannelName: "RL Studio Language Server",
        // The hovers' "Open explanation" link is a command link: trusted for that one command only.
        markdown: { isTrusted: { enabledCommands: [OPEN_EXPLANATION_COMMAND] } },
        // Where the hovers find run folders (rlStudio.runsFolder); changes follow in sendRunsFolder.
        initializationOptions: runsFolderSettings(),
      },
    );
    this.client = client;
    await client.start();
    // A change made while the server was starting would otherwise be lost.
    this.sendRunsFolder();
  }

  /** Tell a running server that `rlStudio.runsFolder` (or the set of workspace folders) changed. */
  private sendRunsFolder(): void {
    const client = this.client;
    if (!client?.isRunning()) return;
    void client
      .sendNotification("workspace/didChangeConfiguration", { settings: { rlStudio: runsFolderSettings() } })
      .catch((err: unknown) => this.log.appendLine(`[client] could not send rlStudio.runsFolder: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * Points the TypeScript server plugin (contributes.typescriptServerPlugins) at this extension's
   * declaration of the `rl-studio` module, so experiment files type-check with no npm install. The
   * plugin also finds it on its own; this makes the path explicit whatever way the plugin was installed.
   */
  private async configureTypeScriptPlugin(): Promise<void> {
    try {
      const tsExtension = vscode.extensions.getExtension<{ getAPI?(version: 0): { configurePlugin(id: string, config: unknown): void } | undefined }>(
        "vscode.typescript-language-features",
      );
      const api = (await tsExtension?.activate())?.getAPI?.(0);
      api?.configurePlugin("rl-studio-ts-plugin", {
        declarationPath: vscode.Uri.joinPath(this.extension.extensionUri, "dist", "rl-studio.d.ts").fsPath,
      });
    } catch (err) {
      this.log.appendLine(`[client] could not configure the TypeScript plugin: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    void this.client?.stop();
  }
}
