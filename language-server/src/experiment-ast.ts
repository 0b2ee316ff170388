/**
 * Syntax-only reading of an experiment file: finds the `defineExperiment({...})` object literal and
 * the parts the language server checks (env, algorithm, hyperparameters, reward function).
 *
 * One `ts.createSourceFile` per document version and no Program or type checker: parsing a
 * 500-line file takes about a millisecond, so every keystroke can be answered. Everything here
 * works on offsets into the document text; the LSP layer converts them to positions.
 *
 * Two kinds of file are read shallowly instead, by the lexical scan every part of RL Studio shares
 * (common/src/experiment-object.ts, which also decides which property is the reward): its name,
 * env, algorithm and hyperparameter keys are checked, and the result says it is shallow.
 * - Nesting TypeScript's recursive-descent parser cannot follow: about a thousand nested brackets
 *   overflow its stack (RangeError).
 * - A line longer than `MAX_PARSED_LINE`: parsing a 100 k-character `obs.obs.obs…` line and walking
 *   its 25,000-deep tree takes ~80 ms of CPU, over the 50 ms a keystroke's answer may take; the
 *   lexical scan reads it in ~10 ms. No hand-written experiment has such a line.
 * The walks over the syntax tree use explicit stacks, so a deep tree that parses does not overflow them.
 */
import ts from "typescript";
import { readSubgoals, type SubgoalInfo } from "./subgoal-ast.js";
import { findRewardProperty, scanExperimentObject, type Span, type StringValue } from "../../common/src/experiment-object.js";

export type { Span } from "../../common/src/experiment-object.js";

/** A literal value as written in source, or "unknown" for anything computed (an identifier, a call …). */
export type LiteralValue =
  | { kind: "known"; value: unknown }
  | { kind: "unknown" };

/** A string literal property value: its text, the whole literal (quotes included) and the text between the quotes. */
export type StringProperty = StringValue;

export interface HyperparameterEntry {
  key: string;
  keySpan: Span;
  valueSpan: Span;
  value: LiteralValue;
}

/** A field of the `llm` block: `path` is dotted inside it ("normalization", "lora.rank"). */
export interface LlmEntry {
  path: string;
  keySpan: Span;
  valueSpan: Span;
  value: LiteralValue;
}

export type TransitionField = "obs" | "nextObs" | "action" | "envReward" | "terminated" | "truncated" | "episodeStep";

/** `nextObs.angle` (or `t.nextObs.angle`, or `{ nextObs: { angle } }`) inside the reward function. */
export interface ObservationAccess {
  object: "obs" | "nextObs";
  field: string;
  fieldSpan: Span;
}

export type ReturnProblemKind = "string" | "boolean" | "null" | "undefined" | "array" | "object" | "function" | "nothing";

export interface ReturnProblem {
  /** The offending expression (or the bare `return`). */
  span: Span;
  kind: ReturnProblemKind;
  /** Set when the problem is one component of a returned record. */
  component?: string;
}

export interface RewardComponent {
  name: string;
  span: Span;
}

export interface RewardInfo {
  /** The function node, for completion of `action ===` inside it. */
  span: Span;
  /** Local names bound to transition fields: `nextObs` → "nextObs", or `n` for `{ nextObs: n }`. */
  locals: Map<string, TransitionField>;
  /** The single parameter's name in the `(t) => t.nextObs.x` form. */
  transitionParam?: string;
  observationAccesses: ObservationAccess[];
  returnProblems: ReturnProblem[];
  /** Keys of returned object literals: the named reward components. */
  components: RewardComponent[];
}

export interface ExperimentAst {
  /** The `defineExperiment(...)` call expression. */
  callSpan: Span;
  /** The object literal passed to it. */
  objectSpan: Span;
  /**
   * Set when TypeScript could not parse the file (`reason`, e.g. nesting too deep for its parser):
   * only name, env, algorithm and hyperparameter keys were read, lexically; no reward, no values.
   */
  shallow?: { reason: string };
  name?: StringProperty;
  /** `env: "CartPole-v1"`; absent when env is not a string literal (a custom env class). */
  env?: StringProperty;
  /** True when env is given but is not a string literal: a custom environment. */
  customEnv: boolean;
  algorithm?: StringProperty;
  hyperparameters?: { span: Span; entries: HyperparameterEntry[] };
  /** `llm: { … }` (algorithm "twosome"), its fields flattened ("lora.rank"); the `lora` object itself is an entry of unknown value. */
  llm?: { span: Span; keySpan: Span; entries: LlmEntry[] };
  reward?: RewardInfo;
  /** The `subgoals: [ … ]` sub-goals written as object literals (subgoal-ast.ts). */
  subgoals?: SubgoalInfo[];
}

