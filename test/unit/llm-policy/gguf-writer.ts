/**
 * A minimal GGUF v3 writer for test fixtures (GGUF spec, ggml-org/ggml docs/gguf.md): header, typed
 * key/value metadata, tensor directory, then tensor data, each aligned to 32 bytes. Used to build tiny
 * models (e.g. a random-weight qwen2 with a byte-level BPE vocabulary) that both our loader and
 * llama.cpp (through node-llama-cpp) read.
 */
import { writeFileSync } from "node:fs";

export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: string[] }
  | { type: "i32[]"; value: number[] }
  | { type: "f32[]"; value: number[] };

export interface GgufTensorSpec {
  name: string;
  /** ggml order: ne[0] first. */
  shape: number[];
  /** ggml type id. */
  type: number;
  /** The raw bytes in that type's layout. */
  data: Uint8Array;
}

const ALIGN = 32;
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const n = (ALIGN - (this.length % ALIGN)) % ALIGN;
    if (n) this.push(Buffer.alloc(n));
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(out: Bytes, v: GgufValue): void {
  function array<E>(type: number, values: E[], write: (e: E) => void): void {
    out.u32(T.array);
    out.u32(type);
    out.u64(values.length);
    for (const e of values) write(e);
  }
  switch (v.type) {
    case "u32":
      out.u32(T.u32);
      out.u32(v.value);
      return;
    case "i32":
      out.u32(T.i32);
      out.i32(v.value);
      return;
    case "f32":
      out.u32(T.f32);
      out.f32(v.value);
      return;
    case "bool":
      out.u32(T.bool);
      out.push(Buffer.from([v.value ? 1 : 0]));
      return;
    case "string":
      out.u32(T.string);
      out.str(v.value);
      return;
    case "string[]":
      return array(T.string, v.value, (s) => out.str(s));
    case "i32[]":
      return array(T.i32, v.value, (x) => out.i32(x));
    case "f32[]":
      return array(T.f32, v.value, (x) => out.f32(x));
  }
}

export function encodeGguf(metadata: Record<string, GgufValue>, tensors: GgufTensorSpec[]): Buffer {
  const out = new Bytes();
  out.push(Buffer.from("GGUF", "latin1"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    out.str(key);
    writeValue(out, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += t.data.length;
    offset += (ALIGN - (offset % ALIGN)) % ALIGN;
  }
  tensors.forEach((t, i) => {
    out.str(t.name);
    out.u32(t.shape.length);
    for (const d of t.shape) out.u64(d);
    out.u32(t.type);
    out.u64(offsets[i]!);
  });
  out.pad();
  for (const t of tensors) {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.length));
    out.pad();
  }
  return out.concat();
}

export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensorSpec[]): void {
  writeFileSync(path, encodeGguf(metadata, tensors));
}

/** float32 values as a ggml F32 tensor's bytes. */
export function f32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}
