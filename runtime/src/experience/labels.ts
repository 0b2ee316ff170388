/**
 * "Infer" of Collect & Infer (Di Palo et al. 2023): when the sub-goals change, the lifelong store
 * is relabelled with the new predicates — for every stored episode, the steps at which it reached
 * each sub-goal, under the same ordered, once-per-episode semantics as training.
 *
 * Labels are computed lazily and cached per predicate set in `<env>/labels/<hash>.json`, one entry
 * per writer session (a finished session's segments never change; a session that grew, or that
 * the cap trimmed, is relabelled whole). The hash covers each predicate's source text and its
 * answers on fixed probe states, so editing a constant a predicate reads from outside its own
 * text changes the hash too, in all but contrived cases.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EnvSpec } from "../envs/types.js";
import { Rng } from "../rng.js";
import { writeFileAtomic } from "../runs/atomic.js";
import { PredicateRunner } from "../subgoals/predicates.js";
import { reachedSteps } from "../subgoals/semantics.js";
import type { ResolvedSubgoal } from "../subgoals/config.js";
import { forEachEpisode, type ReadOptions, type ScanReport } from "./reader.js";
import { sessionOfSegment } from "./paths.js";
import { listSegments } from "./writer.js";

/** What relabelling says of one stored episode. */
export interface EpisodeLabel {
  /** Episode step at which each reached sub-goal was reached, in order (length = sub-goals reached). */
  reached: number[];
  success: boolean;
  length: number;
  /** Sum of the env's own rewards. */
  envReturn: number;
}

export interface Relabelled {
  hash: string;
  labels: Map<string, EpisodeLabel>;
  /** Sessions whose labels came from the cache / were computed now. */
  cachedSessions: number;
  computedSessions: number;
  report: ScanReport;
}

/** Bump when the semantics of labels change, so old caches are not read. */
const LABEL_SEMANTICS = 1;
const PROBES = 64;

/** The hash of a predicate set: sources, names, fields, and answers on fixed probe states. */
export function predicatesHash(subgoals: readonly Pick<ResolvedSubgoal, "name" | "achieved">[], spec: EnvSpec): string {
  const fields = spec.observationFields.map((f) => f.name);
  const runner = new PredicateRunner(subgoals, fields, { envId: spec.id });
  const rng = new Rng(20230718);
  let answers = "";
  for (let p = 0; p < PROBES; p++) {
    runner.setState(
      spec.observationFields.map((f) => {
        const [lo, hi] = f.episodeRange ?? [Math.max(f.low, -10), Math.min(f.high, 10)];
        return lo + (hi - lo) * rng.random();
      }),
    );
    for (let k = 0; k < subgoals.length; k++) {
      try {
        answers += runner.holds(k) ? "1" : "0";
      } catch {
        answers += "E";
      }
    }
  }
  const h = createHash("sha256");
  h.update(JSON.stringify({ v: LABEL_SEMANTICS, env: spec.id, fields, subgoals: subgoals.map((s) => [s.name, String(s.achieved)]), answers }));
  return h.digest("hex").slice(0, 16);
}

interface CacheFile {
  hash: string;
  names: string[];
  sessions: Record<string, { segments: [string, number][]; episodes: Record<string, [number, number, number, ...number[]]> }>;
}

function readCache(path: string, hash: string): CacheFile | null {
  try {
    const c = JSON.parse(readFileSync(path, "utf8")) as CacheFile;
    return c.hash === hash && c.sessions && typeof c.sessions === "object" ? c : null;
  } catch {
    return null;
  }
}

/**
 * Labels of every complete stored episode for `subgoals`, from the cache where it is current.
 * Store problems go to `options.onProblem` and the report, as when reading; predicate errors throw.
 */
export function relabelStore(dir: string, subgoals: readonly ResolvedSubgoal[], spec: EnvSpec, options: ReadOptions = {}): Relabelled {
  const hash = predicatesHash(subgoals, spec);
  const cachePath = join(dir, "labels", `${hash}.json`);
  const cache = readCache(cachePath, hash);
  const bySession = new Map<string, [string, number][]>();
  for (const seg of listSegments(dir)) {
    const session = sessionOfSegment(seg.name);
    if (session === null) continue;
    const list = bySession.get(session) ?? [];
    list.push([seg.name, seg.size]);
    bySession.set(session, list);
  }
  const next: CacheFile = { hash, names: subgoals.map((s) => s.name), sessions: {} };
  const labels = new Map<string, EpisodeLabel>();
  let cachedSessions = 0;
  const stale = new Set<string>();
  for (const [session, segments] of bySession) {
    const cached = cache?.sessions[session];
    if (cached && JSON.stringify(cached.segments) === JSON.stringify(segments)) {
      next.sessions[session] = cached;
      cachedSessions++;
      for (const [key, [success, length, envReturn, ...reached]] of Object.entries(cached.episodes)) labels.set(key, { success: success === 1, length, envReturn, reached });
    } else {
      stale.add(session);
      next.sessions[session] = { segments, episodes: {} };
    }
  }
  const fields = spec.observationFields.map((f) => f.name);
  const runner = new PredicateRunner(subgoals, fields, { envId: spec.id, places: subgoals.map((s) => s.place) });
  const d = fields.length;
  const report = forEachEpisode(
    dir,
    (ep) => {
      const session = ep.key.slice(0, ep.key.indexOf(":"));
      // The state after transition t is states[t + 1].
      const reached = reachedSteps(ep.length, subgoals.length, (t, k) => {
        runner.setState(ep.states, (t + 1) * d);
        return runner.holds(k);
      });
      let envReturn = 0;
      for (let t = 0; t < ep.length; t++) envReturn += ep.envRewards[t]!;
      const label: EpisodeLabel = { reached, success: ep.success, length: ep.length, envReturn };
      labels.set(ep.key, label);
      const entry = next.sessions[session];
      if (entry) entry.episodes[ep.key] = [ep.success ? 1 : 0, ep.length, envReturn, ...reached];
    },
    { ...options, segments: (name) => stale.has(sessionOfSegment(name) ?? "") },
  );
  if (stale.size > 0) {
    try {
      mkdirSync(join(dir, "labels"), { recursive: true });
      writeFileAtomic(cachePath, JSON.stringify(next));
    } catch {
      // A cache that cannot be written only costs the next relabelling its time.
    }
  }
  return { hash, labels, cachedSessions, computedSessions: stale.size, report };
}
