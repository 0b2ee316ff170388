/**
 * The editor's notifications, with messages kept as text. VS Code turns `[label](command:…)` in a
 * notification into a link, and our messages carry run ids, errors and file names from disk; every
 * notification goes through here so that none of them can become a link (common/src/markdown.ts).
 * The signatures are VS Code's own (modal options and item types included).
 */
import * as vscode from "vscode";
import { plainText } from "../../common/src/markdown.js";

type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

export const showErrorMessage = ((message: string, ...rest: unknown[]) =>
  (vscode.window.showErrorMessage as Show)(plainText(message), ...rest)) as typeof vscode.window.showErrorMessage;
export const showWarningMessage = ((message: string, ...rest: unknown[]) =>
  (vscode.window.showWarningMessage as Show)(plainText(message), ...rest)) as typeof vscode.window.showWarningMessage;
export const showInformationMessage = ((message: string, ...rest: unknown[]) =>
  (vscode.window.showInformationMessage as Show)(plainText(message), ...rest)) as typeof vscode.window.showInformationMessage;
