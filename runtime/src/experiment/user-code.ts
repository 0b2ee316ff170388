/**
 * A heartbeat around every call into the experiment's own code (module evaluation, the reward
 * function, a custom env's constructor, reset and step), so that the thread that owns a run can
 * tell "the trainer is inside user code and has not come back for N ms" — an endless loop that no
 * AbortSignal can interrupt — and terminate the worker thread the trainer runs in
 * (runs/trainer-host.ts). Nothing else can stop a synchronous JavaScript loop.
 *
 * The beat is two int32 slots of a SharedArrayBuffer the owner reads: which kind of user code
 * runs now (0: none) and a counter bumped on every entry and exit. Entering costs two plain stores
 * and no allocation, so wrapping a per-step reward does not slow training measurably (bench/cli.ts).
 * In a thread with no heartbeat installed (tests calling the trainer directly, the reward-design
 * worker) the calls are plain calls.
 */

/** What the trainer is running; the owner's timeout message names it ("reward did not return within 5000 ms"). */
export const USER_CODE = {
  none: 0,
  moduleEvaluation: 1,
  reward: 2,
  envStep: 3,
  envReset: 4,
  envConstructor: 5,
} as const;

export type UserCodeKind = (typeof USER_CODE)[keyof typeof USER_CODE];

const LABELS: Record<UserCodeKind, string> = {
  0: "training",
  1: "experiment module evaluation",
  2: "reward",
  3: "env step",
  4: "env reset",
  5: "env constructor",
};

export function userCodeLabel(kind: number): string {
  return LABELS[kind as UserCodeKind] ?? `user code (${kind})`;
}

/** Slot indices in the heartbeat's Int32Array. */
export const BEAT_KIND = 0;
export const BEAT_SEQ = 1;
/** Int32 slots a heartbeat buffer needs (the rest of the buffer is the owner's: see trainer-host.ts). */
export const BEAT_SLOTS = 2;

let beat: Int32Array | null = null;

/** Install the heartbeat of this thread (the trainer worker does, once, before any user code runs). */
export function installUserCodeHeartbeat(buffer: SharedArrayBuffer): void {
  beat = new Int32Array(buffer, 0, BEAT_SLOTS);
}

/**
 * Mark the start of a call into user code; pass the result to `leaveUserCode` in a `finally`.
 * Calls nest (a custom env constructed during module evaluation): leaving restores the outer kind.
 */
export function enterUserCode(kind: UserCodeKind): number {
  const b = beat;
  if (b === null) return 0;
  const outer = b[BEAT_KIND]!;
  b[BEAT_KIND] = kind;
  b[BEAT_SEQ] = (b[BEAT_SEQ]! + 1) | 0;
  return outer;
}

export function leaveUserCode(outer: number): void {
  const b = beat;
  if (b === null) return;
  b[BEAT_KIND] = outer;
  b[BEAT_SEQ] = (b[BEAT_SEQ]! + 1) | 0;
}

/** `f()` as user code of `kind`. For hot paths, call enter/leave directly (no closure). */
export function runUserCode<T>(kind: UserCodeKind, f: () => T): T {
  const outer = enterUserCode(kind);
  try {
    return f();
  } finally {
    leaveUserCode(outer);
  }
}

/**
 * The owner's side: samples the heartbeat and says when one call into user code has lasted
 * `timeoutMs` or more. Pure apart from the clock it is given.
 */
export class UserCodeWatch {
  private lastSeq = 0;
  private since = 0;

  constructor(
    private readonly beatView: Int32Array,
    readonly timeoutMs: number,
  ) {}

  /** The kind of the user code that has run for `timeoutMs` without returning, or null. */
  check(nowMs: number): { kind: number; elapsedMs: number } | null {
    const kind = Atomics.load(this.beatView, BEAT_KIND);
    const seq = Atomics.load(this.beatView, BEAT_SEQ);
    if (kind === USER_CODE.none || seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.since = nowMs;
      return null;
    }
    const elapsedMs = nowMs - this.since;
    return elapsedMs >= this.timeoutMs ? { kind, elapsedMs } : null;
  }

  /** What runs right now, for messages ("stuck in reward for 800 ms"). */
  current(nowMs: number): { kind: number; elapsedMs: number } {
    const kind = Atomics.load(this.beatView, BEAT_KIND);
    return { kind, elapsedMs: kind === USER_CODE.none ? 0 : nowMs - this.since };
  }
}
