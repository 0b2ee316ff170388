/**
 * What Train and Resume ask the runtime, from the settings that shape a run (`rlStudio.backend`,
 * `rlStudio.training.userCodeTimeoutMs`). Pure: the settings come in already read (config.ts), so
 * the requests are unit-tested.
 */
import { DEFAULT_USER_CODE_TIMEOUT_MS, type BackendName, type ResumeParams, type TrainParams } from "../../protocol/src/runtime.js";

/** The settings a Train or Resume request carries. */
export interface RunSettings {
  backend: BackendName | "auto";
  /** `rlStudio.training.userCodeTimeoutMs`, checked by `userCodeTimeoutMs`. */
  userCodeTimeoutMs: number;
}

export const USER_CODE_TIMEOUT_SETTING = "rlStudio.training.userCodeTimeoutMs";
/** Below this a reward that allocates or a first env reset can trip the limit on a loaded machine: the setting's `minimum`. */
export const MIN_USER_CODE_TIMEOUT_MS = 100;
export { DEFAULT_USER_CODE_TIMEOUT_MS };

/**
 * The setting's value as a limit in ms: the default when unset; an error naming the setting and
 * the value when it is not a number ≥ `MIN_USER_CODE_TIMEOUT_MS` (settings.json is edited by hand:
 * a wrong value must not silently become another limit).
 */
export function userCodeTimeoutMs(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_USER_CODE_TIMEOUT_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value < MIN_USER_CODE_TIMEOUT_MS) {
    throw new Error(`the setting ${USER_CODE_TIMEOUT_SETTING} must be a number of milliseconds ≥ ${MIN_USER_CODE_TIMEOUT_MS} (default ${DEFAULT_USER_CODE_TIMEOUT_MS}), not ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

export function trainParams(experimentPath: string, runsRoot: string, settings: RunSettings): TrainParams {
  return { experimentPath, runsRoot, backend: settings.backend, userCodeTimeoutMs: settings.userCodeTimeoutMs };
}

/** `force`: the user answered "Resume Anyway" to a `RESUME_NEEDS_FORCE` refusal. */
export function resumeParams(runDir: string, settings: RunSettings, force = false): ResumeParams {
  return { runDir, backend: settings.backend, userCodeTimeoutMs: settings.userCodeTimeoutMs, ...(force ? { force: true } : {}) };
}
