/**
 * The experience store's on-disk format (version 1). A segment file is
 *
 *   "RLXP"  u16 format version  u16 0          8 bytes, fixed
 *   frame   header: JSON (SegmentHeader)       env id, observation fields and size, action kind/size, run
 *   frame   transition block                   …one per PPO iteration, appended as training goes
 *
 * with frames as in record-framing.ts. A transition block holds N transitions in columns, all
 * little-endian, so a block decodes with a few typed-array copies:
 *
 *   u8 kind (1 = transitions)  u8[3] 0  u32 N  u32 D (final observations)
 *   u32 episodeId[N]           the writer's episode number (unique within its session)
 *   f32 obs[N × obsDim]        the observation the action was taken in
 *   discrete: u32 action[N]    box: f32 action[N × actionSize] (as the env received it)
 *   f32 envReward[N]           the env's own reward (shaping is recomputed on reading)
 *   u8  flags[N]               bit 0 terminated, bit 1 truncated, bit 2 task success, bit 3 first step of its episode
 *   padding to 4 bytes
 *   f32 finalObs[D × obsDim]   the observation after each transition that ended its episode, in order
 *
 * Within an episode the state after transition t is obs[t + 1]; the last one's is its final
 * observation, so an episode of T steps stores T + 1 observations and no other duplicate.
 */
import { FRAME_OVERHEAD, frameRecord } from "./record-framing.js";

export const SEGMENT_MAGIC = "RLXP";
export const FORMAT_VERSION = 1;
/** Magic (4) + version (2) + reserved (2). */
export const PREFIX_BYTES = 8;

export const FLAG_TERMINATED = 1;
export const FLAG_TRUNCATED = 2;
export const FLAG_SUCCESS = 4;
/** The episode's first transition: an episode read without it lost its start to the cap (or to a crash) and is incomplete. */
export const FLAG_START = 8;

const BLOCK_KIND_TRANSITIONS = 1;
const BLOCK_HEADER_BYTES = 12;

/** What every record of a segment shares. */
export interface SegmentHeader {
  format: number;
  envId: string;
  /** Observation field names in the env's order (relabelling reads them by name). */
  fields: string[];
  obsDim: number;
  actionKind: "discrete" | "box";
  /** Discrete: the number of actions. Box: the action vector's length. */
  actionSize: number;
  /** The run whose transitions these are. */
  runId: string;
  /** One writer process: a resumed run writes under a new session, so episode ids never collide. */
  session: string;
  createdAt: string;
}

/** The same shape as far as stored transitions go: two headers whose transitions can be read together. */
export function sameShape(a: Pick<SegmentHeader, "envId" | "fields" | "obsDim" | "actionKind" | "actionSize">, b: Pick<SegmentHeader, "envId" | "fields" | "obsDim" | "actionKind" | "actionSize">): boolean {
  return a.envId === b.envId && a.obsDim === b.obsDim && a.actionKind === b.actionKind && a.actionSize === b.actionSize && a.fields.join("\u0000") === b.fields.join("\u0000");
}

/** The fixed prefix and the header frame: a segment's first bytes, written in one go. */
export function encodeSegmentStart(header: SegmentHeader): Buffer {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(SEGMENT_MAGIC, 0, "latin1");
  prefix.writeUInt16LE(FORMAT_VERSION, 4);
  return Buffer.concat([prefix, frameRecord(Buffer.from(JSON.stringify(header), "utf8"))]);
}

/** Check the prefix; null when it is fine, else what is wrong. */
export function checkPrefix(bytes: Uint8Array): string | null {
  if (bytes.length < PREFIX_BYTES) return `the file is ${bytes.length} bytes long, shorter than the ${PREFIX_BYTES}-byte segment prefix`;
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString("latin1");
  if (magic !== SEGMENT_MAGIC) return `it does not start with "${SEGMENT_MAGIC}" (not an experience segment)`;
  const version = bytes[4]! | (bytes[5]! << 8);
  if (version !== FORMAT_VERSION) return `format version ${version}; this RL Studio reads version ${FORMAT_VERSION}`;
  return null;
}

/** Parse and check a header frame's payload. */
export function decodeSegmentHeader(payload: Uint8Array): SegmentHeader {
  const h = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8")) as Partial<SegmentHeader>;
  const ok =
    h.format === FORMAT_VERSION &&
    typeof h.envId === "string" &&
    Array.isArray(h.fields) &&
    h.fields.every((f) => typeof f === "string") &&
    Number.isInteger(h.obsDim) &&
    h.obsDim === h.fields.length &&
    (h.actionKind === "discrete" || h.actionKind === "box") &&
    Number.isInteger(h.actionSize) &&
    h.actionSize! > 0 &&
    typeof h.runId === "string" &&
    typeof h.session === "string";
  if (!ok) throw new Error("the segment header is not a valid experience header");
  return h as SegmentHeader;
}

