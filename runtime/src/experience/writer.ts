/**
 * Appending a run's transitions to the lifelong experience store of its env
 * (`<workspace>/.rl-studio/experience/<env>/`).
 *
 * Each writer (one training process) appends to segment files of its own — named
 * `<start ms>-<session>-<seq>.rlx`, so a name sort is oldest first and a session's segments sort
 * together — one framed block per `flush()` (one PPO iteration), in a single `write`. A `kill -9`
 * therefore loses at most the block being written, and the reader recognises its torn tail.
 *
 * The cap: before each block the writer makes room by deleting the oldest segments (any
 * writer's; never the one it is appending to, which it rotates out first when it has to), so
 * the folder never holds more than `maxBytes`. It re-reads the folder's sizes at least once a
 * second, so runs of the same env writing at once keep to the cap each by what it sees.
 *
 * Writing never breaks training: an I/O error is logged once and the writer stops storing.
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { writeAll } from "../runs/atomic.js";
import { descriptorClosing, descriptorOpened } from "../runs/jsonl.js";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { FLAG_START, FLAG_SUCCESS, FLAG_TERMINATED, FLAG_TRUNCATED, FORMAT_VERSION, encodeBlock, encodeSegmentStart, framedBlockBytes, type SegmentHeader, type TransitionColumns } from "./format.js";
import { frameRecord } from "./record-framing.js";
import { envFolder, SEGMENT_SUFFIX } from "./paths.js";

export interface ExperienceWriterOptions {
  /** The store's root, `<workspace>/.rl-studio/experience`; the env's folder is made under it. */
  root: string;
  header: Omit<SegmentHeader, "format" | "session" | "createdAt">;
  /** The env folder's size limit in bytes (every writer's segments together). */
  maxBytes: number;
  /** Start a new segment once the current one reaches this (default maxBytes / 8, clamped to 64 KiB … 64 MiB). */
  segmentBytes?: number;
  /** One-line notices (a block too large for the cap, an I/O error that turned storing off). */
  log?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** Segment files of an env folder, oldest first. */
export function listSegments(dir: string): { name: string; size: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { name: string; size: number }[] = [];
  for (const name of names.filter((n) => n.endsWith(SEGMENT_SUFFIX)).sort()) {
    try {
      out.push({ name, size: statSync(join(dir, name)).size });
    } catch {
      // Deleted by another writer between the listing and the stat.
    }
  }
  return out;
}

export class ExperienceWriter {
  readonly dir: string;
  readonly session: string;
  private readonly header: SegmentHeader;
  private readonly obsDim: number;
  private readonly actionWidth: number;
  private readonly discrete: boolean;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly startedAt: number;
  private cols: TransitionColumns;
  private nextEpisodeId = 0;
  /** Episodes begun whose first transition has not been added yet. */
  private readonly starting = new Set<number>();
  private seq = 0;
  private fd: number | null = null;
  private current: string | null = null;
  private currentSize = 0;
  /** The folder's size as last listed plus what this writer appended since. */
  private knownTotal = 0;
  private listedAt = -Infinity;
  private failed = false;
  private warnedTooLarge = false;
  /** Bytes this writer appended (headers included). */
  bytesWritten = 0;
  /** Segments this writer deleted to keep the cap. */
  segmentsDropped = 0;

