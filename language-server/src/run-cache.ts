/**
 * What the hovers read from run folders, read once per change: each file is stat'ed on every
 * request (one `readdir` of the runs root plus one `stat` per file involved) and read and parsed
 * only when its mtime, ctime, size or inode differ from the last read. Hovering again over an
 * unchanged workspace reads no file contents; a run that appends an episode re-reads only its
 * episodes.jsonl.
 *
 * The listing has the folders and order of `RunDir.list` (`runCreatedTime`, `newestRunFirst`).
 */
import { readFileSync, readdirSync, statSync, type Dirent } from "node:fs";
import { join, resolve } from "node:path";
import type { Explanation } from "../../protocol/src/explain.js";
import { EXPLANATION_FILE, parseExplanation } from "../../runtime/src/explain/read.js";
import { newestRunFirst, RUN_FILES, RunDir, runCreatedTime, type EpisodeRecord } from "../../runtime/src/runs/run-dir.js";

/** A run folder as listed: its parsed experiment.json (null when unreadable). */
export interface ListedRun {
  id: string;
  path: string;
  experiment: Record<string, unknown> | null;
}

interface Memo<T> {
  key: string;
  value: T;
}

/** Entries kept per kind before the cache starts over (bounds memory across many workspaces). */
const MAX_ENTRIES = 4096;

/** A file's identity for caching, or "missing". */
function fileKey(path: string): string {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return "missing";
  return `${s.isFile() ? "f" : "o"}:${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}`;
}

function isDirectoryEntry(runsRoot: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return statSync(join(runsRoot, entry.name), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export class RunFolderCache {
  /** Files read and parsed (cache misses), and lookups answered from the cache: for tests and the benchmark. */
  readonly stats = { reads: 0, hits: 0 };
  private readonly memos = new Map<string, Map<string, Memo<unknown>>>();

  /**
   * `read()` for `file`, or the value it gave last time when the file has not changed since.
   * `kind` separates values derived from the same file.
   */
  private memo<T>(kind: string, file: string, read: (present: boolean) => T): T {
    let byFile = this.memos.get(kind);
    if (!byFile) this.memos.set(kind, (byFile = new Map()));
    const key = fileKey(file);
    const cached = byFile.get(file);
    if (cached && cached.key === key) {
      this.stats.hits++;
      return cached.value as T;
    }
    this.stats.reads++;
    const value = read(key !== "missing");
    if (byFile.size >= MAX_ENTRIES) byFile.clear();
    byFile.set(file, { key, value });
    return value;
  }

  /** Every run folder directly under `runsRoot`, newest first, as `RunDir.list` orders them. */
  list(runsRoot: string): ListedRun[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(runsRoot, { withFileTypes: true });
    } catch {
      return [];
    }
    const runs: { run: ListedRun; id: string; created: number }[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const dir = resolve(runsRoot, entry.name);
      if (!isDirectoryEntry(runsRoot, entry)) continue;
      const file = join(dir, RUN_FILES.experiment);
      const parsed = this.memo("experiment", file, (present) => {
        if (!present) return null;
        let value: unknown = null;
        try {
          value = JSON.parse(readFileSync(file, "utf8"));
        } catch {
          // Unreadable: still listed (as RunDir.list does), but matches no experiment.
        }
        const experiment = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
        return { experiment, created: runCreatedTime(value, file) };
      });
      if (!parsed) continue;
      runs.push({ run: { id: entry.name, path: dir, experiment: parsed.experiment }, id: entry.name, created: parsed.created });
    }
    runs.sort(newestRunFirst);
    return runs.map((r) => r.run);
  }

  /**
   * `derive(episodes)` for the run's finished episodes (empty when it has none or they cannot be
   * read), recomputed only when episodes.jsonl changed.
   */
  episodes<T>(run: ListedRun, kind: string, derive: (episodes: EpisodeRecord[]) => T): T {
    return this.memo(`episodes:${kind}`, join(run.path, RUN_FILES.episodes), () => {
      let episodes: EpisodeRecord[] = [];
      try {
        episodes = RunDir.open(run.path).readEpisodes();
      } catch {
        episodes = [];
      }
      return derive(episodes);
    });
  }

  /** The run's saved explanation; null when it has none or it is damaged. */
  explanation(run: ListedRun): Explanation | null {
    const file = join(run.path, EXPLANATION_FILE);
    return this.memo("explanation", file, (present) => {
      if (!present) return null;
      try {
        return parseExplanation(readFileSync(file, "utf8"), file);
      } catch {
        return null;
      }
    });
  }

  /** The newest run under `runsRoot` of the experiment named `experimentName` with a readable explanation. */
  latestExplanation(runsRoot: string, experimentName: string): { runDir: string; runId: string; explanation: Explanation } | null {
    for (const run of this.list(runsRoot)) {
      if (run.experiment?.name !== experimentName) continue;
      const explanation = this.explanation(run);
      if (explanation) return { runDir: run.path, runId: run.id, explanation };
    }
    return null;
  }
}
