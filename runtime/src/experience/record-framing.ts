/**
 * Record framing of the experience store's segment files: TFRecord's framing
 * (tensorflow/core/lib/io/record_writer.cc), chosen because its failure modes are the ones a
 * lifelong append-only log needs told apart:
 *
 *   uint64  length          little-endian, bytes of data
 *   uint32  masked_crc32c(length bytes)
 *   byte    data[length]
 *   uint32  masked_crc32c(data)
 *
 * A writer killed mid-append leaves a prefix of its last frame: fewer bytes than announced
 * ("incomplete", the expected tail of a `kill -9`). Bytes that are all there but fail a CRC are
 * damage ("corrupt"): after it the lengths cannot be trusted, so the rest of the file is skipped.
 * CRC32C is the Castagnoli polynomial (RFC 3720); the mask (crc32c.h `Mask`) rotates right by 15
 * bits and adds 0xa282ead8.
 */
import { FRAME_OVERHEAD, frameRecord, maskedCrc32c } from "../tensorboard/record-framing.js";

// The same framing TensorBoard's event files use: one writer of it (tensorboard/record-framing.ts).
export { FRAME_OVERHEAD, frameRecord, maskedCrc32c };

export interface FrameProblem {
  /** "incomplete": the bytes end inside a frame (an interrupted append). "corrupt": a CRC failed. */
  kind: "incomplete" | "corrupt";
  /** Byte offset of the frame, relative to where parsing started. */
  offset: number;
  detail: string;
}

export interface ParsedFrames {
  /** Payloads of the whole, CRC-checked frames, in order (views into the input). */
  records: Uint8Array[];
  /** Offset of each record's frame, relative to where parsing started. */
  offsets: number[];
  /** Bytes covered by whole frames; everything after is an incomplete or damaged tail. */
  validLength: number;
  problem: FrameProblem | null;
}

/** Split `buf` into frames, checking both CRCs of each; stops at the first incomplete or damaged one. */
export function parseFrames(buf: Uint8Array, maxRecordBytes = 1 << 30): ParsedFrames {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  const offsets: number[] = [];
  let pos = 0;
  let problem: FrameProblem | null = null;
  while (pos < view.length) {
    if (view.length - pos < 12) {
      problem = { kind: "incomplete", offset: pos, detail: `the last record ends after ${view.length - pos} of its 12 header bytes` };
      break;
    }
    if (view.readUInt32LE(pos + 8) !== maskedCrc32c(view.subarray(pos, pos + 8))) {
      problem = { kind: "corrupt", offset: pos, detail: "the record's length fails its CRC" };
      break;
    }
    const length = view.readBigUInt64LE(pos);
    if (length > BigInt(maxRecordBytes)) {
      problem = { kind: "corrupt", offset: pos, detail: `the record announces ${length} bytes, more than any record this store writes` };
      break;
    }
    const n = Number(length);
    if (n > view.length - pos - FRAME_OVERHEAD) {
      problem = { kind: "incomplete", offset: pos, detail: `the last record ends after ${view.length - pos} of its ${n + FRAME_OVERHEAD} bytes` };
      break;
    }
    const data = view.subarray(pos + 12, pos + 12 + n);
    if (view.readUInt32LE(pos + 12 + n) !== maskedCrc32c(data)) {
      problem = { kind: "corrupt", offset: pos, detail: "the record's data fails its CRC" };
      break;
    }
    records.push(data);
    offsets.push(pos);
    pos += FRAME_OVERHEAD + n;
  }
  return { records, offsets, validLength: pos, problem };
}