const TRANSITION_FIELDS: readonly TransitionField[] = ["obs", "nextObs", "action", "envReward", "terminated", "truncated", "episodeStep"];

function spanOf(node: ts.Node, sf: ts.SourceFile): Span {
  return { start: node.getStart(sf), end: node.getEnd() };
}

/** Drop parentheses, `as`, `satisfies` and `!` that do not change the value. */
export function unwrap(e: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) {
      e = e.expression;
    } else {
      return e;
    }
  }
}

export function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isPrivateIdentifier(name)) return undefined;
  if (ts.isComputedPropertyName(name)) {
    const e = unwrap(name.expression);
    if (ts.isStringLiteralLike(e)) return e.text;
  }
  return undefined;
}

function stringProperty(e: ts.Expression | undefined, sf: ts.SourceFile): StringProperty | undefined {
  if (!e) return undefined;
  const u = unwrap(e);
  if (!ts.isStringLiteral(u) && !ts.isNoSubstitutionTemplateLiteral(u)) return undefined;
  const span = spanOf(u, sf);
  const text = sf.text;
  // An unterminated string (`env: "Cart` while typing) has no closing quote.
  const closing = span.end - 1 > span.start && text[span.end - 1] === text[span.start] ? span.end - 1 : span.end;
  return { value: u.text, span, contentSpan: { start: span.start + 1, end: closing } };
}

/** The value of a literal expression, as JSON would hold it; numeric separators and signs allowed. */
export function literalValue(e: ts.Expression): LiteralValue {
  const u = unwrap(e);
  if (ts.isNumericLiteral(u)) return { kind: "known", value: Number(u.text) };
  if (ts.isPrefixUnaryExpression(u) && (u.operator === ts.SyntaxKind.MinusToken || u.operator === ts.SyntaxKind.PlusToken)) {
    const inner = literalValue(u.operand);
    if (inner.kind === "known" && typeof inner.value === "number") {
      return { kind: "known", value: u.operator === ts.SyntaxKind.MinusToken ? -inner.value : inner.value };
    }
    return { kind: "unknown" };
  }
  if (ts.isStringLiteralLike(u)) return { kind: "known", value: u.text };
  if (u.kind === ts.SyntaxKind.TrueKeyword) return { kind: "known", value: true };
  if (u.kind === ts.SyntaxKind.FalseKeyword) return { kind: "known", value: false };
  if (u.kind === ts.SyntaxKind.NullKeyword) return { kind: "known", value: null };
  if (ts.isIdentifier(u) && (u.text === "Infinity" || u.text === "NaN")) return { kind: "known", value: u.text === "NaN" ? NaN : Infinity };
  if (ts.isArrayLiteralExpression(u)) {
    const out: unknown[] = [];
    for (const el of u.elements) {
      const v = literalValue(el);
      if (v.kind === "unknown") return v;
      out.push(v.value);
    }
    return { kind: "known", value: out };
  }
  return { kind: "unknown" };
}

function isDefineExperimentCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text === "defineExperiment";
  return ts.isPropertyAccessExpression(callee) && callee.name.text === "defineExperiment";
}

/** The children of `node` in source order. */
function childrenOf(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  ts.forEachChild(node, (child) => {
    out.push(child);
  });
  return out;
}

/** The first `defineExperiment(...)` call in source order (depth-first, with an explicit stack). */
function findDefineExperiment(sf: ts.SourceFile): ts.CallExpression | undefined {
  const stack: ts.Node[] = [sf];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (isDefineExperimentCall(node)) return node;
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}

export function parseSource(text: string, fileName = "experiment.rl.ts"): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
}

/** The longest line TypeScript is given: a longer one makes the analysis shallow (see the top of this file). */
export const MAX_PARSED_LINE = 20_000;

