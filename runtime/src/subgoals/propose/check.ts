/**
 * Static checks of a proposed sub-goal before it runs anywhere: an identifier name, and an
 * `achieved` that is one JavaScript expression (reward-design/check-code.ts's parse and field
 * checks), reads nothing but `obs.<field>` and Math, and is a condition — a comparison, or
 * comparisons joined by && / || / ! — so it yields a boolean by its form, not by luck.
 */
import ts from "typescript";
import { checkComponent } from "../../reward-design/check-code.js";
import { SUBGOAL_NAME } from "../config.js";

/** Problems with one proposed sub-goal; empty when it passes. */
export function checkProposedSubgoal(name: string, achieved: string, fields: readonly string[]): string[] {
  const problems: string[] = [];
  if (!SUBGOAL_NAME.test(name)) problems.push(`name "${name}" must be an identifier (letters, digits, _; up to 40 characters)`);
  const parsed = checkComponent("achieved", achieved, fields);
  if (parsed.length > 0) return [...problems, ...parsed.map((p) => p.message)];
  const file = ts.createSourceFile("predicate.ts", `(${achieved})`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const expression = (file.statements[0] as ts.ExpressionStatement).expression;
  const extra = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) && node.text !== "obs" && node.text !== "Math") extra.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(expression);
  if (extra.size > 0) problems.push(`achieved may read only obs.<field> and Math, not ${[...extra].join(", ")}: a sub-goal is a condition on the state reached`);
  if (!isCondition(expression)) problems.push(`achieved must be a condition — a comparison such as obs.${fields[0] ?? "x"} > 0.2, or comparisons joined by && or || — so it returns true or false`);
  return problems;
}

const COMPARISONS = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
]);

function isCondition(node: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(node)) return isCondition(node.expression);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) return true;
  if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (COMPARISONS.has(op)) return true;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) return isCondition(node.left) && isCondition(node.right);
  }
  return false;
}
