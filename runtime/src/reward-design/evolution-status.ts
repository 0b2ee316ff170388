/**
 * How a saved evolution (`evolution.json`) ended, as its readers should show it. The runtime writes
 * "running" while it works and the final status when it ends; a process that died first (window
 * reload, crash, kill -9) leaves "running" behind. Like a run's status.json, the file records its
 * writer (pid and start time), so a reader can tell a live evolution from an interrupted one.
 * Kept apart from evolve.ts so the extension can use it without bundling the trainer.
 */
import { join } from "node:path";
import { isProcessAlive, isWriterAlive } from "../runs/run-dir.js";
import type { WriterIdentity } from "../runs/process-identity.js";
import { STATE_DIR } from "../runs/run-id.js";

/** Where evolutions are saved, relative to the workspace root: `<root>/.rl-studio/evolutions/<id>/evolution.json`. */
export const EVOLUTIONS_DIR = join(STATE_DIR, "evolutions");

export interface EvolutionStatusFields {
  status: string;
  error?: string;
  /** The process that wrote the file while it ran. */
  pid?: number;
  writer?: WriterIdentity;
}

export const INTERRUPTED_ERROR = "interrupted: the process running it ended before it finished (window reload, crash or kill); the candidates trained until then are saved";

/** True when the evolution's writer still runs (its pid is alive and, when recorded, still has its start time). */
export function isEvolutionWriterAlive(e: EvolutionStatusFields, alive: (pid: number) => boolean = isProcessAlive): boolean {
  return e.pid !== undefined && isWriterAlive({ pid: e.pid, writer: e.writer }, alive);
}

/** `e` as it should be shown: a "running" evolution whose writer is gone is "cancelled", saying why. */
export function effectiveEvolution<T extends EvolutionStatusFields>(e: T, alive: (pid: number) => boolean = isProcessAlive): T {
  if (e.status !== "running" || isEvolutionWriterAlive(e, alive)) return e;
  return { ...e, status: "cancelled", error: INTERRUPTED_ERROR };
}