  constructor(options: ExperienceWriterOptions) {
    const h = options.header;
    if (!(options.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${options.maxBytes}`);
    this.dir = envFolder(options.root, h.envId);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.session = randomBytes(4).toString("hex");
    this.header = { format: FORMAT_VERSION, ...h, session: this.session, createdAt: new Date(this.startedAt).toISOString() };
    this.obsDim = h.obsDim;
    this.discrete = h.actionKind === "discrete";
    this.actionWidth = this.discrete ? 1 : h.actionSize;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = options.segmentBytes ?? Math.min(64 << 20, Math.max(64 << 10, Math.floor(options.maxBytes / 8)));
    this.log = options.log ?? (() => {});
    this.cols = this.allocate(1024, 64);
  }

  /** A fresh episode id (unique within this writer's session). */
  beginEpisode(): number {
    const id = this.nextEpisodeId++;
    this.starting.add(id);
    return id;
  }

  /**
   * Buffer one transition. `finalObs` is required when the transition ends its episode
   * (terminated or truncated): the observation the episode ended in.
   */
  add(
    episodeId: number,
    obs: ArrayLike<number>,
    action: number | ArrayLike<number>,
    envReward: number,
    terminated: boolean,
    truncated: boolean,
    success: boolean,
    finalObs?: ArrayLike<number>,
  ): void {
    if (this.failed) return;
    const ends = terminated || truncated;
    if (ends && !finalObs) throw new Error("ExperienceWriter.add: a transition that ends its episode needs its final observation");
    let c = this.cols;
    if (c.count === c.episodeIds.length || (ends && c.finals === c.finalObs.length / this.obsDim)) {
      c = this.cols = this.grow(c);
    }
    const i = c.count;
    const d = this.obsDim;
    c.episodeIds[i] = episodeId;
    for (let k = 0; k < d; k++) c.obs[i * d + k] = obs[k]!;
    if (typeof action === "number") c.actions[i] = action;
    else for (let k = 0; k < this.actionWidth; k++) c.actions[i * this.actionWidth + k] = action[k]!;
    c.rewards[i] = envReward;
    c.flags[i] = (terminated ? FLAG_TERMINATED : 0) | (truncated ? FLAG_TRUNCATED : 0) | (success ? FLAG_SUCCESS : 0) | (this.starting.delete(episodeId) ? FLAG_START : 0);
    if (ends) {
      for (let k = 0; k < d; k++) c.finalObs[c.finals * d + k] = finalObs![k]!;
      c.finals++;
    }
    c.count++;
  }

  /** Append the buffered transitions as one block (nothing when none are buffered). */
  flush(): void {
    const c = this.cols;
    if (this.failed || c.count === 0) return;
    const bytes = framedBlockBytes(c.count, c.finals, this.obsDim, this.actionWidth);
    try {
      this.append(() => frameRecord(encodeBlock(c, this.obsDim, this.actionWidth)), bytes);
    } catch (err) {
      this.failed = true;
      this.log(`experience store: could not write to ${this.dir} (${(err as Error).message}); this run's further transitions are not stored`);
      this.closeFd();
    }
    c.count = 0;
    c.finals = 0;
  }

  /** Flush and close the current segment. */
  close(): void {
    this.flush();
    this.closeFd();
  }

  private append(encode: () => Buffer, blockBytes: number): void {
    const start = this.fd === null || this.currentSize + blockBytes > this.segmentBytes ? encodeSegmentStart(this.header) : null;
    const need = blockBytes + (start ? start.length : 0);
    if (need > this.maxBytes) {
      if (!this.warnedTooLarge) this.log(`experience store: one iteration's transitions (${need} bytes) exceed the store's cap of ${this.maxBytes} bytes; they are not stored (raise rlStudio.experience.maxMegabytes)`);
      this.warnedTooLarge = true;
      return;
    }
    if (start) this.closeFd();
    this.makeRoom(need);
    if (start) this.openSegment(start);
    const block = encode();
    writeAll(this.fd!, block);
    this.currentSize += block.length;
    this.knownTotal += block.length;
    this.bytesWritten += block.length;
  }

  /** Delete the oldest segments until `need` more bytes fit under the cap. */
  private makeRoom(need: number): void {
    const t = this.now();
    if (t - this.listedAt >= 1000 || this.knownTotal + need > this.maxBytes) {
      mkdirSync(this.dir, { recursive: true });
      this.knownTotal = listSegments(this.dir).reduce((s, f) => s + f.size, 0);
      this.listedAt = t;
    }
    if (this.knownTotal + need <= this.maxBytes) return;
    for (const seg of listSegments(this.dir)) {
      if (this.knownTotal + need <= this.maxBytes) break;
      if (seg.name === this.current && this.fd !== null) continue;
      try {
        unlinkSync(join(this.dir, seg.name));
        this.segmentsDropped++;
      } catch {
        // Another writer deleted it first.
      }
      this.knownTotal -= seg.size;
    }
    if (this.knownTotal + need > this.maxBytes && this.fd !== null) {
      // Only our own open segment is left to drop: rotate it out, then drop it.
      const own = this.current!;
      this.closeFd();
      try {
        const size = statSync(join(this.dir, own)).size;
        unlinkSync(join(this.dir, own));
        this.knownTotal -= size;
        this.segmentsDropped++;
      } catch {
        // Gone already.
      }
    }
  }

  private openSegment(start: Buffer): void {
    mkdirSync(this.dir, { recursive: true });
    this.seq++;
    const name = `${String(this.startedAt).padStart(13, "0")}-${this.session}-${String(this.seq).padStart(4, "0")}${SEGMENT_SUFFIX}`;
    // "wx": a fresh file of our own; the prefix and header go in with the first write.
    this.fd = openSync(join(this.dir, name), "wx");
    // A trainer worker that is terminated leaves its descriptors to the process: its owner closes them.
    descriptorOpened(this.fd);
    this.current = name;
    writeAll(this.fd, start);
    this.currentSize = start.length;
    this.knownTotal += start.length;
    this.bytesWritten += start.length;
  }

  private closeFd(): void {
    if (this.fd !== null) {
      descriptorClosing(this.fd);
      try {
        closeSync(this.fd);
      } catch {
        // Already closed by the OS on a failed device; nothing left to do.
      }
    }
    this.fd = null;
    this.current = null;
    this.currentSize = 0;
  }

  private allocate(capacity: number, finals: number): TransitionColumns {
    return {
      count: 0,
      episodeIds: new Uint32Array(capacity),
      obs: new Float32Array(capacity * this.obsDim),
      actions: this.discrete ? new Uint32Array(capacity) : new Float32Array(capacity * this.actionWidth),
      rewards: new Float32Array(capacity),
      flags: new Uint8Array(capacity),
      finals: 0,
      finalObs: new Float32Array(finals * this.obsDim),
    };
  }

  private grow(c: TransitionColumns): TransitionColumns {
    const cap = c.episodeIds.length;
    const finalCap = c.finalObs.length / this.obsDim;
    const next = this.allocate(c.count === cap ? cap * 2 : cap, c.finals === finalCap ? finalCap * 2 : finalCap);
    next.episodeIds.set(c.episodeIds.subarray(0, c.count));
    next.obs.set(c.obs.subarray(0, c.count * this.obsDim));
    next.actions.set(c.actions.subarray(0, c.count * this.actionWidth));
    next.rewards.set(c.rewards.subarray(0, c.count));
    next.flags.set(c.flags.subarray(0, c.count));
    next.finalObs.set(c.finalObs.subarray(0, c.finals * this.obsDim));
    next.count = c.count;
    next.finals = c.finals;
    return next;
  }
}
