/**
 * Static checks of one reward component's code before it runs anywhere: it must parse as exactly
 * one JavaScript expression (TypeScript's parser), use only the transition's names and standard
 * globals, and read only observation fields the env has (`nextObs.angle` on CartPole → did you
 * mean `theta`?). Each problem names the component and what is allowed.
 *
 * Defence in depth, not the sandbox's safety (sandbox.ts holds without these checks): the names are
 * checked on TypeScript's reading of the code, so text V8 could read differently is refused first:
 * HTML-like comments (`<!--`, `-->`: comments to V8, operators to TypeScript — issue 9 item 1 hid
 * code from this check with them), the word `import`, and anything V8 itself does not compile
 * exactly as the sandbox will (TypeScript-only syntax such as `x as number` included).
 */
import * as vm from "node:vm";
import ts from "typescript";
import { closestMatch } from "../experiment/suggest.js";
import { componentBody, importProblem, TRANSITION_NAMES } from "./sandbox.js";

/** Globals a reward expression may use (the vm context has them; nothing with I/O). */
const ALLOWED_GLOBALS = new Set([
  "Math", "Number", "Boolean", "String", "Array", "Object", "JSON", "Infinity", "NaN", "undefined",
  "isFinite", "isNaN", "parseFloat", "parseInt", "Error", "TypeError", "RangeError",
]);

/** One problem with a component's code. */
export interface CodeProblem {
  component: string;
  message: string;
}

const COMPONENT_NAME = /^[A-Za-z_$][\w$]*$/;

/** Problems with a component, empty when it passes every static check. */
export function checkComponent(name: string, code: string, fields: readonly string[]): CodeProblem[] {
  const problems: CodeProblem[] = [];
  const add = (message: string) => problems.push({ component: name, message });
  if (!COMPONENT_NAME.test(name)) add(`component name "${name}" must be an identifier (letters, digits, _; not starting with a digit): it becomes a key of the reward record`);
  if (code.trim() === "") {
    add("the code is empty; write an expression such as `1 - Math.abs(nextObs.theta) / 0.2095`");
    return problems;
  }
  const lexical = lexicalProblem(code);
  if (lexical) {
    add(lexical);
    return problems;
  }
  // `const r = (<code>\n);` parses only when the code is one expression: `1); evil(` becomes two statements.
  const text = `const __reward = (\n${code}\n);`;
  const file = ts.createSourceFile("component.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const diagnostics = (file as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    const pos = d.start !== undefined ? file.getLineAndCharacterOfPosition(d.start) : undefined;
    const where = pos ? ` at line ${pos.line}, column ${pos.character + 1} of its code` : "";
    add(`syntax error${where}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    return problems;
  }
  const first = file.statements[0];
  if (
    file.statements.length !== 1 ||
    !first ||
    !ts.isVariableStatement(first) ||
    first.declarationList.declarations.length !== 1 ||
    !first.declarationList.declarations[0]!.initializer ||
    !ts.isParenthesizedExpression(first.declarationList.declarations[0]!.initializer)
  ) {
    add("the code must be a single expression (no statements, no `;`): e.g. `-Math.abs(nextObs.x)`");
    return problems;
  }
  const expression = (first.declarationList.declarations[0]!.initializer as ts.ParenthesizedExpression).expression;
  const v8 = v8SyntaxProblem(code);
  if (v8) {
    add(v8);
    return problems;
  }

  const declared = new Set<string>();
  const collectDeclared = (node: ts.Node): void => {
    if ((ts.isParameter(node) || ts.isVariableDeclaration(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) declared.add(node.name.text);
    if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name) declared.add(node.name.text);
    ts.forEachChild(node, collectDeclared);
  };
  collectDeclared(expression);

  const allowedNames = new Set<string>([...TRANSITION_NAMES, ...ALLOWED_GLOBALS, ...declared]);
  const fieldList = fields.join(", ");
  const reported = new Set<string>();
  const visit = (node: ts.Node): void => {
    // obs.X / nextObs.X and obs["X"] must name one of the env's observation fields.
    const observed =
      (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      (node.expression.text === "obs" || node.expression.text === "nextObs") &&
      !declared.has(node.expression.text);
    if (observed) {
      const key = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteral(node.argumentExpression) || ts.isNoSubstitutionTemplateLiteral(node.argumentExpression)
          ? node.argumentExpression.text
          : undefined;
      const owner = (node.expression as ts.Identifier).text;
      if (key === undefined) {
        if (!reported.has(`${owner}[]`)) add(`${owner}[…] with a computed key cannot be checked: read fields by name (${fieldList})`);
        reported.add(`${owner}[]`);
      } else if (!fields.includes(key) && !reported.has(`${owner}.${key}`)) {
        reported.add(`${owner}.${key}`);
        const suggestion = closestMatch(key, fields);
        add(`${owner}.${key} is not an observation field${suggestion ? `: did you mean ${owner}.${suggestion}?` : ""} (fields: ${fieldList})`);
      }
    }
    if (ts.isIdentifier(node) && isReference(node) && !allowedNames.has(node.text) && !reported.has(node.text)) {
      reported.add(node.text);
      add(`"${node.text}" is not defined: use ${TRANSITION_NAMES.join(", ")} and Math (no require, process or other globals)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return problems;
}

/** True when the identifier is read as a variable (not a property name, label or key). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === id) return false;
  if ((ts.isParameter(p) || ts.isVariableDeclaration(p) || ts.isBindingElement(p) || ts.isFunctionExpression(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}

/** Text V8 tokenizes differently from TypeScript (HTML-like comments), or `import`; undefined when there is none. */
function lexicalProblem(code: string): string | undefined {
  if (code.includes("<!--") || code.includes("-->")) return "`<!--` and `-->` are not allowed: V8 reads them as HTML-like comments where TypeScript reads operators";
  return importProblem(code);
}

/** V8's syntax error for code TypeScript's JavaScript reader accepted (TypeScript-only syntax, strict mode), or undefined. */
function v8SyntaxProblem(code: string): string | undefined {
  try {
    // Compiled exactly as the sandbox will compile it, in a context of its own; never run.
    vm.compileFunction(componentBody(code), [...TRANSITION_NAMES], { parsingContext: compileOnlyContext() });
  } catch (err) {
    return `syntax error: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

let compileOnly: vm.Context | undefined;
function compileOnlyContext(): vm.Context {
  compileOnly ??= vm.createContext(Object.create(null) as object, { codeGeneration: { strings: false, wasm: false } });
  return compileOnly;
}
