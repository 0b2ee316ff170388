/**
 * `rlStudio.evalPrior` ("Zero-shot Prior"): the untrained LLM policy of the open TWOSOME experiment,
 * measured by the runtime (`runtime/evalPrior`, the function behind `rl-studio eval <file> --prior`)
 * under a cancellable progress notification; the result goes to a notification and the output channel.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import { EvalPriorProgressNotification, EvalPriorRequest, type EvalPriorResult } from "../../protocol/src/runtime.js";
import { withCancellableProgress } from "./cancellable-progress.js";
import * as config from "./config.js";
import type { Ctx } from "./ctx.js";
import { showInformationMessage } from "./notify.js";
import { priorLogLines, priorNotification, priorProgress } from "./prior-text.js";

export async function evalPrior(ctx: Ctx, file: vscode.Uri): Promise<EvalPriorResult | undefined> {
  if (!ctx.checkTrusted("evalPrior")) return undefined;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  if (doc?.isDirty) await doc.save();
  const name = path.basename(file.fsPath);
  const model = config.localLlmModel();
  const requestId = randomUUID();
  const result = await withCancellableProgress(`Zero-shot prior of ${name}`, async (progress, token) => {
    const c = await ctx.runtime.ensureStarted();
    const subscription = ctx.runtime.onNotification(EvalPriorProgressNotification.type, (p) => {
      if (p.requestId === requestId) progress.report(priorProgress(p));
    });
    try {
      // The token makes vscode-jsonrpc send $/cancelRequest; the runtime aborts the evaluation's AbortSignal.
      return await c.sendRequest(
        EvalPriorRequest.type,
        { experimentPath: file.fsPath, requestId, backend: config.backend(), ...(model ? { defaultModel: model } : {}) },
        token,
      );
    } finally {
      subscription.dispose();
    }
  });
  if (!result) {
    ctx.log.appendLine(`[client] zero-shot prior of ${name} cancelled`);
    return undefined;
  }
  for (const line of priorLogLines(result)) ctx.log.appendLine(line);
  void showInformationMessage(priorNotification(result), "Show Log").then((pick) => {
    if (pick) ctx.log.show(true);
  });
  return result;
}
