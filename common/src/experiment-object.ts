/**
 * The experiment object of an `*.rl.ts` file, read lexically: its top-level properties, and the
 * one rule every part of RL Studio uses to find the `reward` property (the runtime's prompts and
 * Apply, the editor's ghost text and Apply Evolved Reward, the language server's reward checks).
 *
 * Lexical on purpose: it must answer for the text being typed (unsaved, often not parseable), in
 * bundles that do not load TypeScript (the extension host), and on input that overflows a
 * recursive-descent parser (thousands of nested brackets): one pass over the text with an explicit
 * bracket stack, linear in its length, never recursive. It skips comments, strings, template
 * literals (following `${…}` nesting) and regular-expression literals, and follows bracket depth,
 * which is all a property's extent needs.
 *
 * Pure: no imports, no I/O. Offsets are UTF-16 offsets into the text, spans half-open [start, end).
 */

export interface Span {
  start: number;
  end: number;
}

/** A significant token: an identifier or number (`ch` is its text), a string or template (`ch` is its opening quote), or one punctuation character. */
interface Token {
  at: number;
  ch: string;
  end: number;
}

const IDENT_CHAR = /[A-Za-z0-9_$]/;
const SPACE = /\s/;

/** `[A-Za-z0-9_$]`, by character code (the scanner's hot loop runs once per character). */
function isIdentCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** White space as `\s` has it, by character code: ASCII directly, the rest through the regex. */
function isSpaceCode(c: number, text: string, i: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  return c > 127 && SPACE.test(text[i]!);
}
/** Keywords after which `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);
/** Tokens after which `/` is a division: the end of an operand. */
const OPERAND_END = new Set([")", "]"]);

function isOperandEnd(t: Token | undefined): boolean {
  if (!t) return false;
  if (t.ch === '"' || t.ch === "'" || t.ch === "`" || t.ch === "/") return true;
  if (OPERAND_END.has(t.ch)) return true;
  return IDENT_CHAR.test(t.ch[0] ?? "") && !REGEX_AFTER_WORD.has(t.ch);
}

/** The significant tokens of `text`, in order (whitespace and comments dropped). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  /** Brace depth at each open `${` of a template literal, to know which `}` resumes the template. */
  const templateStack: number[] = [];
  let braceDepth = 0;
  /** From just after a backtick or a substitution's `}`: the offset after the closing backtick, or -(offset after `${`). */
  const readTemplate = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = text[j];
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && text[j + 1] === "{") {
        templateStack.push(braceDepth);
        braceDepth++;
        return -(j + 2);
      } else j++;
    }
    return n;
  };
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (isSpaceCode(code, text, i)) {
      i++;
      continue;
    }
    if (isIdentCode(code)) {
      let j = i + 1;
      while (j < n && isIdentCode(text.charCodeAt(j))) j++;
      tokens.push({ at: i, ch: text.slice(i, j), end: j });
      i = j;
      continue;
    }
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      const end = Math.min(n, j + 1);
      tokens.push({ at: i, ch: c, end });
      i = end;
      continue;
    }
    if (c === "`" || (c === "}" && templateStack.length > 0 && braceDepth - 1 === templateStack[templateStack.length - 1])) {
      if (c === "}") {
        // The end of a `${…}` substitution: the template literal goes on.
        templateStack.pop();
        braceDepth--;
      }
      const r = readTemplate(i + 1);
      const end = r < 0 ? -r : r;
      tokens.push({ at: i, ch: "`", end });
      i = end;
      continue;
    }
    if (c === "/" && !isOperandEnd(tokens[tokens.length - 1])) {
      // A regular-expression literal (ECMA-262 §12.9.5): to the next unescaped `/` outside a class, on this line.
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n" && (inClass || text[j] !== "/")) {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j++;
      }
      if (j < n && text[j] === "/") {
        j++;
        while (j < n && isIdentCode(text.charCodeAt(j))) j++;
        tokens.push({ at: i, ch: "/", end: j });
        i = j;
        continue;
      }
      // Not closed on its line: a lone `/` after all.
    }
    if (c === "{") braceDepth++;
    else if (c === "}") braceDepth--;
    tokens.push({ at: i, ch: c, end: i + 1 });
    i++;
  }
  return tokens;
}

const OPEN = new Set(["{", "(", "["]);
const CLOSE = new Set(["}", ")", "]"]);

function isQuote(t: Token): boolean {
  return t.ch === '"' || t.ch === "'";
}

/** A property key's name: an identifier, or a quoted string. */
function keyName(t: Token, text: string): string | null {
  if (isQuote(t)) return stringValue(t, text).value;
  return /[A-Za-z_$]/.test(t.ch[0] ?? "") ? t.ch : null;
}

