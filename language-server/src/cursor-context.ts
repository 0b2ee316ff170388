/**
 * What the text just before the cursor says, for completion: `env: "Cart|`, `nextObs.th|`,
 * `t.action === |`, a key being typed inside `hyperparameters: {`.
 *
 * Each reader walks backwards from the cursor over at most `LOOKBEHIND` characters, once, with no
 * regular expression over the line: the cost is independent of the line's length. (The regexes
 * this replaces, `(IDENT)\s*\.\s*(IDENT)?$` and the like, were tried at every start position of
 * the line and backtracked over each: quadratic, 8 s on a 40 k-character line.)
 */

/** The farthest back a context is read: every context completed here is far shorter. */
export const LOOKBEHIND = 256;

const isIdentPart = (c: string) => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";
const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);

/** A cursor moving backwards through `text` from `pos`, never before `limit`. */
class Backwards {
  constructor(
    private readonly text: string,
    public pos: number,
    private readonly limit: number,
    /** Whether whitespace may include line breaks (inside an object literal) or not (a one-line expression). */
    private readonly acrossLines = false,
  ) {}

  private at(i: number): string {
    return i >= this.limit ? (this.text[i] ?? "") : "";
  }

  takeWhile(pred: (c: string) => boolean): string {
    const end = this.pos;
    while (this.pos > this.limit && pred(this.text[this.pos - 1]!)) this.pos--;
    return this.text.slice(this.pos, end);
  }

  skipSpace(): void {
    this.takeWhile((c) => (c === "\n" || c === "\r" ? this.acrossLines : /\s/.test(c)));
  }

  /** Step back over `s` when the text ends with it here. */
  take(s: string): boolean {
    if (this.pos - s.length < this.limit || this.text.slice(this.pos - s.length, this.pos) !== s) return false;
    this.pos -= s.length;
    return true;
  }

  /**
   * An identifier ending here (the whole run of identifier characters, less any leading digits,
   * which no identifier starts with); "" when none. `whole` is false when digits were dropped,
   * i.e. the identifier is glued to what precedes it.
   */
  identifier(): { name: string; whole: boolean } {
    const run = this.takeWhile(isIdentPart);
    let skip = 0;
    while (skip < run.length && isDigit(run[skip]!)) skip++;
    this.pos += skip;
    return { name: run.slice(skip), whole: skip === 0 };
  }

  /** The character just before the cursor ("" at the limit). */
  peek(): string {
    return this.at(this.pos - 1);
  }
}

function lineLimit(text: string, offset: number): number {
  const start = Math.max(0, offset - LOOKBEHIND);
  const nl = text.lastIndexOf("\n", offset - 1);
  return Math.max(start, nl + 1);
}

/** `object` optionally qualified by `param.` (the `(t) => t.nextObs.x` form). */
export interface QualifiedName {
  param?: string;
  object: string;
}

/** Reads `param.object` or `object` ending at the cursor, with optional spaces around the dot. */
function qualifiedName(b: Backwards): QualifiedName | null {
  const object = b.identifier();
  if (!object.name) return null;
  const mark = b.pos;
  b.skipSpace();
  if (b.take(".")) {
    b.skipSpace();
    const param = b.identifier();
    if (param.name) return { param: param.name, object: object.name };
  }
  b.pos = mark;
  return { object: object.name };
}

/**
 * `env: "Cart|` (key "env") or `algorithm: "pp|` (key "algorithm"): the id typed so far in the
 * string, or null when the cursor is not there.
 */
export function stringValuePrefix(text: string, offset: number, key: "env" | "algorithm"): string | null {
  const b = new Backwards(text, offset, lineLimit(text, offset));
  const typed = b.takeWhile(key === "env" ? (c) => /[\w.\-/]/.test(c) : (c) => /[\w.-]/.test(c));
  if (!(b.take('"') || b.take("'") || b.take("`"))) return null;
  b.skipSpace();
  if (!b.take(":")) return null;
  b.skipSpace();
  if (!b.take(key)) return null;
  return isWordChar(b.peek()) ? null : typed;
}

/** `nextObs.th|` or `t.nextObs.|`: the object read and the field name typed so far. */
export function memberAccessPrefix(text: string, offset: number): (QualifiedName & { typed: string }) | null {
  const b = new Backwards(text, offset, lineLimit(text, offset));
  const typed = b.identifier();
  if (!typed.whole) return null;
  b.skipSpace();
  if (!b.take(".")) return null;
  b.skipSpace();
  const name = qualifiedName(b);
  return name && { ...name, typed: typed.name };
}

/** `action === 1|` (also `!==`, `==`, `!=`, and `t.action`): the compared name and the digits typed so far. */
export function comparisonPrefix(text: string, offset: number): (QualifiedName & { typed: string }) | null {
  const b = new Backwards(text, offset, lineLimit(text, offset));
  const typed = b.takeWhile(isDigit);
  b.skipSpace();
  if (!(b.take("===") || b.take("!==") || b.take("==") || b.take("!="))) return null;
  b.skipSpace();
  const name = qualifiedName(b);
  return name && { ...name, typed };
}

/**
 * A key being typed in an object literal that starts at `objectStart`: right after `{` or `,`
 * (line breaks allowed between), the key typed so far ("" for none); null elsewhere.
 */
export function objectKeyPrefix(text: string, objectStart: number, offset: number): string | null {
  const b = new Backwards(text, offset, Math.max(objectStart, offset - LOOKBEHIND), true);
  const typed = b.identifier();
  if (!typed.whole) return null;
  b.skipSpace();
  return b.take("{") || b.take(",") ? typed.name : null;
}
