/**
 * Where the hovers look for run folders: the `rlStudio.runsFolder` setting, as the client sends it
 * in `initializationOptions` and in `workspace/didChangeConfiguration` (`settings.rlStudio`).
 *
 * The extension sends `runsRoots`, each workspace folder with its runs root already resolved (the
 * setting is resource-scoped, and the extension's run tree resolves it the same way); another
 * client may send the setting itself, `runsFolder`, relative to the file's workspace unless
 * absolute. With neither, runs are in `<workspace>/.rl-studio/runs`, where the CLI writes them.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { defaultRunsRoot, findWorkspaceRoot } from "../../runtime/src/runs/run-id.js";

export type { RunsFolderSettings } from "../../protocol/src/language-server.js";

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);

function contains(folder: string, file: string): boolean {
  const rel = relative(folder, file);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export class RunsRoots {
  private folders: { folder: string; runsRoot: string }[] = [];
  private runsFolder: string | null = null;

  /**
   * Take settings from initializationOptions or didChangeConfiguration: `{ runsRoots, runsFolder }`
   * or the same under `rlStudio`. Anything malformed is ignored; settings without an `rlStudio`
   * part (another extension's section) leave the current ones as they are.
   */
  update(settings: unknown): void {
    if (!isRecord(settings)) return;
    const s = isRecord(settings.rlStudio) ? settings.rlStudio : "runsRoots" in settings || "runsFolder" in settings ? settings : null;
    if (!s) return;
    this.folders = Array.isArray(s.runsRoots)
      ? s.runsRoots
          .filter((r): r is { folder: string; runsRoot: string } => isRecord(r) && typeof r.folder === "string" && typeof r.runsRoot === "string" && r.runsRoot.trim() !== "")
          .map((r) => ({ folder: resolve(r.folder), runsRoot: resolve(r.folder, r.runsRoot) }))
          // Nested workspace folders: the innermost one wins.
          .sort((a, b) => b.folder.length - a.folder.length)
      : [];
    this.runsFolder = typeof s.runsFolder === "string" && s.runsFolder.trim() !== "" ? s.runsFolder.trim() : null;
  }

  /** The runs root for the experiment file at `experimentPath`. */
  rootFor(experimentPath: string): string {
    const file = resolve(experimentPath);
    const folder = this.folders.find((f) => contains(f.folder, file));
    if (folder) return folder.runsRoot;
    if (this.runsFolder !== null) return isAbsolute(this.runsFolder) ? this.runsFolder : join(findWorkspaceRoot(file), this.runsFolder);
    return defaultRunsRoot(file);
  }
}
