/**
 * Reading an env's experience store: segments oldest first, each checked (prefix, header, every
 * frame's CRCs, every block's sizes), episodes assembled across blocks and segments of the same
 * writer session.
 *
 * Nothing here throws for what is on disk. A torn last record (a writer killed mid-append, or one
 * still appending) ends that segment quietly as "incomplete"; damage — a failed CRC, a block whose
 * sizes do not add up, a header that does not parse, a segment of another shape — is reported with
 * its file and byte offset, and what follows it in that file is skipped. Episodes missing their
 * first step (dropped by the cap) or their last (the writer stopped) are counted, not returned.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { FLAG_START, FLAG_SUCCESS, FLAG_TERMINATED, FLAG_TRUNCATED, PREFIX_BYTES, checkPrefix, decodeBlock, decodeSegmentHeader, sameShape, type SegmentHeader, type TransitionColumns } from "./format.js";
import { parseFrames } from "./record-framing.js";
import { listSegments } from "./writer.js";

export interface StoreProblem {
  /** The segment file. */
  file: string;
  /** Byte offset in the file where the problem starts. */
  offset: number;
  /** "incomplete": a torn last record (expected after a kill). "corrupt": damaged bytes, a bad header or block. "mismatch": a segment of another env shape. */
  kind: "incomplete" | "corrupt" | "mismatch";
  message: string;
}

export interface ReadOptions {
  /** Only segments of this shape are read (others are reported as "mismatch"). */
  expect?: Pick<SegmentHeader, "envId" | "fields" | "obsDim" | "actionKind" | "actionSize">;
  /** Called for every problem as it is found (default: collected in the report only). */
  onProblem?: (p: StoreProblem) => void;
  /** Read only the segment files this accepts (by file name); default all. */
  segments?: (name: string) => boolean;
  signal?: AbortSignal;
}

export interface ScanReport {
  segments: number;
  blocks: number;
  transitions: number;
  /** Complete episodes handed to the visitor. */
  episodes: number;
  /** Episodes without their first or last step. */
  incompleteEpisodes: number;
  problems: StoreProblem[];
}

/** One stored episode: T transitions, T + 1 states. */
export interface StoredEpisode {
  /** `<session>:<episode id>`, unique in the store. */
  key: string;
  runId: string;
  length: number;
  /** States s₀ … s_T, (T + 1) × obsDim: s_{t+1} is the state after transition t; s_T the final observation. */
  states: Float32Array;
  /** T × action width (discrete: the index). */
  actions: Float32Array;
  /** The env's own reward of each transition. */
  envRewards: Float32Array;
  terminated: boolean;
  truncated: boolean;
  /** The env said the task was achieved (info.success, or a success termination). */
  success: boolean;
}