/** A string literal value as written: its text, the whole literal and the text between the quotes. */
export interface StringValue {
  value: string;
  span: Span;
  /** Between the quotes (where a replacement goes); up to the end of the line when unterminated. */
  contentSpan: Span;
}

/** A key of an object literal written as a property's value (e.g. `hyperparameters: { gamma: 0.99 }`). */
export interface NestedKey {
  name: string;
  keySpan: Span;
  /** The value's tokens, without the trailing comma; empty at the end of the key when none is written. */
  valueSpan: Span;
}

export interface ScannedProperty {
  name: string;
  /** `key: value`, `key(…) { … }` (a method), or `key` alone (shorthand). */
  kind: "value" | "method" | "shorthand";
  /** Offset of the key. */
  keyStart: number;
  keyEnd: number;
  /** Offset just after the `:` (value properties); the key's end otherwise. */
  colon: number;
  /** 0-based offsets of the whole property (`reward: …`), without a trailing comma or comments. */
  start: number;
  end: number;
  /** True when nothing is written after `key:` yet (the user is about to write a value). */
  empty: boolean;
  /** The value's tokens (a method's parameters and body); empty at `colon` when none is written, or for a shorthand. */
  valueSpan: Span;
  /** The value, when it is one string literal. */
  string?: StringValue;
  /** The value's own keys, when it is an object literal. */
  objectKeys?: NestedKey[];
}

export interface ExperimentObject {
  /** Offset of `defineExperiment` when the object is its argument, else null. */
  callStart: number | null;
  /** From `{` to after `}` (to the end of the text when unclosed). */
  span: Span;
  closed: boolean;
  /** Top-level properties in source order (a repeated name appears twice; the last one wins at run time). */
  properties: ScannedProperty[];
  /** Where a new property goes: after the last property (before its trailing comma), or just after `{`; null when unclosed. */
  insertAt: number | null;
}

interface ObjectLiteral {
  /** Token index of `{` and of its closing `}` (null: unclosed). */
  open: number;
  close: number | null;
  /** Token indices of top-level keys, in order, with their kind. */
  keys: { index: number; kind: ScannedProperty["kind"] }[];
}

/** Every `{ … }` in the text with its top-level keys, in order of their opening brace. */
function objectLiterals(tokens: Token[], text: string): ObjectLiteral[] {
  const stack: (ObjectLiteral | null)[] = [];
  const objects: ObjectLiteral[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (OPEN.has(t.ch)) {
      const obj = t.ch === "{" ? { open: k, close: null, keys: [] } : null;
      if (obj) objects.push(obj);
      stack.push(obj);
      continue;
    }
    if (CLOSE.has(t.ch)) {
      const top = stack.pop();
      if (top) top.close = k;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) continue;
    const prev = tokens[k - 1]!;
    if (prev.ch !== "{" && prev.ch !== ",") continue;
    if (keyName(t, text) === null) continue;
    const next = tokens[k + 1]?.ch;
    if (next === ":") top.keys.push({ index: k, kind: "value" });
    else if (next === "(" && !isQuote(t)) top.keys.push({ index: k, kind: "method" });
    else if ((next === "," || next === "}") && !isQuote(t)) top.keys.push({ index: k, kind: "shorthand" });
  }
  return objects;
}

/** The index of the last token of a property value starting at `from`: up to a `,` or a closing bracket at depth 0. */
function valueEnd(tokens: Token[], from: number): number {
  let depth = 0;
  let last = from - 1;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (OPEN.has(t.ch)) depth++;
    else if (CLOSE.has(t.ch)) {
      if (depth === 0) break;
      depth--;
    } else if (t.ch === "," && depth === 0) break;
    last = k;
  }
  return last;
}

function stringValue(t: Token, text: string): StringValue {
  const closed = t.end - 1 > t.at && text[t.end - 1] === text[t.at];
  const contentEnd = closed ? t.end - 1 : t.end;
  return { value: text.slice(t.at + 1, contentEnd), span: { start: t.at, end: t.end }, contentSpan: { start: t.at + 1, end: contentEnd } };
}

/** True when the token after `valueStart` begins the next `key:` (so `key:` has no value yet). */
function startsNextKey(tokens: Token[], k: number, text: string): boolean {
  const t = tokens[k];
  return t !== undefined && keyName(t, text) !== null && tokens[k + 1]?.ch === ":";
}