/** The first line longer than `max` characters (0-based index and length), or null. */
function lineLongerThan(text: string, max: number): { line: number; length: number } | null {
  let start = 0;
  for (let line = 0; start <= text.length; line++) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > max) return { line, length: end - start };
    if (nl < 0) return null;
    start = nl + 1;
  }
  return null;
}

/**
 * Read the experiment from a document; undefined when it has no `defineExperiment({...})` call.
 * A document with a line longer than `MAX_PARSED_LINE`, or nesting too deep for TypeScript's
 * parser (a RangeError), is read shallowly instead.
 */
export function parseExperiment(text: string, fileName?: string): ExperimentAst | undefined {
  const long = lineLongerThan(text, MAX_PARSED_LINE);
  if (long) {
    return shallowExperiment(
      text,
      `line ${long.line + 1} has ${long.length.toLocaleString("en-US")} characters, and lines over ${MAX_PARSED_LINE.toLocaleString("en-US")} are not parsed (so that every keystroke is answered in time)`,
    );
  }
  try {
    return parseWithTypeScript(text, fileName);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return shallowExperiment(text, `the file nests too deeply for TypeScript's parser (${err.message})`);
  }
}

/**
 * What the lexical scan reads without a syntax tree: the string values of name, env and
 * algorithm, and the hyperparameter keys (their values stay unknown).
 */
export function shallowExperiment(text: string, reason: string): ExperimentAst | undefined {
  const scanned = scanExperimentObject(text);
  if (!scanned || scanned.callStart === null) return undefined;
  const last = (name: string) => scanned.properties.filter((p) => p.name === name).at(-1);
  const ast: ExperimentAst = {
    callSpan: { start: scanned.callStart, end: scanned.span.end },
    objectSpan: scanned.span,
    shallow: { reason },
    customEnv: false,
  };
  const name = last("name")?.string;
  if (name) ast.name = name;
  const env = last("env");
  if (env?.string) ast.env = env.string;
  else if (env && !env.empty) ast.customEnv = true;
  const algorithm = last("algorithm")?.string;
  if (algorithm) ast.algorithm = algorithm;
  const hp = last("hyperparameters");
  if (hp?.objectKeys) {
    ast.hyperparameters = {
      span: hp.valueSpan,
      entries: hp.objectKeys.map((k) => ({ key: k.name, keySpan: k.keySpan, valueSpan: k.valueSpan, value: { kind: "unknown" } })),
    };
  }
  return ast;
}

