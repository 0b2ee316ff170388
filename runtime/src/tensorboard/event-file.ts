/**
 * One TensorBoard events file: `events.out.tfevents.<unix seconds>.<host>`, the name TensorFlow's
 * EventsWriter and PyTorch's SummaryWriter give it (TensorBoard, `wandb sync --sync-tensorboard`
 * and Aim find files by the `tfevents` in the name). Its first record is the `file_version` event.
 *
 * Appends are one `writeSync` of a whole framed record on a descriptor opened in append mode, so
 * a process killed with `kill -9` leaves every earlier record whole and at most a torn last one,
 * which readers (TensorBoard's and `readEventFile`) stop before.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeAll, writeFileAtomic } from "../runs/atomic.js";
import { descriptorClosing, descriptorOpened } from "../runs/jsonl.js";
import { decodeEvent, encodeEvent, FILE_VERSION, type TbEvent } from "./event-proto.js";
import { frameRecord, parseRecords } from "./record-framing.js";

const PREFIX = "events.out.tfevents.";

/** True for the names TensorBoard reads as event files and we write (temporary files start with a dot). */
export function isEventFileName(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** The event files in `dir`, oldest first (the name starts with the creation time in seconds, zero-padded). */
export function listEventFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isEventFileName)
    .sort()
    .map((name) => join(dir, name));
}

/** `events.out.tfevents.<10-digit seconds>.<host>`; a host name never contributes a path separator. */
export function eventFileName(unixSeconds: number, host: string = hostname()): string {
  const safeHost = host.replace(/[/\\\0]/g, "_") || "localhost";
  return `${PREFIX}${String(Math.floor(unixSeconds)).padStart(10, "0")}.${safeHost}`;
}

export interface EventFileContents {
  events: TbEvent[];
  /** The framed bytes of each event, as in the file (to rewrite a file without re-encoding). */
  frames: Buffer[];
  /** Bytes after the last whole record (a torn append), or 0. */
  tailBytes: number;
  /** Why reading stopped early, or null. */
  stoppedBecause: string | null;
}

/** Read an events file: every whole, CRC-checked record, decoded. */
export function readEventFile(path: string): EventFileContents {
  const bytes = readFileSync(path);
  const parsed = parseRecords(bytes);
  const events: TbEvent[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < parsed.records.length; i++) {
    const start = parsed.offsets[i]!;
    const end = i + 1 < parsed.offsets.length ? parsed.offsets[i + 1]! : parsed.validLength;
    events.push(decodeEvent(parsed.records[i]!));
    frames.push(bytes.subarray(start, end));
  }
  return { events, frames, tailBytes: bytes.length - parsed.validLength, stoppedBecause: parsed.stoppedBecause };
}

/** Replace `path` with exactly `frames` (atomic: a crash leaves the old file or the new one). */
export function rewriteEventFile(path: string, frames: readonly Uint8Array[]): void {
  writeFileAtomic(path, frames);
}

/** Appends events to one new file; owns its descriptor until `close()`. */
export class EventFileWriter {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    // A trainer worker reports its append descriptors, so its owner can close them if it must end it.
    descriptorOpened(fd);
  }

  /**
   * Create a new events file in `dir` (never an existing one: a name taken in the same second gets
   * `.2`, `.3`, …) and write its `file_version` record.
   */
  static create(dir: string, wallTime: number, host?: string): EventFileWriter {
    const base = join(dir, eventFileName(wallTime, host));
    for (let attempt = 1; ; attempt++) {
      const path = attempt === 1 ? base : `${base}.${attempt}`;
      let fd: number;
      try {
        fd = openSync(path, "ax");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST" && attempt < 1000) continue;
        throw err;
      }
      const writer = new EventFileWriter(path, fd);
      writer.append({ wallTime, step: 0, fileVersion: FILE_VERSION });
      return writer;
    }
  }

  append(event: TbEvent): void {
    if (this.fd === null) throw new Error(`${this.path}: append after close`);
    writeAll(this.fd, frameRecord(encodeEvent(event)));
  }

  close(): void {
    if (this.fd !== null) {
      descriptorClosing(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
