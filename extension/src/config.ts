/** `rlStudio.*` settings, read in one place (their docs live in package.json `contributes.configuration`). */
import * as path from "node:path";
import * as vscode from "vscode";
import type { BackendName } from "../../protocol/src/runtime.js";
import { userCodeTimeoutMs, type RunSettings } from "./run-requests.js";

export const SECTION = "rlStudio";

export function runtimeNodePath(): string {
  return vscode.workspace.getConfiguration(SECTION).get<string>("runtime.nodePath", "").trim();
}

export function backend(): BackendName | "auto" {
  return vscode.workspace.getConfiguration(SECTION).get<BackendName | "auto">("backend", "auto");
}

/** `rlStudio.llm.model` when it names a local file (a TWOSOME experiment's default model), else undefined. */
export function localLlmModel(): string | undefined {
  const model = vscode.workspace.getConfiguration(SECTION).get<string>("llm.model", "").trim();
  return model !== "" && !model.startsWith("hf:") ? model : undefined;
}

/** The settings a Train or Resume request carries, for the file or run folder `scope` (throws on a malformed value, naming it). */
export function runSettings(scope?: vscode.Uri): RunSettings {
  const raw = vscode.workspace.getConfiguration(SECTION, scope).get<unknown>("training.userCodeTimeoutMs");
  return { backend: backend(), userCodeTimeoutMs: userCodeTimeoutMs(raw) };
}

/** `rlStudio.experience.maxMegabytes` for the file's workspace folder. */
export function experienceMaxMegabytes(file: vscode.Uri): number {
  return vscode.workspace.getConfiguration(SECTION, file).get<number>("experience.maxMegabytes", 256);
}

export async function setBackend(value: BackendName | "auto"): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update("backend", value, vscode.ConfigurationTarget.Workspace);
}

/** The folder holding run folders for a workspace folder (`rlStudio.runsFolder`, relative to it unless absolute). */
export function runsRootFor(folder: vscode.WorkspaceFolder): string {
  const setting = vscode.workspace.getConfiguration(SECTION, folder.uri).get<string>("runsFolder", ".rl-studio/runs").trim() || ".rl-studio/runs";
  return path.isAbsolute(setting) ? setting : path.join(folder.uri.fsPath, setting);
}

/** Runs root for an experiment file: its workspace folder's, or `<file's folder>/.rl-studio/runs` outside any workspace. */
export function runsRootForFile(file: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(file);
  return folder ? runsRootFor(folder) : path.join(path.dirname(file.fsPath), ".rl-studio", "runs");
}

export function allRunsRoots(): string[] {
  return [...new Set((vscode.workspace.workspaceFolders ?? []).map(runsRootFor))];
}
