/**
 * Binary checkpoint format, version 1 (all integers little-endian):
 *
 *   offset 0   4 bytes  magic "RLSC"
 *   offset 4   uint32   format version (1)
 *   offset 8   uint32   J = byte length of the JSON header (UTF-8)
 *   offset 12  uint32   P = byte length of the array payload
 *   offset 16  J bytes  JSON: { meta, arrays: [[name, length], …] } in payload order
 *   then zero padding to a multiple of 4, then each array's float32 values (little-endian),
 *   back to back — every array starts 4-byte aligned because each is a whole number of floats.
 *
 * The reader checks the magic, version, the declared sizes against the file size and the JSON
 * against the payload, and names what is wrong. Weights and optimiser state are float32 in the
 * trainer, so storing them as raw float32 is exact and costs one copy.
 */
import { readFileSync, existsSync } from "node:fs";
import { endianness } from "node:os";
import { writeFileAtomic } from "./atomic.js";

export interface Checkpoint {
  /** Anything JSON-serialisable: global step, iteration, RNG states, normaliser counts… */
  meta: Record<string, unknown>;
  /** Named float32 buffers: network weights, Adam moments, normaliser statistics… */
  arrays: Record<string, Float32Array>;
}

export const CHECKPOINT_MAGIC = "RLSC";
export const CHECKPOINT_VERSION = 1;
const HEADER_BYTES = 16;

/** A checkpoint file that cannot be read, with the reason. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: invalid checkpoint: ${reason}`);
    this.name = "CheckpointError";
  }
}

function assertLittleEndianHost(): void {
  // Float32Array uses the host's byte order; every platform Node ships for is little-endian.
  if (endianness() !== "LE") throw new Error("RL Studio checkpoints need a little-endian host");
}

/** Serialise a checkpoint to the byte chunks of the file (header+JSON, then one view per array: no copy of the floats). */
export function encodeCheckpoint(c: Checkpoint): Uint8Array[] {
  assertLittleEndianHost();
  const names = Object.keys(c.arrays);
  const layout: [string, number][] = names.map((name) => [name, c.arrays[name]!.length]);
  const json = Buffer.from(JSON.stringify({ meta: c.meta, arrays: layout }), "utf8");
  const padded = Math.ceil(json.length / 4) * 4;
  let payload = 0;
  for (const [, length] of layout) payload += length * 4;
  const head = Buffer.alloc(HEADER_BYTES + padded);
  head.write(CHECKPOINT_MAGIC, 0, "latin1");
  head.writeUInt32LE(CHECKPOINT_VERSION, 4);
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(payload, 12);
  json.copy(head, HEADER_BYTES);
  const chunks: Uint8Array[] = [head];
  for (const name of names) {
    const a = c.arrays[name]!;
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return chunks;
}

/** Parse checkpoint bytes; `file` is only used in error messages. Arrays are fresh copies. */
export function decodeCheckpoint(bytes: Uint8Array, file = "checkpoint"): Checkpoint {
  assertLittleEndianHost();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES) {
    throw new CheckpointError(file, `file is ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  }
  const magic = buf.toString("latin1", 0, 4);
  if (magic !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(file, `bad magic ${JSON.stringify(magic)} (expected "${CHECKPOINT_MAGIC}"): not an RL Studio checkpoint`);
  }
  const version = buf.readUInt32LE(4);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(file, `format version ${version} is not supported (this RL Studio reads version ${CHECKPOINT_VERSION})`);
  }
  const jsonLength = buf.readUInt32LE(8);
  const payload = buf.readUInt32LE(12);
  const padded = Math.ceil(jsonLength / 4) * 4;
  const expected = HEADER_BYTES + padded + payload;
  if (buf.length !== expected) {
    throw new CheckpointError(
      file,
      `file is ${buf.length} bytes but its header declares ${expected} (${jsonLength} bytes of JSON, ${payload} bytes of arrays): truncated or damaged`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(buf.toString("utf8", HEADER_BYTES, HEADER_BYTES + jsonLength));
  } catch (err) {
    throw new CheckpointError(file, `JSON header does not parse (${(err as Error).message})`);
  }
  const h = header as { meta?: unknown; arrays?: unknown };
  if (h === null || typeof h !== "object" || typeof h.meta !== "object" || h.meta === null || !Array.isArray(h.arrays)) {
    throw new CheckpointError(file, "JSON header must be an object with `meta` (object) and `arrays` (list of [name, length])");
  }
  const arrays: Record<string, Float32Array> = {};
  let offset = HEADER_BYTES + padded;
  let declared = 0;
  for (const entry of h.arrays as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Number.isInteger(entry[1]) || (entry[1] as number) < 0) {
      throw new CheckpointError(file, `array entry ${JSON.stringify(entry)} must be [name, non-negative integer length]`);
    }
    const [name, length] = entry as [string, number];
    declared += length * 4;
    if (declared > payload) {
      throw new CheckpointError(file, `array "${name}" (${length} floats) runs past the ${payload}-byte payload`);
    }
    // Copy into a fresh, aligned buffer: the file buffer's byteOffset need not be a multiple of 4.
    const out = new Float32Array(length);
    new Uint8Array(out.buffer).set(buf.subarray(offset, offset + length * 4));
    arrays[name] = out;
    offset += length * 4;
  }
  if (declared !== payload) {
    throw new CheckpointError(file, `arrays declare ${declared} bytes but the payload holds ${payload}`);
  }
  return { meta: h.meta as Record<string, unknown>, arrays };
}

/** Write `c` to `path` atomically (temp file in the same folder, then rename). */
export function writeCheckpointFile(path: string, c: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(c));
}

/** The checkpoint at `path`, or null when there is none yet; throws `CheckpointError` when it is damaged. */
export function readCheckpointFile(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  return decodeCheckpoint(readFileSync(path), path);
}
