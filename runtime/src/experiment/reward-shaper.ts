/**
 * Applies an experiment's `reward` function to every transition of a vector env, and keeps the
 * per-episode sum of each named component so the runtime can log `reward/<name>` (the measured
 * contribution of each component, as Eureka's reward reflection uses).
 *
 * A reward that throws, or returns anything but a finite number (or a record of finite numbers),
 * stops training with a `RewardError` that names the component and the step.
 */
import type { RewardFunction, Transition } from "../api.js";
import type { EnvSpec } from "../envs/types.js";
import { basename } from "node:path";
import { formatValue } from "./validate.js";
import type { SourceLocation } from "./compile.js";
import { enterUserCode, leaveUserCode, USER_CODE } from "./user-code.js";

export type { SourceLocation } from "./compile.js";

export interface RewardShaperOptions {
  /**
   * Maps an error thrown by the reward function to its place in the experiment's source, e.g.
   * `(err) => locateError(err, experiment.source.bundle, experiment.source.path)`.
   */
  locate?: (err: unknown) => SourceLocation | undefined;
}

/** The component name of a reward function that returns a bare number. */
export const BARE_REWARD_COMPONENT = "reward";

export class RewardError extends Error {
  override name = "RewardError";
  /** Step index inside the episode (from 0) of the transition being shaped. */
  episodeStep: number;
  /** Total env steps so far in the run; set by the training loop, which knows it. */
  globalStep?: number;
  /** The component at fault, when the function returned a record. */
  component?: string;
  /** Index of the env in the vector env. */
  envIndex: number;
  /** Where in the experiment's source the reward threw, when it threw and the stack leads there (1-based). */
  file?: string;
  line?: number;
  column?: number;
  /** What is wrong, without the step prefix. */
  readonly detail: string;

  constructor(
    detail: string,
    at: { envIndex: number; episodeStep: number; component?: string; source?: SourceLocation },
    options?: { cause?: unknown },
  ) {
    const where = at.source ? ` (${basename(at.source.file)}:${at.source.line}:${at.source.column})` : "";
    super(`reward function failed at episode step ${at.episodeStep} of env ${at.envIndex}${where}: ${detail}`, options);
    this.detail = detail;
    this.envIndex = at.envIndex;
    this.episodeStep = at.episodeStep;
    if (at.component !== undefined) this.component = at.component;
    if (at.source) {
      this.file = at.source.file;
      this.line = at.source.line;
      this.column = at.source.column;
    }
  }
}

export class RewardShaper {
  /** Component names in the order first seen. */
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  /** sums[envIndex][componentIndex]: the running episode's sum of each component. */
  private readonly sums: number[][];
  private readonly fieldNames: readonly string[];

  constructor(
    private readonly fn: RewardFunction,
    private readonly spec: EnvSpec,
    readonly numEnvs: number,
    private readonly options: RewardShaperOptions = {},
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`RewardShaper: numEnvs must be a positive integer, got ${numEnvs}`);
    this.fieldNames = spec.observationFields.map((f) => f.name);
    this.sums = Array.from({ length: numEnvs }, () => []);
  }

  /** Component names seen so far ("reward" for a bare-number reward). */
  get componentNames(): string[] {
    return this.names;
  }

  /**
   * The shaped reward for env `envIndex`'s transition. Throws a `RewardError` when the function
   * throws or a value is not a finite number, naming the component and the episode step.
   */
  shape(
    envIndex: number,
    obs: Float32Array,
    action: number | Float32Array,
    nextObs: Float32Array,
    envReward: number,
    terminated: boolean,
    truncated: boolean,
    episodeStep: number,
  ): number {
    const transition: Transition = {
      obs: this.record(obs),
      action: typeof action === "number" ? action : Array.from(action),
      nextObs: this.record(nextObs),
      envReward,
      terminated,
      truncated,
      episodeStep,
    };
    let out: unknown;
    // User code: the heartbeat lets the run's owner stop an endless loop here (user-code.ts).
    const outer = enterUserCode(USER_CODE.reward);
    try {
      out = this.fn(transition);
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const source = this.options.locate?.(err);
      throw new RewardError(`it threw ${message}`, { envIndex, episodeStep, ...(source ? { source } : {}) }, { cause: err });
    } finally {
      leaveUserCode(outer);
    }
    const sums = this.sums[envIndex];
    if (!sums) throw new RangeError(`RewardShaper.shape: envIndex ${envIndex} is outside 0…${this.numEnvs - 1}`);

    if (typeof out === "number") {
      if (!Number.isFinite(out)) {
        throw new RewardError(`it returned ${formatValue(out)}${this.nanHint(out)}; a reward must be a finite number`, {
          envIndex,
          episodeStep,
          component: BARE_REWARD_COMPONENT,
        });
      }
      this.add(sums, BARE_REWARD_COMPONENT, out);
      return out;
    }
    if (out === null || typeof out !== "object" || Array.isArray(out)) {
      throw new RewardError(`it returned ${formatValue(out)}; it must return a number or a record of named numbers such as { alive: 1, upright: 0.5 }`, {
        envIndex,
        episodeStep,
      });
    }
    const components = out as Record<string, unknown>;
    let total = 0;
    // Check every component before accumulating any, so a failed step leaves the sums as they were.
    for (const name in components) {
      const v = components[name];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RewardError(
          `component "${name}" = ${formatValue(v)}${typeof v === "number" ? this.nanHint(v) : ""}; every component must be a finite number`,
          { envIndex, episodeStep, component: name },
        );
      }
      total += v;
    }
    for (const name in components) this.add(sums, name, components[name] as number);
    return total;
  }

  /** Per-episode sums of each component for env `envIndex` since its last episode end; resets them. */
  takeEpisodeSums(envIndex: number): Record<string, number> {
    const sums = this.sums[envIndex];
    if (!sums) throw new RangeError(`RewardShaper.takeEpisodeSums: envIndex ${envIndex} is outside 0…${this.numEnvs - 1}`);
    const out: Record<string, number> = {};
    for (let k = 0; k < this.names.length; k++) {
      out[this.names[k]!] = sums[k] ?? 0;
      sums[k] = 0;
    }
    return out;
  }

  /** Observations as records named by the env's fields. A fresh object per call: the user may keep it. */
  private record(values: Float32Array): Record<string, number> {
    const r: Record<string, number> = {};
    const names = this.fieldNames;
    for (let k = 0; k < names.length; k++) r[names[k]!] = values[k]!;
    return r;
  }

  private add(sums: number[], name: string, value: number): void {
    let k = this.index.get(name);
    if (k === undefined) {
      k = this.names.length;
      this.names.push(name);
      this.index.set(name, k);
    }
    sums[k] = (sums[k] ?? 0) + value;
  }

  /** A NaN usually means a misspelt observation field (`nextObs.angle` is undefined): say which exist. */
  private nanHint(v: number): string {
    return Number.isNaN(v) ? ` (reading a field the observation does not have gives NaN; ${this.spec.id} has ${this.fieldNames.join(", ")})` : "";
  }
}