/** A segment's checked header and decoded blocks, in file order. */
export function* readSegmentBlocks(
  dir: string,
  options: ReadOptions = {},
  report: ScanReport = emptyReport(),
): Generator<{ header: SegmentHeader; file: string; columns: TransitionColumns }> {
  const problem = (p: StoreProblem) => {
    report.problems.push(p);
    options.onProblem?.(p);
  };
  for (const seg of listSegments(dir)) {
    options.signal?.throwIfAborted();
    if (options.segments && !options.segments(seg.name)) continue;
    const file = join(dir, seg.name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      // Dropped by a writer's cap between the listing and the read.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      problem({ file, offset: 0, kind: "corrupt", message: `${basename(file)}: cannot be read (${(err as Error).message}); skipped` });
      continue;
    }
    report.segments++;
    const bad = checkPrefix(bytes);
    if (bad) {
      problem({ file, offset: 0, kind: bytes.length < PREFIX_BYTES ? "incomplete" : "corrupt", message: `${basename(file)} at byte 0: ${bad}; skipped` });
      continue;
    }
    const frames = parseFrames(bytes.subarray(PREFIX_BYTES));
    const at = (offset: number) => PREFIX_BYTES + offset;
    if (frames.records.length === 0) {
      const p = frames.problem;
      if (p) problem({ file, offset: at(p.offset), kind: p.kind, message: `${basename(file)} at byte ${at(p.offset)}: ${p.detail} (the segment header); skipped` });
      continue;
    }
    let header: SegmentHeader;
    try {
      header = decodeSegmentHeader(frames.records[0]!);
    } catch (err) {
      problem({ file, offset: at(0), kind: "corrupt", message: `${basename(file)} at byte ${at(0)}: ${(err as Error).message}; skipped` });
      continue;
    }
    if (options.expect && !sameShape(header, options.expect)) {
      const e = options.expect;
      problem({
        file,
        offset: at(0),
        kind: "mismatch",
        message: `${basename(file)}: stored for ${header.envId} with fields ${header.fields.join(", ")} and ${header.actionKind} actions of size ${header.actionSize}, not ${e.envId}'s ${e.fields.join(", ")} / ${e.actionKind} ${e.actionSize}; skipped`,
      });
      continue;
    }
    const width = header.actionKind === "discrete" ? 1 : header.actionSize;
    let stopped = false;
    for (let r = 1; r < frames.records.length; r++) {
      let columns: TransitionColumns;
      try {
        columns = decodeBlock(frames.records[r]!, header.obsDim, header.actionKind, width);
      } catch (err) {
        const offset = at(frames.offsets[r]!);
        problem({ file, offset, kind: "corrupt", message: `${basename(file)} at byte ${offset}: ${(err as Error).message}; the rest of this segment is skipped` });
        stopped = true;
        break;
      }
      report.blocks++;
      report.transitions += columns.count;
      yield { header, file, columns };
    }
    const p = frames.problem;
    if (p && !stopped) {
      const offset = at(p.offset);
      const rest = bytes.length - offset;
      problem({
        file,
        offset,
        kind: p.kind,
        message:
          p.kind === "incomplete"
            ? `${basename(file)} at byte ${offset}: ${p.detail} (an interrupted write); ignored`
            : `${basename(file)} at byte ${offset}: ${p.detail}; the remaining ${rest} bytes of this segment are skipped`,
      });
    }
  }
}

export function emptyReport(): ScanReport {
  return { segments: 0, blocks: 0, transitions: 0, episodes: 0, incompleteEpisodes: 0, problems: [] };
}

interface EpisodeBuilder {
  started: boolean;
  states: number[];
  actions: number[];
  rewards: number[];
}

/**
 * Hand every complete stored episode to `visit`, oldest first. Returns what was read and every
 * problem met (each also given to `options.onProblem`).
 */
export function forEachEpisode(dir: string, visit: (episode: StoredEpisode, header: SegmentHeader) => void, options: ReadOptions = {}): ScanReport {
  const report = emptyReport();
  let session: string | null = null;
  let open = new Map<number, EpisodeBuilder>();
  const closeSession = () => {
    report.incompleteEpisodes += open.size;
    open = new Map();
  };
  for (const { header, columns: c } of readSegmentBlocks(dir, options, report)) {
    if (header.session !== session) {
      closeSession();
      session = header.session;
    }
    const d = header.obsDim;
    const w = header.actionKind === "discrete" ? 1 : header.actionSize;
    let final = 0;
    for (let i = 0; i < c.count; i++) {
      const id = c.episodeIds[i]!;
      const flags = c.flags[i]!;
      let b = open.get(id);
      if (!b) {
        b = { started: (flags & FLAG_START) !== 0, states: [], actions: [], rewards: [] };
        open.set(id, b);
      }
      for (let k = 0; k < d; k++) b.states.push(c.obs[i * d + k]!);
      for (let k = 0; k < w; k++) b.actions.push(c.actions[i * w + k]!);
      b.rewards.push(c.rewards[i]!);
      if (flags & (FLAG_TERMINATED | FLAG_TRUNCATED)) {
        for (let k = 0; k < d; k++) b.states.push(c.finalObs[final * d + k]!);
        final++;
        open.delete(id);
        if (!b.started) {
          report.incompleteEpisodes++;
          continue;
        }
        report.episodes++;
        visit(
          {
            key: `${header.session}:${id}`,
            runId: header.runId,
            length: b.rewards.length,
            states: Float32Array.from(b.states),
            actions: Float32Array.from(b.actions),
            envRewards: Float32Array.from(b.rewards),
            terminated: (flags & FLAG_TERMINATED) !== 0,
            truncated: (flags & FLAG_TRUNCATED) !== 0,
            success: (flags & FLAG_SUCCESS) !== 0,
          },
          header,
        );
      }
    }
  }
  closeSession();
  return report;
}
