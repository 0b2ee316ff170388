// Generates dist/rl-studio.d.ts: the public `rl-studio` module (runtime/src/api.ts) as ONE
// self-contained declaration file, so experiment files type-check in a workspace with no
// node_modules (the TypeScript server plugin in ts-plugin/ resolves `rl-studio` to it).
//
// How: the TypeScript compiler emits declarations for api.ts and the files it imports
// (emitDeclarationOnly); the files api.ts depends on are inlined as non-exported declarations,
// and api.ts's own re-exports (`export { Box } from "./envs/spaces.js"`) become local exports.
// Anything this simple bundler cannot inline faithfully (export *, renamed imports, two files
// declaring the same name) stops the build with a message instead of producing a wrong file.
//
// Usage: node scripts/gen-dts.mjs [--out dist/rl-studio.d.ts]
import ts from "typescript";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const API_ENTRY = resolve(ROOT, "runtime/src/api.ts");
export const DEFAULT_OUT = resolve(ROOT, "dist/rl-studio.d.ts");

const isRelative = (s) => s.startsWith("./") || s.startsWith("../");

/** `./envs/spaces.js` imported from `from.ts` → the absolute path of `spaces.ts`. */
function sourcePathOf(specifier, fromFile) {
  return resolve(dirname(fromFile), specifier).replace(/\.js$/, ".ts");
}

function fail(message) {
  throw new Error(`gen-dts: ${message}`);
}

/** Emitted declaration text per source file (absolute .ts path → .d.ts text). */
function emitDeclarations(entry) {
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    declaration: true,
    emitDeclarationOnly: true,
    skipLibCheck: true,
    types: [],
    noEmit: false,
  };
  const program = ts.createProgram([entry], options);
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    fail(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }));
  }
  const out = new Map();
  const result = program.emit(undefined, (fileName, text, _bom, _onError, sourceFiles) => {
    const source = sourceFiles?.[0]?.fileName;
    if (source && fileName.endsWith(".d.ts")) out.set(resolve(source), text);
  }, undefined, true);
  if (result.emitSkipped) fail("the TypeScript compiler skipped the declaration emit");
  return out;
}

function declaredNames(statement) {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.map((d) => d.name.getText());
  return statement.name ? [statement.name.getText()] : [];
}

/** Statement text without its leading `export` keyword (the declaration stays, unexported). */
function withoutExport(statement, sf) {
  const full = sf.text.slice(statement.getFullStart(), statement.end);
  const exportKeyword = statement.modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  if (!exportKeyword) return full;
  const from = exportKeyword.getStart(sf) - statement.getFullStart();
  const to = exportKeyword.end - statement.getFullStart();
  return full.slice(0, from) + full.slice(to).replace(/^\s+/, "");
}

/** The declaration file's text for `entry` (default: runtime/src/api.ts), inlining its relative imports. */
export function generateDeclaration(entry = API_ENTRY) {
  const emitted = emitDeclarations(resolve(entry));
  const order = [];
  const visited = new Set();
  const owner = new Map();
  const parts = new Map();

  const visit = (file, isEntry) => {
    if (visited.has(file)) return;
    visited.add(file);
    const text = emitted.get(file);
    if (text === undefined) fail(`no declarations were emitted for ${file}`);
    const sf = ts.createSourceFile(file + ".d.ts", text, ts.ScriptTarget.Latest, true);
    const pieces = [];
    for (const statement of sf.statements) {
      const specifier = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
      if (ts.isImportDeclaration(statement)) {
        if (!specifier || !isRelative(specifier)) fail(`${file}: imports "${specifier}"; the rl-studio declaration must be self-contained`);
        const bindings = statement.importClause?.namedBindings;
        if (statement.importClause?.name || (bindings && !ts.isNamedImports(bindings))) fail(`${file}: default or namespace import from "${specifier}" cannot be inlined; use named imports`);
        for (const el of bindings?.elements ?? []) if (el.propertyName) fail(`${file}: renamed import "${el.propertyName.text} as ${el.name.text}" cannot be inlined`);
        visit(sourcePathOf(specifier, file), false);
        continue;
      }
      if (ts.isExportDeclaration(statement)) {
        if (!statement.exportClause && specifier) fail(`${file}: "export * from ${specifier}" cannot be inlined; list the names`);
        if (specifier) {
          if (!isRelative(specifier)) fail(`${file}: re-exports "${specifier}"; the rl-studio declaration must be self-contained`);
          visit(sourcePathOf(specifier, file), false);
          if (isEntry) pieces.push(`export ${statement.isTypeOnly ? "type " : ""}{ ${statement.exportClause.elements.map((e) => e.getText(sf)).join(", ")} };`);
          continue;
        }
        // `export {};` markers and local export lists: only the entry's exports are public.
        if (isEntry && statement.exportClause && statement.exportClause.elements.length > 0) pieces.push(statement.getText(sf));
        continue;
      }
      for (const name of declaredNames(statement)) {
        const previous = owner.get(name);
        if (previous && previous !== file) fail(`"${name}" is declared in both ${previous} and ${file}; rename one so the bundle is unambiguous`);
        owner.set(name, file);
      }
      pieces.push(isEntry ? sf.text.slice(statement.getFullStart(), statement.end).replace(/^\n+/, "") : withoutExport(statement, sf).replace(/^\n+/, ""));
    }
    parts.set(file, pieces.join("\n"));
    order.push(file);
  };
  visit(resolve(entry), true);

  const body = order
    .map((file) => `// ---- ${file.slice(ROOT.length + 1)}${file === resolve(entry) ? " (public exports)" : ""}\n${parts.get(file)}`)
    .join("\n\n");
  if (/\bimport\(\s*["']/.test(body)) fail('an emitted declaration refers to import("…"); give that type an explicit annotation in the source');
  return `// The "rl-studio" module, generated by scripts/gen-dts.mjs from runtime/src/api.ts. Do not edit.\n\n${body}\n`;
}

/** Write the declaration to `out`; returns the path. */
export function writeDeclaration(out = DEFAULT_OUT, entry = API_ENTRY) {
  const text = generateDeclaration(entry);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--out");
  const out = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : DEFAULT_OUT;
  console.log(`wrote ${writeDeclaration(out)}`);
}
