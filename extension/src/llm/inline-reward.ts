/**
 * Ghost-text reward suggestions in `*.rl.ts` files. Asked for only when the cursor is in the
 * experiment's `reward` property (or on an empty `reward:` line), only when the model is already
 * loaded (ghost text never starts a download or a load), after the typing pauses, and at most once
 * per document version; VS Code's token cancels the request ($/cancelRequest) when typing goes on.
 * The runtime compiles the editor's text, unsaved edits included, without the reward being written.
 */
import * as vscode from "vscode";
import { SuggestRewardRequest } from "../../../protocol/src/reward-design.js";
import { errorText, isCancellation, type LlmFeature } from "./llm-feature.js";
import { ghostInsertText, ghostSourceText, ghostTarget, suggestRewardParams } from "./reward-text.js";

/** Pause in typing before a suggestion is asked for. */
const DEBOUNCE_MS = 600;

export class InlineRewardProvider implements vscode.InlineCompletionItemProvider {
  /** The suggestion for a document version (null: asked, nothing valid came back). */
  private readonly cache = new Map<string, { version: number; code: string | null }>();

  constructor(private readonly feature: LlmFeature) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (document.uri.scheme !== "file" || !document.uri.fsPath.endsWith(".rl.ts")) return undefined;
    // Suggesting runs the experiment's environment; a model not loaded yet is loaded by Suggest Reward, not by typing.
    if (!vscode.workspace.isTrusted || this.feature.state?.state !== "ready") return undefined;
    const text = document.getText();
    const target = ghostTarget(text, document.offsetAt(position));
    if (!target) return undefined;
    const key = document.uri.toString();
    let cached = this.cache.get(key);
    if (cached?.version !== document.version) {
      if (!(await pause(DEBOUNCE_MS, token))) return undefined;
      try {
        const c = await this.feature.connection();
        // The buffer as typed (not the file on disk: ghost text is asked for before the user saves), less the half-typed reward.
        const params = suggestRewardParams({ fsPath: document.uri.fsPath, text: ghostSourceText(text, target), isDirty: true }, 1);
        const result = await c.sendRequest(SuggestRewardRequest.type, params, token);
        cached = { version: document.version, code: result.candidates[0]?.code ?? null };
        this.cache.set(key, cached);
      } catch (err) {
        if (!isCancellation(err, token)) this.feature.ctx.log.appendLine(`[llm] ghost-text suggestion for ${document.uri.fsPath}: ${errorText(err)}`);
        return undefined;
      }
    }
    if (!cached.code || token.isCancellationRequested) return undefined;
    const insertText = ghostInsertText(text, target, cached.code);
    const item = new vscode.InlineCompletionItem(insertText, new vscode.Range(document.positionAt(target.range.start), document.positionAt(target.range.end)));
    // Shown only if the replaced text is a prefix of the filter text: an existing one-line reward is replaced, not extended.
    if (!insertText.startsWith(target.replaced)) item.filterText = target.replaced + insertText;
    return [item];
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }
}

/** Wait `ms`; false when the token was cancelled meanwhile. */
function pause(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) return resolve(false);
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(true);
    }, ms);
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
  });
}
