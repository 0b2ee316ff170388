/**
 * Whole-file writes that a crash cannot leave half done: write a temporary file in the same
 * folder (so the rename stays on one file system), then `rename` it over the target. POSIX
 * rename is atomic, so a reader — or a process restarted after `kill -9` — sees the old file or
 * the new one, never a mix. (Windows' MoveFileEx with REPLACE_EXISTING, which Node uses, is
 * atomic for files on the same volume in practice.)
 *
 * No fsync: the guarantee asked of runs is surviving the death of the process, which leaves the
 * page cache intact; surviving power loss would cost an fsync per checkpoint.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync, writevSync } from "node:fs";
import { basename, dirname, join } from "node:path";

let counter = 0;

/** Temporary name beside `path`, unique per process and call, starting with a dot so listings skip it. */
export function tempPathFor(path: string): string {
  counter = (counter + 1) % 1_000_000_000;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/** Replace `path` with `data` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, "w");
  try {
    if (typeof data === "string") writeAll(fd, Buffer.from(data, "utf8"));
    else if (data instanceof Uint8Array) writeAll(fd, data);
    else writevAll(fd, data);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** `writeSync` may write fewer bytes than asked (large buffers, some file systems): loop until done. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
  }
}

/** Gathered write of several chunks (one syscall when the kernel takes them all), finishing short writes. */
export function writevAll(fd: number, chunks: readonly Uint8Array[]): void {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  let written = chunks.length > 0 ? writevSync(fd, chunks as Uint8Array[]) : 0;
  if (written === total) return;
  // Rare short write: finish chunk by chunk from where the kernel stopped.
  for (const c of chunks) {
    if (written >= c.byteLength) {
      written -= c.byteLength;
      continue;
    }
    writeAll(fd, c.subarray(written));
    written = 0;
  }
}
