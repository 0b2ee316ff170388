/**
 * Running the experiment's sub-goal predicates (user code, in the trainer, like `reward`), with
 * errors that name the sub-goal and, where the stack or the source shows it, file:line:
 * a predicate that throws, returns anything but a boolean, or reads an observation field the env
 * does not have (`obs.angle` on CartPole is undefined in plain JavaScript, and `undefined > 0` is
 * silently false: here it is an error, with "did you mean").
 */
import { basename } from "node:path";
import { closestMatch } from "../experiment/suggest.js";
import { formatValue } from "../experiment/validate.js";
import type { SourceLocation } from "../experiment/reward-shaper.js";
import type { Subgoal } from "../api.js";

export class SubgoalError extends Error {
  override name = "SubgoalError";
  /** Total env steps so far, set by the training loop. */
  globalStep?: number;
  file?: string;
  line?: number;
  column?: number;
  constructor(
    /** The sub-goal at fault. */
    readonly subgoal: string,
    /** What is wrong, without the location prefix. */
    readonly detail: string,
    source?: SourceLocation,
    options?: { cause?: unknown },
  ) {
    super(`sub-goal "${subgoal}"${source ? ` (${basename(source.file)}:${source.line}:${source.column})` : ""}: ${detail}`, options);
    if (source) {
      this.file = source.file;
      this.line = source.line;
      this.column = source.column;
    }
  }
}

/** Thrown from inside a predicate when it reads a field the observation does not have. */
class UnknownFieldRead extends Error {
  constructor(readonly field: string) {
    super(field);
  }
}

/** Keys JavaScript itself may ask an object for (inspection, coercion, promises): not field reads. */
const LANGUAGE_KEYS = new Set(["toJSON", "then", "constructor", "valueOf", "toString", "toLocaleString", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "__proto__"]);

export interface PredicateRunnerOptions {
  /** Maps an error thrown inside a predicate to its place in the experiment's source. */
  locate?: (err: unknown) => SourceLocation | undefined;
  /** Where each sub-goal is written (for errors without a stack: a non-boolean result). */
  places?: readonly (SourceLocation | undefined)[];
  /** The env id, for messages. */
  envId: string;
}

/**
 * Evaluates sub-goal predicates on observations given as numbers in the env's field order. One
 * guarded, frozen `obs` record per state; reading a missing field throws from inside the
 * predicate, so the stack points at the line that read it.
 */
export class PredicateRunner {
  private readonly values: Float64Array;
  private readonly obs: Record<string, number>;
  private readonly args: { obs: Record<string, number> };

  constructor(
    readonly subgoals: readonly Pick<Subgoal, "name" | "achieved">[],
    readonly fields: readonly string[],
    private readonly options: PredicateRunnerOptions,
  ) {
    this.values = new Float64Array(fields.length);
    const target: Record<string, number> = Object.create(null) as Record<string, number>;
    const values = this.values;
    fields.forEach((f, k) => Object.defineProperty(target, f, { get: () => values[k]!, enumerable: true }));
    Object.freeze(target);
    this.obs = new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === "string" && !(key in t) && !LANGUAGE_KEYS.has(key)) throw new UnknownFieldRead(key);
        return Reflect.get(t, key, receiver);
      },
    });
    this.args = Object.freeze({ obs: this.obs });
  }

  /** Set the state the predicates read (numbers in the env's field order). */
  setState(values: ArrayLike<number>, offset = 0): void {
    for (let k = 0; k < this.values.length; k++) this.values[k] = values[offset + k]!;
  }

  /** Does sub-goal k hold in the current state? Throws a SubgoalError when the predicate misbehaves. */
  holds(k: number): boolean {
    const sg = this.subgoals[k]!;
    let out: unknown;
    try {
      out = sg.achieved(this.args as never);
    } catch (err) {
      const where = this.options.locate?.(err) ?? this.options.places?.[k];
      if (err instanceof UnknownFieldRead) {
        const suggestion = closestMatch(err.field, this.fields);
        throw new SubgoalError(
          sg.name,
          `reads obs.${err.field}, which ${this.options.envId} does not have${suggestion ? `: did you mean obs.${suggestion}?` : ""} (fields: ${this.fields.join(", ")})`,
          where,
        );
      }
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new SubgoalError(sg.name, `achieved threw ${message}`, where, { cause: err });
    }
    if (typeof out !== "boolean") {
      throw new SubgoalError(
        sg.name,
        `achieved returned ${formatValue(out)} (${out === null ? "null" : typeof out}); it must return true or false, e.g. ({ obs }) => obs.${this.fields[0] ?? "x"} > 0`,
        this.options.places?.[k],
      );
    }
    return out;
  }

  /** A `SubgoalTest` for the current state. */
  readonly test = (k: number): boolean => this.holds(k);
}

/**
 * Where sub-goal `name` is written in the experiment's source: its `name: "…"` property (1-based).
 * A textual scan, like resolve.ts's findField: enough to put the cursor on it.
 */
export function findSubgoalPlace(text: string, file: string, name: string): SourceLocation | undefined {
  const quoted = JSON.stringify(name).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`name\\s*:\\s*(["'\`])${quoted}\\1`).exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  return { file, line: before.split("\n").length, column: m.index - before.lastIndexOf("\n") };
}
