/**
 * The experiment's `subgoals: [...]` as the language server reads it: for each sub-goal written as
 * an object literal, its name and the observation fields its `achieved` predicate reads, what it
 * returns when that can be told from the text (a number, a string … instead of a boolean), and
 * `throw`s in its body. The runtime checks the same things by running each predicate on the env's
 * first observation (runtime/src/subgoals/config.ts); these are the editor's diagnostics for them.
 */
import ts from "typescript";
import { propertyNameText, readFunctionAccesses, unwrap, type ObservationAccess, type Span } from "./experiment-ast.js";

export type PredicateReturnKind = "number" | "string" | "null" | "undefined" | "array" | "object" | "function" | "nothing";

export interface SubgoalInfo {
  /** The `{ … }` of the sub-goal. */
  span: Span;
  name?: { value: string; span: Span };
  /** The `achieved` function, when written as an arrow or function expression. */
  achievedSpan?: Span;
  observationAccesses: ObservationAccess[];
  returnProblems: { span: Span; kind: PredicateReturnKind }[];
  /** `throw` statements directly in the predicate. */
  throws: Span[];
}

const spanOf = (node: ts.Node, sf: ts.SourceFile): Span => ({ start: node.getStart(sf), end: node.getEnd() });

const ARITHMETIC = new Set([ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.AsteriskAsteriskToken]);

/** What an expression evidently is when it is not a boolean; undefined when it is one, or cannot be told. */
export function classifyPredicateReturn(e: ts.Expression): PredicateReturnKind | undefined {
  const u = unwrap(e);
  if (ts.isNumericLiteral(u) || (ts.isPrefixUnaryExpression(u) && u.operator !== ts.SyntaxKind.ExclamationToken)) return "number";
  if (ts.isBinaryExpression(u) && ARITHMETIC.has(u.operatorToken.kind)) return "number";
  if (ts.isCallExpression(u) && ts.isPropertyAccessExpression(u.expression) && ts.isIdentifier(u.expression.expression) && u.expression.expression.text === "Math") return "number";
  if (ts.isStringLiteralLike(u) || ts.isTemplateExpression(u)) return "string";
  if (u.kind === ts.SyntaxKind.NullKeyword) return "null";
  if ((ts.isIdentifier(u) && u.text === "undefined") || ts.isVoidExpression(u)) return "undefined";
  if (ts.isArrayLiteralExpression(u)) return "array";
  if (ts.isObjectLiteralExpression(u)) return "object";
  if (ts.isArrowFunction(u) || ts.isFunctionExpression(u)) return "function";
  // `obs.x` alone is a number too: a field read is never a boolean.
  if (ts.isPropertyAccessExpression(u) && ts.isIdentifier(u.expression) && u.expression.text === "obs") return "number";
  return undefined;
}

function readPredicate(fn: ts.FunctionLikeDeclaration, sf: ts.SourceFile, info: SubgoalInfo): void {
  info.achievedSpan = spanOf(fn, sf);
  info.observationAccesses = readFunctionAccesses(fn, sf);
  const body = fn.body;
  if (!body) return;
  const check = (e: ts.Expression) => {
    const u = unwrap(e);
    if (ts.isConditionalExpression(u)) {
      check(u.whenTrue);
      check(u.whenFalse);
      return;
    }
    const kind = classifyPredicateReturn(u);
    if (kind) info.returnProblems.push({ span: spanOf(u, sf), kind });
  };
  if (!ts.isBlock(body)) {
    check(body);
    return;
  }
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node)) {
      if (node.expression) check(node.expression);
      else info.returnProblems.push({ span: spanOf(node, sf), kind: "nothing" });
    }
    if (ts.isThrowStatement(node)) info.throws.push(spanOf(node, sf));
    ts.forEachChild(node, visit);
  };
  body.statements.forEach(visit);
}

/** The sub-goals of a `subgoals: [ … ]` array literal (other forms are not read). */
export function readSubgoals(init: ts.Expression, sf: ts.SourceFile): SubgoalInfo[] {
  const arr = unwrap(init);
  if (!ts.isArrayLiteralExpression(arr)) return [];
  const out: SubgoalInfo[] = [];
  for (const el of arr.elements) {
    const obj = unwrap(el as ts.Expression);
    if (!ts.isObjectLiteralExpression(obj)) continue;
    const info: SubgoalInfo = { span: spanOf(obj, sf), observationAccesses: [], returnProblems: [], throws: [] };
    for (const p of obj.properties) {
      const key = p.name ? propertyNameText(p.name) : undefined;
      if (key === "name" && ts.isPropertyAssignment(p) && ts.isStringLiteralLike(unwrap(p.initializer))) {
        const lit = unwrap(p.initializer) as ts.StringLiteralLike;
        info.name = { value: lit.text, span: spanOf(lit, sf) };
      } else if (key === "achieved") {
        if (ts.isMethodDeclaration(p)) readPredicate(p, sf, info);
        else if (ts.isPropertyAssignment(p)) {
          const fn = unwrap(p.initializer);
          if (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) readPredicate(fn, sf, info);
        }
      }
    }
    out.push(info);
  }
  return out;
}
