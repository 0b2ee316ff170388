/**
 * Run identifiers and the workspace a run belongs to.
 *
 * A run id reads `<experiment-name>-<YYYYMMDD-HHMMSS>-s<seed>` (local time), so a folder listing
 * sorts by experiment, then start time, and the seed is visible without opening the folder.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Folder name of RL Studio's per-workspace state, holding `runs/`. */
export const STATE_DIR = ".rl-studio";

/** Lowercase, `[a-z0-9._-]` only, no leading dot, at most 64 characters: safe as a folder name on every OS. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 64)
    .replace(/[-.]+$/g, "");
  return slug.length > 0 ? slug : "run";
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYYMMDD-HHMMSS` in local time. */
export function formatRunTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad2(date.getMonth() + 1)}${pad2(date.getDate())}-` +
    `${pad2(date.getHours())}${pad2(date.getMinutes())}${pad2(date.getSeconds())}`
  );
}

/** The base run id; `RunDir.create` appends `-2`, `-3`, … when a folder of that name exists. */
export function makeRunId(experimentName: string, seed: number, date: Date = new Date()): string {
  return `${slugify(experimentName)}-${formatRunTimestamp(date)}-s${seed}`;
}

/** The id with a uniqueness suffix: attempt 1 is the base id, attempt n ≥ 2 appends `-n`. */
export function withSuffix(baseId: string, attempt: number): string {
  return attempt <= 1 ? baseId : `${baseId}-${attempt}`;
}

/**
 * The workspace an experiment file belongs to: the nearest ancestor folder (starting with the
 * file's own) that holds `.rl-studio`, `package.json` or `.git`; otherwise the file's folder.
 */
export function findWorkspaceRoot(experimentPath: string): string {
  const start = dirname(resolve(experimentPath));
  for (let dir = start; ; ) {
    for (const marker of [STATE_DIR, "package.json", ".git"]) {
      if (existsSync(join(dir, marker))) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
}

/** `<workspace>/.rl-studio/runs` for the workspace of `experimentPath`. */
export function defaultRunsRoot(experimentPath: string): string {
  return join(findWorkspaceRoot(experimentPath), STATE_DIR, "runs");
}

/** True when `path` exists and is a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
