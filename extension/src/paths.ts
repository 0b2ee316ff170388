/**
 * File paths compared as the file system compares them: resolved (so `..` cannot climb out
 * unnoticed), with the platform's own path rules (drive letters and `\` on Windows), and case-blind
 * where the file system is (Windows, macOS by default). No `vscode`: the extension's edge
 * (`workspace-paths.ts`) passes the workspace folders. Only `realPath` and `writeTargetError` read
 * the disk (links); the rest is pure.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Node's path functions with `platform`'s rules (tests pass Windows paths on any machine). */
export function pathRules(platform: NodeJS.Platform): path.PlatformPath {
  return platform === "win32" ? path.win32 : path.posix;
}

function comparable(p: string, platform: NodeJS.Platform): string {
  const r = pathRules(platform).resolve(p);
  return platform === "win32" || platform === "darwin" ? r.toLowerCase() : r;
}

/** Same file on disk? */
export function samePath(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  return comparable(a, platform) === comparable(b, platform);
}

/**
 * `file` lies inside `folder` (at any depth; not the folder itself). Decided on the relative path,
 * not on a string prefix, so `/ws-other/x` is not inside `/ws`; on Windows a file on another drive
 * gives an absolute relative path and is outside.
 */
export function isInsideFolder(file: string, folder: string, platform: NodeJS.Platform = process.platform): boolean {
  const rules = pathRules(platform);
  const rel = rules.relative(comparable(folder, platform), comparable(file, platform));
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${rules.sep}`) && !rules.isAbsolute(rel);
}

/**
 * Why an editor action must not write `file` (an absolute path), or null when it lies inside one of
 * `workspaceFolders` (absolute paths). The message names the file and the folders.
 */
export function outsideWorkspaceError(file: string, workspaceFolders: readonly string[], platform: NodeJS.Platform = process.platform): string | null {
  const shown = JSON.stringify(file);
  if (!pathRules(platform).isAbsolute(file)) return `${shown} is not an absolute path`;
  if (workspaceFolders.length === 0) return `${shown} cannot be edited: no workspace folder is open, and RL Studio edits only files inside the workspace`;
  if (workspaceFolders.some((folder) => isInsideFolder(file, folder, platform))) return null;
  return `${shown} is outside this workspace's folders (${workspaceFolders.map((f) => JSON.stringify(f)).join(", ")}), and RL Studio edits only files inside the workspace`;
}

/** `p` with its links resolved: the deepest existing ancestor's real path, then the rest as written (the file may not exist yet). */
export function realPath(p: string): string {
  const rest: string[] = [];
  let dir = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(dir), ...rest);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return p;
      rest.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

/**
 * `outsideWorkspaceError` for a file on this machine, decided where the write would land: the file
 * and the folders with their links resolved. A link inside the workspace that points out of it is
 * refused; a file reached through a link to the workspace (a folder opened as /tmp/x, really
 * /private/tmp/x) is not.
 */
export function writeTargetError(file: string, workspaceFolders: readonly string[]): string | null {
  if (!path.isAbsolute(file) || workspaceFolders.length === 0) return outsideWorkspaceError(file, workspaceFolders);
  const real = realPath(file);
  if (outsideWorkspaceError(real, workspaceFolders.map(realPath)) === null) return null;
  return (
    outsideWorkspaceError(file, workspaceFolders) ??
    `${JSON.stringify(file)} leads through a link to ${JSON.stringify(real)}, outside this workspace's folders (${workspaceFolders.map((f) => JSON.stringify(f)).join(", ")}), and RL Studio edits only files inside the workspace`
  );
}
