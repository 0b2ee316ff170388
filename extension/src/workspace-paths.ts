/**
 * May an editor action (Apply of a reward) write this file? Only a `file:` URI inside one of the
 * open workspace folders (`writeTargetError` in `paths.ts`: as written and with links resolved).
 */
import * as vscode from "vscode";
import { writeTargetError } from "./paths.js";

/** Why an editor action must not write `file`, or null when it may. */
export function workspaceWriteError(file: vscode.Uri): string | null {
  if (file.scheme !== "file") return `${file.toString()} is not a file on this machine, and RL Studio edits only files inside the workspace`;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  return writeTargetError(file.fsPath, folders);
}
