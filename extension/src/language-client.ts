/**
 * Starts the language server (dist/language-server.js) for `*.rl.ts` files the first time one is
 * opened — not at activation — with vscode-languageclient over IPC. The client module is loaded
 * lazily too, so activation stays cheap.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

export const RL_TS_SELECTOR = [{ scheme: "file", pattern: "**/*.rl.ts" }];

function isExperiment(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === "file" && doc.uri.fsPath.endsWith(".rl.ts");
}

export class LanguageClientOwner implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private starting: Promise<void> | null = null;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.OutputChannel,
  ) {
    this.subscription = vscode.workspace.onDidOpenTextDocument((doc) => {
      if (isExperiment(doc)) void this.ensureStarted();
    });
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
        markdown: { isTrusted: { enabledCommands: ["rlStudio.openExplanation"] } },
      },
    );
    this.client = client;
    await client.start();
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
    this.subscription.dispose();
    void this.client?.stop();
  }
}
