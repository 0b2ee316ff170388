/**
 * The GBNF grammar the local model writes reward candidates under: the JSON of `candidatesSchema`,
 * with each component's `code` drawn from a small expression language over this env's transition
 * (its observation fields by name, the action, envReward, episodeStep, terminated/truncated) and
 * a handful of Math functions. Grammar-constrained decoding (as llama.cpp's GBNF provides) makes
 * every answer parse and name only real fields, so a small model's candidates fail, if at all, on
 * their numbers (Math.exp overflowing, at most: division is by positive constants only, and no
 * function outside the reals is offered) — which the sandbox still checks — never on syntax or a
 * misspelt field. Every sentence of the language is a JavaScript expression that check-code.ts
 * accepts; the unit tests hold the two together.
 *
 * Nesting is bounded (calls and conditionals take flat arguments) and so is every repetition, so
 * an answer has a bounded length and a model cannot talk past maxTokens inside one expression.
 */
import type { TransitionLayout } from "./sandbox.js";

/**
 * Functions a component may call with one argument, and with two. No sqrt or log: their domain is
 * not all the reals, and a NaN from a negative argument is a failure the grammar can rule out.
 */
export const UNARY_MATH = ["Math.abs", "Math.cos", "Math.sin", "Math.tanh", "Math.exp"] as const;
export const BINARY_MATH = ["Math.min", "Math.max"] as const;

/** Components per candidate the grammar allows (the schema allows up to 5; three keep answers short). */
export const MAX_GRAMMAR_COMPONENTS = 3;
/** Longest rationale, in characters. */
export const MAX_RATIONALE_CHARS = 120;

/** A GBNF string literal for `text`. */
function literal(text: string): string {
  return JSON.stringify(text);
}

function alternatives(texts: readonly string[]): string {
  return texts.map(literal).join(" | ");
}

/** The transition's numeric names as the language spells them. */
export function grammarOperands(layout: TransitionLayout): string[] {
  const action = layout.actionKind === "discrete" ? ["action"] : Array.from({ length: layout.actionSize }, (_, i) => `action[${i}]`);
  return [...layout.fields.flatMap((f) => [`nextObs.${f}`, `obs.${f}`]), ...action, "envReward", "episodeStep"];
}

/**
 * The grammar for exactly `count` candidates (root rule `root`). Its sentences are compact JSON:
 * `{"candidates": [{"components": [{"name": "upright", "code": "1 - Math.abs(nextObs.theta)"}], "rationale": "…"}]}`.
 */
export function rewardGrammar(count: number, layout: TransitionLayout): string {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (layout.fields.length === 0) throw new RangeError("the layout has no observation fields");
  const more = (rule: string, n: number) => (n > 0 ? ` ("," ws ${rule}){${n}}` : "");
  return [
    `root ::= "{" ws "\\"candidates\\":" ws "[" ws candidate${more("candidate", count - 1)} ws "]" ws "}"`,
    `candidate ::= "{" ws "\\"components\\":" ws "[" ws component ("," ws component){0,${MAX_GRAMMAR_COMPONENTS - 1}} ws "]" "," ws "\\"rationale\\":" ws rationale ws "}"`,
    `component ::= "{" ws "\\"name\\":" ws "\\"" name "\\"" "," ws "\\"code\\":" ws "\\"" expr "\\"" ws "}"`,
    `name ::= [a-z] [a-zA-Z0-9_]{0,23}`,
    // JSON string characters without escapes: no quote, backslash or control character.
    `rationale ::= "\\"" [^"\\\\\\x00-\\x1F]{1,${MAX_RATIONALE_CHARS}} "\\""`,
    // Level 0: sums of products of atoms that may be calls, conditionals or parenthesised flat sums.
    `expr ::= term (addop term){0,2}`,
    `term ::= factor (" * " factor | " / " divisor){0,1}`,
    `factor ::= "-"? atom`,
    `atom ::= number | operand | call | conditional | "(" flat ")"`,
    `call ::= unary "(" flat ")" | binary "(" flat ", " flat ")"`,
    `conditional ::= "(" predicate " ? " flat " : " flat ")"`,
    `predicate ::= "terminated" | "truncated" | "!terminated" | flat cmpop flat`,
    // Level 1 (arguments): the same without calls of calls or nested conditionals.
    `flat ::= fterm (addop fterm){0,2}`,
    `fterm ::= ffactor (" * " ffactor | " / " divisor){0,1}`,
    `ffactor ::= "-"? fatom`,
    `fatom ::= number | operand | unary "(" operand ")"`,
    `addop ::= " + " | " - "`,
    `cmpop ::= " > " | " < " | " >= " | " <= "`,
    `unary ::= ${alternatives(UNARY_MATH)}`,
    `binary ::= ${alternatives(BINARY_MATH)}`,
    `operand ::= ${alternatives(grammarOperands(layout))}`,
    `number ::= ("0" | [1-9] [0-9]{0,2}) ("." [0-9]{1,3})?`,
    // Division only by a positive constant (scaling by a known range): a divisor that can be 0 is how an expression becomes ±Infinity.
    `divisor ::= [1-9] [0-9]{0,2} ("." [0-9]{1,3})? | "0." [0-9]{0,2} [1-9]`,
    `ws ::= " "?`,
  ].join("\n");
}

/** What the prompt says of the language, so a capable model's intent and the grammar agree. */
export function grammarRules(): string {
  return `- code uses + - *, division by a positive number (x / 2.4), parentheses, (condition ? a : b) with > < >= <= or terminated/truncated, and ${[...UNARY_MATH, ...BINARY_MATH].join(", ")}; numbers are written plainly (0.5, not .5 or 5e-1).`;
}
