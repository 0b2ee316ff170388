/**
 * Append-only JSON Lines files (one JSON object per line, `\n`-terminated).
 *
 * Writers append each record with a single `writeSync` on a file descriptor opened in append
 * mode, so a process killed with `kill -9` leaves every earlier line whole and at most a partial
 * last line (no trailing newline). Readers ignore an unterminated or unparsable LAST line — it is
 * what a killed writer, or a writer still writing, leaves — and report any other bad line with
 * file and line number, because that means the file was edited or damaged.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync } from "node:fs";
import { writeAll, writeFileAtomic } from "./atomic.js";

/** A line of a JSONL file that is not a JSON object, with where it is. */
export class JsonlError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "JsonlError";
  }
}

/**
 * Checks one parsed record; returns an error message (what is wrong, what was expected) or null.
 * Used so a reader can say `metrics.jsonl:12: globalStep must be a finite number, got "x"`.
 */
export type RecordCheck = (record: Record<string, unknown>) => string | null;

/**
 * All whole records of a JSONL file; `[]` when the file does not exist. Blank lines are skipped.
 * The last line is dropped when it lacks its newline or does not parse (a killed or in-progress
 * writer); a bad line anywhere else throws `JsonlError`.
 */
export function readJsonl<T>(path: string, check?: RecordCheck): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  // After the last "\n" comes either "" (file ends cleanly) or a partial line: never a record.
  lines.pop();
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const isLast = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (isLast) break;
      throw new JsonlError(path, i + 1, `not valid JSON (${(err as Error).message}); the file was edited or damaged`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      if (isLast) break;
      throw new JsonlError(path, i + 1, `expected a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
    }
    const problem = check?.(value as Record<string, unknown>) ?? null;
    if (problem !== null) {
      if (isLast) break;
      throw new JsonlError(path, i + 1, problem);
    }
    out.push(value as T);
  }
  return out;
}

/** Replace a JSONL file's content with `records`, atomically. */
export function writeJsonlAtomic(path: string, records: readonly unknown[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r) + "\n").join(""));
}

/**
 * Cut an unterminated last line (left by a killed writer) so that appending after it does not
 * glue a new record onto the fragment and turn it into a corrupt middle line. Returns the number
 * of bytes removed.
 */
export function repairPartialTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) {
      const keep = start + nl + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/**
 * Told of every append descriptor a JsonlWriter opens and closes in this thread. The trainer worker
 * reports them to its owner, which closes the ones a terminated worker left open (a terminated
 * thread's descriptors belong to the process and would otherwise leak).
 */
export interface DescriptorObserver {
  opened(fd: number): void;
  /** Called before the descriptor is closed, so the owner never closes a number already reused. */
  closing(fd: number): void;
}

let descriptorObserver: DescriptorObserver | null = null;

export function observeDescriptors(observer: DescriptorObserver | null): void {
  descriptorObserver = observer;
}

/** Tell the observer of an append descriptor opened in this thread (JsonlWriter, the TensorBoard events writer). */
export function descriptorOpened(fd: number): void {
  descriptorObserver?.opened(fd);
}

/** Tell the observer an append descriptor is about to be closed. */
export function descriptorClosing(fd: number): void {
  descriptorObserver?.closing(fd);
}

/** Appends records to one JSONL file through one descriptor; owns that descriptor until `close()`. */
export class JsonlWriter {
  private fd: number | null;

  /** Opens `path` for appending (creating it), first cutting any partial last line. */
  constructor(readonly path: string) {
    const fd = openSync(path, "a+");
    try {
      repairPartialTail(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    descriptorOpened(fd);
  }

  /** One `writeSync` per record (a short write is finished by a loop), so records never interleave partially. */
  append(record: unknown): void {
    if (this.fd === null) throw new Error(`${this.path}: append after close`);
    writeAll(this.fd, Buffer.from(JSON.stringify(record) + "\n", "utf8"));
  }

  close(): void {
    if (this.fd !== null) {
      descriptorClosing(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
