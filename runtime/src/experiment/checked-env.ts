/**
 * The boundary between the trainer and a custom env written in an experiment file. Every
 * `reset()` and `step()` result is checked for shape and finiteness as it crosses (the checks of
 * envs/checker.ts, cheap enough for every step), and a problem is reported as the env's, naming
 * the method, the field and the line in the user's file:
 *
 *   GoToTarget.step(): obs.velocity = NaN (observation field 1 of 2): every observation value must
 *   be a finite number (grid.rl.ts:23:3)
 *
 * rather than as a crash inside the runtime ("Cannot read properties of undefined … at
 * TimeLimit.step (cli.js)") or as a NaN reward blamed on the reward function. Each call also beats
 * the user-code heartbeat (user-code.ts), so an endless loop in the env can be stopped.
 */
import { basename } from "node:path";
import type { Action, Env, ResetResult, StepResult } from "../envs/types.js";
import { EnvWrapper } from "../envs/wrapper.js";
import { resetResultProblem, stepResultProblem } from "../envs/checker.js";
import type { SourceLocation } from "./compile.js";
import { enterUserCode, leaveUserCode, USER_CODE, type UserCodeKind } from "./user-code.js";

/** A custom env broke its contract: returned a malformed result, or threw. */
export class EnvError extends Error {
  override name = "EnvError";
  /** "step", "reset" or "constructor". */
  readonly method: string;
  /** The result field at fault ("obs.velocity", "reward", "terminated"…), when a value was wrong. */
  readonly field?: string;
  file?: string;
  line?: number;
  column?: number;
  /** What is wrong, without the location suffix. */
  readonly detail: string;

  constructor(detail: string, at: { method: string; field?: string; source?: SourceLocation }, options?: { cause?: unknown }) {
    const where = at.source ? ` (${basename(at.source.file)}:${at.source.line}:${at.source.column})` : "";
    super(`${detail}${where}`, options);
    this.detail = detail;
    this.method = at.method;
    if (at.field !== undefined) this.field = at.field;
    if (at.source) {
      this.file = at.source.file;
      this.line = at.source.line;
      this.column = at.source.column;
    }
  }
}

/** How to find things in the experiment's source (compile.ts's locateError / locateFunction bound to the bundle). */
export interface EnvSourceMap {
  /** Where an error thrown by user code was raised. */
  locateError(err: unknown): SourceLocation | undefined;
  /** Where a function (a method of the env) is written. */
  locateFunction(fn: unknown): SourceLocation | undefined;
}

/** The field a problem message names first ("obs.velocity = NaN …" → "obs.velocity"). */
function fieldOf(problem: string): string | undefined {
  return /^(obs(?:\.[\w$]+)?|reward|terminated|truncated|info)\b/.exec(problem)?.[1];
}

export class CheckedEnv<A extends Action = Action> extends EnvWrapper<A> {
  private readonly fieldNames: readonly string[];
  private readonly size: number;

  constructor(
    /** The user's env instance. */
    env: Env<A>,
    /** "GoToTarget" (the class name) or "custom env". */
    readonly label: string,
    private readonly source: EnvSourceMap,
  ) {
    super(env);
    this.size = env.observationSpace.size;
    this.fieldNames = env.spec.observationFields.map((f) => f.name);
  }

  reset(options?: { seed?: number }): ResetResult {
    const r = this.call(USER_CODE.envReset, "reset", () => this.env.reset(options));
    const problem = resetResultProblem(r, this.size, this.fieldNames);
    if (problem) throw this.malformed("reset", problem);
    const result = r as ResetResult;
    return result.info === undefined ? { obs: result.obs, info: {} } : result;
  }

  step(action: A): StepResult {
    const r = this.call(USER_CODE.envStep, "step", () => this.env.step(action));
    const problem = stepResultProblem(r, this.size, this.fieldNames);
    if (problem) throw this.malformed("step", problem);
    const result = r as StepResult;
    return result.info === undefined ? { ...result, info: {} } : result;
  }

  /** One call into the user's env, beating the heartbeat; a throw becomes an `EnvError` at the line that threw. */
  private call(kind: UserCodeKind, method: string, f: () => unknown): unknown {
    const outer = enterUserCode(kind);
    try {
      return f();
    } catch (err) {
      throw this.threw(method, err);
    } finally {
      leaveUserCode(outer);
    }
  }

  private threw(method: string, err: unknown): EnvError {
    if (err instanceof EnvError) return err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const at = this.source.locateError(err) ?? this.methodSource(method);
    return new EnvError(`${this.label}.${method}() threw ${message}`, { method, ...(at ? { source: at } : {}) }, { cause: err });
  }

  private malformed(method: string, problem: string): EnvError {
    const field = fieldOf(problem);
    const at = this.methodSource(method);
    return new EnvError(`${this.label}.${method}(): ${problem}`, { method, ...(field ? { field } : {}), ...(at ? { source: at } : {}) });
  }

  /** Where the method is written: the env's own, found through its prototype chain. */
  private methodSource(method: string): SourceLocation | undefined {
    return this.source.locateFunction((this.env as unknown as Record<string, unknown>)[method]);
  }
}