function nestedKeys(tokens: Token[], obj: ObjectLiteral, text: string): NestedKey[] {
  return obj.keys
    .filter((key) => key.kind === "value")
    .map(({ index }) => {
      const t = tokens[index]!;
      const colon = tokens[index + 1]!;
      const first = index + 2;
      const empty = tokens[first] === undefined || tokens[first]!.ch === "," || tokens[first]!.ch === "}" || startsNextKey(tokens, first, text);
      const last = empty ? first - 1 : valueEnd(tokens, first);
      return {
        name: keyName(t, text)!,
        keySpan: { start: t.at, end: t.end },
        valueSpan: empty ? { start: colon.end, end: colon.end } : { start: tokens[first]!.at, end: tokens[last]!.end },
      };
    });
}

function scannedProperty(tokens: Token[], objects: ObjectLiteral[], key: ObjectLiteral["keys"][number], text: string): ScannedProperty {
  const t = tokens[key.index]!;
  const name = keyName(t, text)!;
  const base = { name, kind: key.kind, keyStart: t.at, keyEnd: t.end, start: t.at };
  if (key.kind === "shorthand") return { ...base, colon: t.end, end: t.end, empty: false, valueSpan: { start: t.end, end: t.end } };
  if (key.kind === "method") {
    const last = valueEnd(tokens, key.index + 1);
    return { ...base, colon: t.end, end: tokens[last]!.end, empty: false, valueSpan: { start: tokens[key.index + 1]!.at, end: tokens[last]!.end } };
  }
  const colon = tokens[key.index + 1]!.end;
  const first = key.index + 2;
  const firstToken = tokens[first];
  // Nothing, a comma, the end of the object or the next `key:` after the colon: no value written yet.
  if (firstToken === undefined || firstToken.ch === "," || firstToken.ch === "}" || startsNextKey(tokens, first, text)) {
    return { ...base, colon, end: colon, empty: true, valueSpan: { start: colon, end: colon } };
  }
  const last = valueEnd(tokens, first);
  const end = tokens[last]!.end;
  const property: ScannedProperty = { ...base, colon, end, empty: false, valueSpan: { start: firstToken.at, end } };
  if (last === first && (isQuote(firstToken) || (firstToken.ch === "`" && !text.slice(firstToken.at, firstToken.end).includes("${")))) {
    property.string = stringValue(firstToken, text);
  }
  if (firstToken.ch === "{") {
    const inner = objects.find((o) => o.open === first);
    if (inner && inner.close === last) property.objectKeys = nestedKeys(tokens, inner, text);
  }
  return property;
}

/**
 * The experiment object: the object literal passed to `defineExperiment(…)`, else the first object
 * literal with a top-level `env` key (an experiment written as a plain object); null when neither.
 */
export function scanExperimentObject(text: string): ExperimentObject | null {
  const tokens = tokenize(text);
  const objects = objectLiterals(tokens, text);
  let callStart: number | null = null;
  let chosen: ObjectLiteral | undefined;
  for (let k = 0; k + 2 < tokens.length; k++) {
    if (tokens[k]!.ch === "defineExperiment" && tokens[k + 1]!.ch === "(" && tokens[k + 2]!.ch === "{") {
      chosen = objects.find((o) => o.open === k + 2);
      callStart = tokens[k]!.at;
      break;
    }
  }
  chosen ??= objects.find((o) => o.keys.some((key) => keyName(tokens[key.index]!, text) === "env"));
  if (!chosen) return null;
  const open = tokens[chosen.open]!;
  const close = chosen.close === null ? null : tokens[chosen.close]!;
  let insertAt: number | null = null;
  if (chosen.close !== null) {
    let last = chosen.close - 1;
    if (tokens[last]?.ch === ",") last--;
    insertAt = last > chosen.open ? tokens[last]!.end : open.end;
  }
  return {
    callStart,
    span: { start: open.at, end: close ? close.end : text.length },
    closed: close !== null,
    properties: chosen.keys.map((key) => scannedProperty(tokens, objects, key, text)),
    insertAt,
  };
}

/** The experiment's `reward` property, or where one would go. */
export interface RewardLocation {
  /** The reward property (the last one written: it is the one that runs), or null when the experiment object has none. */
  property: ScannedProperty | null;
  /** What accepting a candidate replaces: the property, or (start = end) the insertion point after the last property. */
  range: Span;
}

/**
 * The one reward-property finder: the `reward` property of the experiment object
 * (`scanExperimentObject`), or the insertion point for one; null when the text has no experiment
 * object, or it has no reward and is not closed (nowhere sensible to insert one).
 */
export function findRewardProperty(text: string): RewardLocation | null {
  const experiment = scanExperimentObject(text);
  if (!experiment) return null;
  const property = experiment.properties.filter((p) => p.name === "reward").at(-1);
  if (property) return { property, range: { start: property.start, end: property.end } };
  if (experiment.insertAt === null) return null;
  return { property: null, range: { start: experiment.insertAt, end: experiment.insertAt } };
}
