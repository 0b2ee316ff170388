/**
 * Random sentences of a GBNF grammar, for testing what a grammar lets a model write. Reads the
 * subset the product's grammars use: one `name ::= body` rule per line, literals with JSON
 * escapes, character classes (ranges, `^`, `\xNN`, `\\`, `\"`), groups, `|`, and the postfixes
 * `?`, `*`, `+`, `{n}`, `{m,n}`. Negated classes draw from printable ASCII. `*` and `+` draw at
 * most 8 repetitions. Independent of llama.cpp's parser on purpose: two readings of one text.
 */
type Node =
  | { kind: "literal"; text: string }
  | { kind: "class"; chars: string }
  | { kind: "ref"; name: string }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "repeat"; node: Node; min: number; max: number };

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join("");

export class GbnfSampler {
  private readonly rules = new Map<string, Node>();

  constructor(grammar: string) {
    for (const line of grammar.split("\n")) {
      if (line.trim() === "" || line.trim().startsWith("#")) continue;
      const m = /^([a-zA-Z][\w-]*)\s*::=\s*(.*)$/.exec(line);
      if (!m) throw new Error(`not a rule: ${line}`);
      const parser = new Parser(m[2]!);
      const node = parser.alternatives();
      if (!parser.done()) throw new Error(`rule ${m[1]}: unexpected text at ${parser.rest()}`);
      this.rules.set(m[1]!, node);
    }
    for (const name of this.rules.keys()) this.checkRefs(this.rules.get(name)!, name);
  }

  /** One random sentence from `root`; `random` returns numbers in [0, 1). */
  sample(random: () => number, root = "root"): string {
    const out: string[] = [];
    const pick = (n: number) => Math.floor(random() * n);
    const walk = (node: Node, depth: number): void => {
      if (depth > 200) throw new Error("the grammar recursed more than 200 deep");
      switch (node.kind) {
        case "literal":
          out.push(node.text);
          return;
        case "class":
          out.push(node.chars[pick(node.chars.length)]!);
          return;
        case "ref":
          return walk(this.rules.get(node.name)!, depth + 1);
        case "seq":
          for (const item of node.items) walk(item, depth);
          return;
        case "alt":
          return walk(node.options[pick(node.options.length)]!, depth);
        case "repeat": {
          const n = node.min + pick(node.max - node.min + 1);
          for (let i = 0; i < n; i++) walk(node.node, depth);
        }
      }
    };
    walk({ kind: "ref", name: root }, 0);
    return out.join("");
  }

  private checkRefs(node: Node, rule: string): void {
    if (node.kind === "ref" && !this.rules.has(node.name)) throw new Error(`rule ${rule} refers to undefined rule ${node.name}`);
    if (node.kind === "seq") node.items.forEach((n) => this.checkRefs(n, rule));
    if (node.kind === "alt") node.options.forEach((n) => this.checkRefs(n, rule));
    if (node.kind === "repeat") this.checkRefs(node.node, rule);
  }
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    this.space();
    return this.i >= this.s.length;
  }
  rest(): string {
    return this.s.slice(this.i);
  }

  alternatives(): Node {
    const options = [this.sequence()];
    while (this.peek() === "|") {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "alt", options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      items.push(this.postfix(this.primary()));
    }
    return items.length === 1 ? items[0]! : { kind: "seq", items };
  }

  private primary(): Node {
    const c = this.peek();
    if (c === '"') return this.literal();
    if (c === "[") return this.charClass();
    if (c === "(") {
      this.i++;
      const inner = this.alternatives();
      if (this.peek() !== ")") throw new Error(`expected ) at ${this.rest()}`);
      this.i++;
      return inner;
    }
    const m = /^[a-zA-Z][\w-]*/.exec(this.rest());
    if (!m) throw new Error(`unexpected ${this.rest()}`);
    this.i += m[0].length;
    return { kind: "ref", name: m[0] };
  }

  private postfix(node: Node): Node {
    const c = this.s[this.i];
    if (c === "?") return (this.i++, { kind: "repeat", node, min: 0, max: 1 });
    if (c === "*") return (this.i++, { kind: "repeat", node, min: 0, max: 8 });
    if (c === "+") return (this.i++, { kind: "repeat", node, min: 1, max: 8 });
    const m = /^\{(\d+)(?:,(\d+))?\}/.exec(this.rest());
    if (m) {
      this.i += m[0].length;
      const min = Number(m[1]);
      return { kind: "repeat", node, min, max: m[2] === undefined ? min : Number(m[2]) };
    }
    return node;
  }

  private literal(): Node {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(this.rest());
    if (!m) throw new Error(`unterminated literal at ${this.rest()}`);
    this.i += m[0].length;
    return { kind: "literal", text: JSON.parse(m[0]) as string };
  }

  private charClass(): Node {
    this.i++; // [
    const negated = this.s[this.i] === "^";
    if (negated) this.i++;
    const members = new Set<string>();
    const char = (): string => {
      const c = this.s[this.i++]!;
      if (c !== "\\") return c;
      const e = this.s[this.i++]!;
      if (e === "x") {
        const hex = this.s.slice(this.i, this.i + 2);
        this.i += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      return ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[e] ?? e;
    };
    while (this.s[this.i] !== "]") {
      if (this.i >= this.s.length) throw new Error("unterminated character class");
      const lo = char();
      if (this.s[this.i] === "-" && this.s[this.i + 1] !== "]") {
        this.i++;
        const hi = char();
        for (let k = lo.charCodeAt(0); k <= hi.charCodeAt(0); k++) members.add(String.fromCharCode(k));
      } else {
        members.add(lo);
      }
    }
    this.i++; // ]
    const chars = negated ? [...PRINTABLE].filter((c) => !members.has(c)).join("") : [...members].join("");
    if (chars.length === 0) throw new Error("empty character class");
    return { kind: "class", chars };
  }

  private peek(): string | undefined {
    this.space();
    return this.s[this.i];
  }

  private space(): void {
    while (this.s[this.i] === " ") this.i++;
  }
}