function parseWithTypeScript(text: string, fileName?: string): ExperimentAst | undefined {
  const sf = parseSource(text, fileName);
  const call = findDefineExperiment(sf);
  const arg = call?.arguments[0] ? unwrap(call.arguments[0]) : undefined;
  if (!call || !arg || !ts.isObjectLiteralExpression(arg)) return undefined;

  /** Every property of the object literal, by name (the last one wins, as at run time). */
  const properties = new Map<string, { initializer: ts.Expression | undefined }>();
  for (const p of arg.properties) {
    if (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) {
      const name = propertyNameText(p.name);
      if (name === undefined) continue;
      const initializer = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      properties.set(name, { initializer: ts.isMethodDeclaration(p) ? undefined : initializer });
    }
  }

  const ast: ExperimentAst = {
    callSpan: spanOf(call, sf),
    objectSpan: spanOf(arg, sf),
    customEnv: false,
  };
  const nameProp = stringProperty(properties.get("name")?.initializer, sf);
  if (nameProp) ast.name = nameProp;
  const envInit = properties.get("env")?.initializer;
  const env = stringProperty(envInit, sf);
  if (env) ast.env = env;
  else if (envInit && !ts.isStringLiteralLike(unwrap(envInit))) ast.customEnv = true;
  const algorithm = stringProperty(properties.get("algorithm")?.initializer, sf);
  if (algorithm) ast.algorithm = algorithm;

  const hp = properties.get("hyperparameters")?.initializer;
  if (hp && ts.isObjectLiteralExpression(unwrap(hp))) {
    const obj = unwrap(hp) as ts.ObjectLiteralExpression;
    ast.hyperparameters = { span: spanOf(obj, sf), entries: objectEntries(obj, sf, "").map(({ path, ...e }) => ({ key: path, ...e })) };
  }
  const llm = properties.get("llm")?.initializer;
  const llmProp = arg.properties.find((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === "llm");
  if (llm && llmProp && ts.isObjectLiteralExpression(unwrap(llm))) {
    const obj = unwrap(llm) as ts.ObjectLiteralExpression;
    const entries = objectEntries(obj, sf, "");
    const lora = obj.properties.find((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === "lora") as ts.PropertyAssignment | undefined;
    if (lora && ts.isObjectLiteralExpression(unwrap(lora.initializer))) entries.push(...objectEntries(unwrap(lora.initializer) as ts.ObjectLiteralExpression, sf, "lora."));
    ast.llm = { span: spanOf(obj, sf), keySpan: spanOf((llmProp as ts.PropertyAssignment).name, sf), entries };
  }

  // Which property is the reward is the shared finder's answer (the runtime and the editor ask it too).
  const rewardAt = findRewardProperty(text)?.property?.keyStart;
  const rewardProp = rewardAt === undefined ? undefined : arg.properties.find((p) => p.getStart(sf) === rewardAt);
  let rewardFn: ts.FunctionLikeDeclaration | undefined;
  if (rewardProp && ts.isPropertyAssignment(rewardProp)) {
    const init = unwrap(rewardProp.initializer);
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) rewardFn = init;
  } else if (rewardProp && ts.isMethodDeclaration(rewardProp)) {
    rewardFn = rewardProp;
  }
  if (rewardFn) ast.reward = readReward(rewardFn, sf);
  const subgoals = properties.get("subgoals")?.initializer;
  if (subgoals) ast.subgoals = readSubgoals(subgoals, sf);
  return ast;
}

/** The observation fields a function taking a transition-like parameter (`({ obs })`, `(t)`) reads. */
export function readFunctionAccesses(fn: ts.FunctionLikeDeclaration, sf: ts.SourceFile): ObservationAccess[] {
  return readReward(fn, sf).observationAccesses;
}

/** The properties of an object literal with their literal values (keys prefixed by `prefix`). */
function objectEntries(obj: ts.ObjectLiteralExpression, sf: ts.SourceFile, prefix: string): LlmEntry[] {
  const entries: LlmEntry[] = [];
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) continue;
    const key = propertyNameText(p.name);
    if (key === undefined || key === "") continue;
    const valueNode = ts.isPropertyAssignment(p) ? p.initializer : p.name;
    const missingValue = ts.isPropertyAssignment(p) && p.initializer.getWidth(sf) === 0;
    entries.push({
      path: prefix + key,
      keySpan: spanOf(p.name, sf),
      valueSpan: spanOf(valueNode, sf),
      // A shorthand `{ gamma }` or a half-typed `gamma:` is a value we cannot know.
      value: ts.isShorthandPropertyAssignment(p) || missingValue ? { kind: "unknown" } : literalValue(valueNode),
    });
  }
  return entries;
}

/** Bind names from the reward's parameter: `({ obs, nextObs: n, action })`, `({ nextObs: { theta } })` or `(t)`. */
function bindParameter(param: ts.ParameterDeclaration, info: RewardInfo, sf: ts.SourceFile): void {
  if (ts.isIdentifier(param.name)) {
    info.transitionParam = param.name.text;
    return;
  }
  if (!ts.isObjectBindingPattern(param.name)) return;
  for (const el of param.name.elements) {
    const fieldName = el.propertyName ? propertyNameText(el.propertyName) : ts.isIdentifier(el.name) ? el.name.text : undefined;
    if (!fieldName || !(TRANSITION_FIELDS as readonly string[]).includes(fieldName)) continue;
    const field = fieldName as TransitionField;
    if (ts.isIdentifier(el.name)) {
      info.locals.set(el.name.text, field);
    } else if (ts.isObjectBindingPattern(el.name) && (field === "obs" || field === "nextObs")) {
      // `{ nextObs: { theta, x: cartX } }`: each destructured key is an observation field read.
      for (const inner of el.name.elements) {
        const key = inner.propertyName ? propertyNameText(inner.propertyName) : ts.isIdentifier(inner.name) ? inner.name.text : undefined;
        const keyNode = inner.propertyName ?? inner.name;
        if (key) info.observationAccesses.push({ object: field, field: key, fieldSpan: spanOf(keyNode, sf) });
      }
    }
  }
}

