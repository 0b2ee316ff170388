/**
 * An independent reader of TensorBoard event files for the tests, written from the formats'
 * definitions and sharing no code with the writer (runtime/src/tensorboard/) or protobufjs:
 *
 * - TFRecord framing (tensorflow/core/lib/io/record_writer.cc): u64 little-endian length, u32
 *   masked CRC32C of those 8 bytes, the data, u32 masked CRC32C of the data; mask(crc) =
 *   ((crc >> 15) | (crc << 17)) + 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h).
 * - CRC32C bit by bit: reflected Castagnoli polynomial 0x82F63B78, init and final xor 0xFFFFFFFF
 *   (RFC 3720 appendix B.4; its test vectors are checked in test/unit/tensorboard/).
 * - Protocol Buffers wire format (protobuf.dev "Encoding"): key = field_number << 3 | wire_type;
 *   wire types 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 * - Field numbers from event.proto, summary.proto, tensor.proto, tensor_shape.proto.
 */
import { readFileSync } from "node:fs";

/** CRC32C, one bit at a time. */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function masked(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Splits a file into record payloads, throwing on any bad CRC or a trailing partial record. */
export function readRecords(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`partial header at ${pos}`);
    const lo = dv.getUint32(pos, true);
    const hi = dv.getUint32(pos + 4, true);
    if (hi !== 0) throw new Error(`record at ${pos} longer than 4 GiB`);
    if (dv.getUint32(pos + 8, true) !== masked(crc32cBitwise(bytes.subarray(pos, pos + 8)))) throw new Error(`bad length CRC at ${pos}`);
    const start = pos + 12;
    if (start + lo + 4 > bytes.length) throw new Error(`partial record at ${pos}`);
    const data = bytes.subarray(start, start + lo);
    if (dv.getUint32(start + lo, true) !== masked(crc32cBitwise(data))) throw new Error(`bad data CRC at ${pos}`);
    out.push(data);
    pos = start + lo + 4;
  }
  return out;
}

type Field = { no: number; wire: number; varint?: bigint; fixed64?: DataView; fixed32?: DataView; bytes?: Uint8Array };

/** The fields of one message, in order. */
export function wireFields(msg: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= msg.length) throw new Error("truncated varint");
      const b = msg[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < msg.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ no, wire, varint: varint() });
    else if (wire === 1) {
      fields.push({ no, wire, fixed64: new DataView(msg.buffer, msg.byteOffset + pos, 8) });
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > msg.length) throw new Error("truncated length-delimited field");
      fields.push({ no, wire, bytes: msg.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      fields.push({ no, wire, fixed32: new DataView(msg.buffer, msg.byteOffset + pos, 4) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

export interface DecodedValue {
  tag: string;
  simpleValue?: number;
  pluginName?: string;
  dtype?: number;
  shape?: number[];
  strings?: string[];
}

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: DecodedValue[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeValue(bytes: Uint8Array): DecodedValue {
  const v: DecodedValue = { tag: "" };
  for (const f of wireFields(bytes)) {
    if (f.no === 1 && f.bytes) v.tag = utf8.decode(f.bytes);
    else if (f.no === 2 && f.fixed32) v.simpleValue = f.fixed32.getFloat32(0, true);
    else if (f.no === 9 && f.bytes) {
      for (const m of wireFields(f.bytes)) {
        if (m.no === 1 && m.bytes) for (const p of wireFields(m.bytes)) if (p.no === 1 && p.bytes) v.pluginName = utf8.decode(p.bytes);
      }
    } else if (f.no === 8 && f.bytes) {
      v.strings = [];
      for (const t of wireFields(f.bytes)) {
        if (t.no === 1 && t.varint !== undefined) v.dtype = Number(t.varint);
        else if (t.no === 2 && t.bytes) {
          v.shape = wireFields(t.bytes)
            .filter((d) => d.no === 2 && d.bytes)
            .map((d) => Number(wireFields(d.bytes!).find((s) => s.no === 1)?.varint ?? 0n));
        } else if (t.no === 8 && t.bytes) v.strings.push(utf8.decode(t.bytes));
      }
    }
  }
  return v;
}

export function decodeEventBytes(bytes: Uint8Array): DecodedEvent {
  const e: DecodedEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of wireFields(bytes)) {
    if (f.no === 1 && f.fixed64) e.wallTime = f.fixed64.getFloat64(0, true);
    else if (f.no === 2 && f.varint !== undefined) e.step = Number(BigInt.asIntN(64, f.varint));
    else if (f.no === 3 && f.bytes) e.fileVersion = utf8.decode(f.bytes);
    else if (f.no === 5 && f.bytes) {
      for (const v of wireFields(f.bytes)) if (v.no === 1 && v.bytes) e.values.push(decodeValue(v.bytes));
    }
  }
  return e;
}

/** Every event of a file; throws on any framing or CRC problem. */
export function readEventsFile(path: string): DecodedEvent[] {
  return readRecords(readFileSync(path)).map(decodeEventBytes);
}