/** Transitions in columns, as a block holds them (and the writer collects them). */
export interface TransitionColumns {
  count: number;
  episodeIds: Uint32Array;
  obs: Float32Array;
  /** Discrete: Uint32Array of indices. Box: Float32Array, count × actionSize. */
  actions: Uint32Array | Float32Array;
  rewards: Float32Array;
  flags: Uint8Array;
  /** count of final observations (one per flagged episode end). */
  finals: number;
  finalObs: Float32Array;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes of a block's payload for these sizes. */
export function blockBytes(count: number, finals: number, obsDim: number, actionWidth: number): number {
  return align4(BLOCK_HEADER_BYTES + 4 * count + 4 * count * obsDim + 4 * count * actionWidth + 4 * count + count) + 4 * finals * obsDim;
}

/** Bytes a framed block of these sizes adds to a segment. */
export function framedBlockBytes(count: number, finals: number, obsDim: number, actionWidth: number): number {
  return FRAME_OVERHEAD + blockBytes(count, finals, obsDim, actionWidth);
}

/** Encode the first `c.count` transitions and `c.finals` final observations of the columns. */
export function encodeBlock(c: TransitionColumns, obsDim: number, actionWidth: number): Buffer {
  const n = c.count;
  const out = Buffer.alloc(blockBytes(n, c.finals, obsDim, actionWidth));
  out.writeUInt8(BLOCK_KIND_TRANSITIONS, 0);
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(c.finals, 8);
  let at = BLOCK_HEADER_BYTES;
  const put = (src: ArrayBufferView, bytes: number) => {
    out.set(new Uint8Array(src.buffer, src.byteOffset, bytes), at);
    at += bytes;
  };
  put(c.episodeIds, 4 * n);
  put(c.obs, 4 * n * obsDim);
  put(c.actions, 4 * n * actionWidth);
  put(c.rewards, 4 * n);
  put(c.flags, n);
  at = align4(at);
  put(c.finalObs, 4 * c.finals * obsDim);
  return out;
}

/** Decode a block payload; throws with what is wrong when the sizes do not add up. */
export function decodeBlock(payload: Uint8Array, obsDim: number, actionKind: "discrete" | "box", actionWidth: number): TransitionColumns {
  if (payload.byteLength < BLOCK_HEADER_BYTES) throw new Error(`a block of ${payload.byteLength} bytes is shorter than its 12-byte header`);
  // One aligned copy: the payload sits at an arbitrary offset of the file's bytes.
  const bytes = new Uint8Array(payload);
  const view = new DataView(bytes.buffer);
  const kind = view.getUint8(0);
  if (kind !== BLOCK_KIND_TRANSITIONS) throw new Error(`unknown block kind ${kind}`);
  const n = view.getUint32(4, true);
  const finals = view.getUint32(8, true);
  const expected = blockBytes(n, finals, obsDim, actionWidth);
  if (expected !== bytes.byteLength) throw new Error(`a block of ${n} transitions and ${finals} final observations should be ${expected} bytes, not ${bytes.byteLength}`);
  let at = BLOCK_HEADER_BYTES;
  const take = <T>(make: (buf: ArrayBuffer, offset: number, length: number) => T, elements: number, size: number): T => {
    const v = make(bytes.buffer, at, elements);
    at += elements * size;
    return v;
  };
  const episodeIds = take((b, o, l) => new Uint32Array(b, o, l), n, 4);
  const obs = take((b, o, l) => new Float32Array(b, o, l), n * obsDim, 4);
  const actions = actionKind === "discrete" ? take((b, o, l) => new Uint32Array(b, o, l), n, 4) : take((b, o, l) => new Float32Array(b, o, l), n * actionWidth, 4);
  const rewards = take((b, o, l) => new Float32Array(b, o, l), n, 4);
  const flags = take((b, o, l) => new Uint8Array(b, o, l), n, 1);
  at = align4(at);
  const finalObs = take((b, o, l) => new Float32Array(b, o, l), finals * obsDim, 4);
  let ends = 0;
  for (let i = 0; i < n; i++) if (flags[i]! & (FLAG_TERMINATED | FLAG_TRUNCATED)) ends++;
  if (ends !== finals) throw new Error(`the block marks ${ends} episode ends but holds ${finals} final observations`);
  return { count: n, episodeIds, obs, actions, rewards, flags, finals, finalObs };
}