/** Which transition field an expression names: `nextObs`, `n` bound to nextObs, or `t.nextObs`. */
function transitionFieldOf(e: ts.Expression, info: RewardInfo): TransitionField | undefined {
  const u = unwrap(e);
  if (ts.isIdentifier(u)) return info.locals.get(u.text);
  if (ts.isPropertyAccessExpression(u) && info.transitionParam && ts.isIdentifier(u.expression) && u.expression.text === info.transitionParam) {
    const name = u.name.text;
    return (TRANSITION_FIELDS as readonly string[]).includes(name) ? (name as TransitionField) : undefined;
  }
  return undefined;
}

function classifyReturn(e: ts.Expression): ReturnProblemKind | undefined {
  const u = unwrap(e);
  if (ts.isStringLiteralLike(u) || ts.isTemplateExpression(u)) return "string";
  if (u.kind === ts.SyntaxKind.TrueKeyword || u.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  if (u.kind === ts.SyntaxKind.NullKeyword) return "null";
  if (ts.isIdentifier(u) && u.text === "undefined") return "undefined";
  if (ts.isVoidExpression(u)) return "undefined";
  if (ts.isArrayLiteralExpression(u)) return "array";
  if (ts.isArrowFunction(u) || ts.isFunctionExpression(u)) return "function";
  return undefined;
}

function checkReturned(e: ts.Expression, info: RewardInfo, sf: ts.SourceFile): void {
  const u = unwrap(e);
  if (ts.isConditionalExpression(u)) {
    checkReturned(u.whenTrue, info, sf);
    checkReturned(u.whenFalse, info, sf);
    return;
  }
  if (ts.isObjectLiteralExpression(u)) {
    for (const p of u.properties) {
      if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) continue;
      const name = propertyNameText(p.name);
      if (name === undefined) continue;
      info.components.push({ name, span: spanOf(p.name, sf) });
      if (ts.isPropertyAssignment(p)) {
        const v = unwrap(p.initializer);
        const kind = ts.isObjectLiteralExpression(v) ? "object" : classifyReturn(v);
        if (kind) info.returnProblems.push({ span: spanOf(v, sf), kind, component: name });
      }
    }
    return;
  }
  const kind = classifyReturn(u);
  if (kind) info.returnProblems.push({ span: spanOf(u, sf), kind });
}

function readReward(fn: ts.FunctionLikeDeclaration, sf: ts.SourceFile): RewardInfo {
  const info: RewardInfo = { span: spanOf(fn, sf), locals: new Map(), observationAccesses: [], returnProblems: [], components: [] };
  const param = fn.parameters[0];
  if (param) bindParameter(param, info, sf);

  const body = fn.body;
  if (!body) return info;
  if (!ts.isBlock(body)) {
    checkReturned(body, info, sf);
  }
  // Depth-first with an explicit stack: a long `a.b.c…` chain is a tree as deep as it is long.
  const stack: { node: ts.Node; inNestedFunction: boolean }[] = [{ node: body, inNestedFunction: false }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const { node, inNestedFunction } = top;
    if (ts.isReturnStatement(node) && !inNestedFunction) {
      if (node.expression) checkReturned(node.expression, info, sf);
      else info.returnProblems.push({ span: spanOf(node, sf), kind: "nothing" });
    }
    if (ts.isPropertyAccessExpression(node) && node.name.text !== "") {
      const field = transitionFieldOf(node.expression, info);
      if (field === "obs" || field === "nextObs") info.observationAccesses.push({ object: field, field: node.name.text, fieldSpan: spanOf(node.name, sf) });
    } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const field = transitionFieldOf(node.expression, info);
      const arg = node.argumentExpression;
      if (field === "obs" || field === "nextObs") info.observationAccesses.push({ object: field, field: arg.text, fieldSpan: { start: arg.getStart(sf) + 1, end: arg.getEnd() - 1 } });
    }
    const nested = inNestedFunction || ts.isFunctionLike(node);
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, inNestedFunction: nested });
  }
  return info;
}
