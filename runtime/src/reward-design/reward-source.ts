/**
 * Where the experiment's `reward` property is written: its text goes into prompts, and its range
 * is what accepting a candidate replaces (or, with no reward yet, where one is inserted).
 */
import ts from "typescript";

export interface RewardLocation {
  /** The `reward: …` property's text, or null when the experiment has none. */
  text: string | null;
  /** 0-based offsets of the property (start = end = insertion point after the last property when absent). */
  start: number;
  end: number;
}

/** The `reward` property of the experiment object (the object literal that has an `env` property). */
export function findRewardProperty(sourceText: string): RewardLocation | null {
  const file = ts.createSourceFile("experiment.ts", sourceText, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  let found: RewardLocation | null = null;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isObjectLiteralExpression(node)) {
      const named = (p: ts.ObjectLiteralElementLike, n: string) => p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === n;
      if (node.properties.some((p) => named(p, "env"))) {
        const reward = node.properties.find((p) => named(p, "reward"));
        if (reward) {
          found = { text: reward.getText(file), start: reward.getStart(file), end: reward.getEnd() };
        } else {
          const last = node.properties[node.properties.length - 1];
          const at = last ? last.getEnd() : node.getStart(file) + 1;
          found = { text: null, start: at, end: at };
        }
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
