/**
 * TFRecord framing, the container of TensorBoard event files (tensorflow/core/lib/io/record_writer.cc
 * and record_reader.cc):
 *
 *   uint64  length          little-endian, bytes of data
 *   uint32  masked_crc32c(length bytes)
 *   byte    data[length]
 *   uint32  masked_crc32c(data)
 *
 * CRC32C is the Castagnoli polynomial (RFC 3720, iSCSI); the mask (crc32c.h `Mask`) rotates the
 * CRC right by 15 bits and adds 0xa282ead8, so a CRC computed over data that embeds CRCs stays
 * well distributed.
 */
import { crc32c } from "@aws-crypto/crc32c";

const MASK_DELTA = 0xa282ead8;

/** TensorFlow's masked CRC32C of `bytes`, as an unsigned 32-bit integer. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** Header (12 bytes) + data + footer (4 bytes). */
export const FRAME_OVERHEAD = 16;

/** One record, framed, ready to append with a single write. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_OVERHEAD + data.byteLength);
  out.writeBigUInt64LE(BigInt(data.byteLength), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.byteLength);
  return out;
}

export interface ParsedRecords {
  /** Payloads of the whole, CRC-checked records, in file order. */
  records: Uint8Array[];
  /** Byte offset where each record starts (same order). */
  offsets: number[];
  /** Bytes covered by the whole records; everything after is a torn or damaged tail. */
  validLength: number;
  /** Why reading stopped before the end of the buffer (null when the whole buffer was records). */
  stoppedBecause: string | null;
}

/**
 * Split a buffer into records, checking both CRCs of each. Stops at the first record that is
 * incomplete (a writer killed mid-append, or still writing) or fails a check (damage), and
 * says why: everything before it is intact.
 */
export function parseRecords(buf: Uint8Array): ParsedRecords {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  const offsets: number[] = [];
  let pos = 0;
  let stoppedBecause: string | null = null;
  while (pos < view.length) {
    if (view.length - pos < 12) {
      stoppedBecause = `incomplete record header at byte ${pos}`;
      break;
    }
    const lengthBytes = view.subarray(pos, pos + 8);
    if (view.readUInt32LE(pos + 8) !== maskedCrc32c(lengthBytes)) {
      stoppedBecause = `length CRC mismatch at byte ${pos}`;
      break;
    }
    const length = view.readBigUInt64LE(pos);
    if (length > BigInt(view.length - pos - FRAME_OVERHEAD)) {
      stoppedBecause = `incomplete record at byte ${pos} (${length} data bytes announced)`;
      break;
    }
    const n = Number(length);
    const data = view.subarray(pos + 12, pos + 12 + n);
    if (view.readUInt32LE(pos + 12 + n) !== maskedCrc32c(data)) {
      stoppedBecause = `data CRC mismatch in the record at byte ${pos}`;
      break;
    }
    records.push(data);
    offsets.push(pos);
    pos += FRAME_OVERHEAD + n;
  }
  return { records, offsets, validLength: pos, stoppedBecause };
}
