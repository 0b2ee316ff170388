/**
 * Reading a GGUF model file: the header, metadata and tensor directory come from the maintained
 * parser `@huggingface/gguf` (local files through `allowLocalFile`); tensor data is read here from
 * the offsets it reports (relative to `tensorDataOffset`, GGUF spec) and dequantised to float32.
 */
import { open, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { gguf, type MetadataValue } from "@huggingface/gguf";
import { dequantize, tensorBytes, typeName } from "./dequantize.js";

export interface GgufTensorInfo {
  name: string;
  /** ggml type id (GgmlType). */
  type: number;
  /** ggml order: ne[0] (the contiguous, fastest-varying dimension) first. */
  shape: number[];
  /** Number of elements. */
  count: number;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  path: string;
  metadata: Record<string, MetadataValue>;
  tensors: Map<string, GgufTensorInfo>;
}

/** Parses the header of `path` (metadata and tensor directory; no tensor data is read). */
export async function readGgufHeader(path: string): Promise<GgufFile> {
  const file = resolve(path);
  if (!existsSync(file)) throw new Error(`model file not found: ${file}`);
  let parsed: Awaited<ReturnType<typeof gguf>>;
  try {
    parsed = await gguf(file, { allowLocalFile: true });
  } catch (err) {
    throw new Error(`${file}: not a readable GGUF file (${(err as Error).message})`, { cause: err });
  }
  const size = (await stat(file)).size;
  const dataStart = Number(parsed.tensorDataOffset);
  const tensors = new Map<string, GgufTensorInfo>();
  for (const info of parsed.tensorInfos) {
    const shape = info.shape.map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    const type = Number(info.dtype);
    const offset = dataStart + Number(info.offset);
    let byteLength = -1;
    try {
      byteLength = tensorBytes(type, count, `tensor ${info.name}`);
    } catch {
      // Unsupported type: reported, naming tensor and type, only if the model needs this tensor.
    }
    if (byteLength >= 0 && offset + byteLength > size) {
      throw new Error(`${file}: tensor ${info.name} (${typeName(type)}, ${count} elements) runs past the end of the file (${offset + byteLength} > ${size} bytes)`);
    }
    tensors.set(info.name, { name: info.name, type, shape, count, offset, byteLength });
  }
  return { path: file, metadata: parsed.metadata as unknown as Record<string, MetadataValue>, tensors };
}

/** Reads tensors' data from one open file handle; dequantises each to float32. */
export class GgufTensorReader {
  private constructor(
    readonly file: GgufFile,
    private readonly handle: Awaited<ReturnType<typeof open>>,
  ) {}

  static async open(file: GgufFile): Promise<GgufTensorReader> {
    return new GgufTensorReader(file, await open(file.path, "r"));
  }

  has(name: string): boolean {
    return this.file.tensors.has(name);
  }

  info(name: string): GgufTensorInfo {
    const t = this.file.tensors.get(name);
    if (!t) throw new Error(`${this.file.path}: tensor ${name} is missing`);
    return t;
  }

  /** The tensor as float32, checked against the expected ggml shape (ne[0] first) when given. */
  async read(name: string, expectedShape?: readonly number[]): Promise<Float32Array> {
    const t = this.info(name);
    if (expectedShape && (t.shape.length !== expectedShape.length || t.shape.some((d, i) => d !== expectedShape[i]))) {
      throw new Error(`${this.file.path}: tensor ${name} has shape [${t.shape.join(", ")}], expected [${expectedShape.join(", ")}]`);
    }
    if (t.byteLength < 0) throw new Error(`${this.file.path}: tensor ${name} has type ${typeName(t.type)}, which RL Studio cannot dequantise (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)`);
    const bytes = new Uint8Array(t.byteLength);
    const { bytesRead } = await this.handle.read(bytes, 0, t.byteLength, t.offset);
    if (bytesRead !== t.byteLength) throw new Error(`${this.file.path}: tensor ${name}: read ${bytesRead} of ${t.byteLength} bytes`);
    return dequantize(t.type, bytes, t.count, `${this.file.path}: tensor ${name}`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Metadata accessors that name the key and the file in their errors. */
export class GgufMetadata {
  constructor(
    readonly path: string,
    private readonly kv: Record<string, MetadataValue>,
  ) {}

  has(key: string): boolean {
    return key in this.kv;
  }

  /** The raw value, or undefined. */
  value(key: string): MetadataValue | undefined {
    return this.kv[key];
  }

  number(key: string): number;
  number(key: string, fallback: number): number;
  number(key: string, fallback?: number): number {
    const v = this.kv[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${this.path}: metadata key ${key} is missing`);
    }
    if (typeof v === "bigint") return Number(v);
    if (typeof v !== "number") throw new Error(`${this.path}: metadata key ${key} is ${JSON.stringify(v).slice(0, 40)}, expected a number`);
    return v;
  }

  string(key: string): string;
  string(key: string, fallback: string): string;
  string(key: string, fallback?: string): string {
    const v = this.kv[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${this.path}: metadata key ${key} is missing`);
    }
    if (typeof v !== "string") throw new Error(`${this.path}: metadata key ${key} is not a string`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.kv[key];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") throw new Error(`${this.path}: metadata key ${key} is not a boolean`);
    return v;
  }

  /** An array value; `undefined` when absent. */
  array<T extends MetadataValue>(key: string, check: (x: MetadataValue) => x is T, what: string): T[] | undefined {
    const v = this.kv[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new Error(`${this.path}: metadata key ${key} is not an array`);
    for (let i = 0; i < v.length; i++) {
      if (!check(v[i]!)) throw new Error(`${this.path}: metadata key ${key}[${i}] is not ${what}`);
    }
    return v as T[];
  }
}

export const isString = (x: MetadataValue): x is string => typeof x === "string";
export const isNumber = (x: MetadataValue): x is number => typeof x === "number";
