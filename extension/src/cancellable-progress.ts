/**
 * A long runtime request under a cancellable progress notification: the notification's Cancel
 * button cancels the token passed to the request (vscode-jsonrpc sends $/cancelRequest and the
 * runtime aborts its AbortSignal), and a cancelled request resolves to undefined instead of an error.
 */
import * as vscode from "vscode";

export type ProgressReporter = vscode.Progress<{ message?: string; increment?: number }>;

/** True when `err` is the rejection of a request cancelled through `token` or aborted by the runtime. */
export function isCancellation(err: unknown, token?: vscode.CancellationToken): boolean {
  if (token?.isCancellationRequested) return true;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  // vscode-jsonrpc's ErrorCodes.RequestCancelled / LSP's RequestCancelled.
  return code === -32800 || /\b(aborted|cancell?ed)\b/i.test(message);
}

export function withCancellableProgress<T>(
  title: string,
  task: (progress: ProgressReporter, token: vscode.CancellationToken) => Promise<T>,
): Thenable<T | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    try {
      return await task(progress, token);
    } catch (err) {
      if (isCancellation(err, token)) return undefined;
      throw err;
    }
  });
}
