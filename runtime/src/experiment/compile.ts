/**
 * Compile and evaluate an experiment file (`*.rl.ts`).
 *
 * esbuild bundles the file with its workspace imports (so a custom env in `./envs/grid.ts` works)
 * into one CommonJS script with an inline source map. The import `rl-studio` is left as a
 * `require("rl-studio")` that evaluation answers with the runtime's own API module: the SAME
 * module instance the runtime uses, so `instanceof Box` holds for spaces built in the file.
 *
 * The bundle text is what a run folder keeps: resume evaluates it again, so a run continues with
 * the experiment it started with even if the source has changed since.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire, SourceMap } from "node:module";
import { dirname, resolve as resolvePath } from "node:path";
import * as vm from "node:vm";
import * as esbuild from "esbuild";
import * as api from "../api.js";
import { ExperimentError } from "./errors.js";
import { enterUserCode, leaveUserCode, USER_CODE } from "./user-code.js";

/** The module name experiment files import the API from. */
export const API_MODULE = "rl-studio";

export interface CompiledExperiment {
  /** Absolute path of the experiment file. */
  path: string;
  /** The CommonJS bundle, with an inline source map. */
  code: string;
  /** The experiment file's text as compiled. */
  sourceText: string;
  /** sha256 of `sourceText`, hex. */
  sha256: string;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Bundle the experiment at `path`. A syntax or resolution error becomes an `ExperimentError`
 * carrying esbuild's file, line and column (`cartpole.rl.ts:12:7: error: Expected "}" but found "x"`).
 * `text`, when given, is compiled in place of the file's bytes on disk (an editor's unsaved buffer);
 * its imports still resolve from the file's folder.
 */
export async function compileExperiment(path: string, text?: string): Promise<CompiledExperiment> {
  const absPath = resolvePath(path);
  let sourceText: string;
  try {
    sourceText = text ?? (await readFile(absPath, "utf8"));
  } catch (err) {
    throw new ExperimentError(`cannot read experiment file: ${(err as Error).message}`, { file: absPath }, { cause: err });
  }
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      // Compile the text just read, so the bundle and the recorded source hash describe the same bytes.
      stdin: { contents: sourceText, sourcefile: absPath, resolveDir: dirname(absPath), loader: "ts" },
      absWorkingDir: dirname(absPath),
      bundle: true,
      write: false,
      format: "cjs",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      // The run folder keeps a copy of the source; the map only needs positions.
      sourcesContent: false,
      // Custom env classes keep their names in messages ("GoToTarget.step is missing").
      keepNames: true,
      external: [API_MODULE],
      logLevel: "silent",
    });
  } catch (err) {
    throw buildFailureToError(err, absPath);
  }
  const out = result.outputFiles[0];
  if (!out) throw new ExperimentError("esbuild produced no output", { file: absPath });
  return { path: absPath, code: out.text, sourceText, sha256: sha256Hex(sourceText) };
}

function buildFailureToError(err: unknown, absPath: string): ExperimentError {
  const failure = err as Partial<esbuild.BuildFailure>;
  const first = failure.errors?.[0];
  if (!first) return new ExperimentError(`esbuild failed: ${(err as Error).message}`, { file: absPath }, { cause: err });
  const loc = first.location;
  // esbuild's line is 1-based, its column 0-based; ours are both 1-based, as editors print them.
  const file = loc ? resolvePath(dirname(absPath), loc.file) : absPath;
  const more = (failure.errors?.length ?? 1) - 1;
  const detail = first.text + (more > 0 ? ` (and ${more} more error${more > 1 ? "s" : ""})` : "");
  return new ExperimentError(detail, loc ? { file, line: loc.line, column: loc.column + 1 } : { file }, { cause: err });
}

/** The filename the bundle runs under, so its stack frames can be told apart and mapped back. */
function bundleFilename(absPath: string): string {
  return `${absPath}.bundle.js`;
}

/**
 * Run a bundle made by `compileExperiment` and return its default export (not yet checked: pass it
 * to `resolveExperiment`). `path` is the experiment's path, used for `require` of Node built-ins
 * and packages left external, and for error locations. A throw at top level becomes an
 * `ExperimentError` at the source line that threw.
 */
export function evaluateExperiment(code: string, path: string): unknown {
  const absPath = resolvePath(path);
  const nodeRequire = createRequire(absPath);
  const requireForBundle = (id: string): unknown => (id === API_MODULE ? api : nodeRequire(id));
  const module = { exports: {} as Record<string, unknown> };
  let fn: (...args: unknown[]) => unknown;
  try {
    // compileFunction keeps the bundle's line numbers (no wrapper line), so the source map applies as is.
    fn = vm.compileFunction(code, ["module", "exports", "require", "__filename", "__dirname"], {
      filename: bundleFilename(absPath),
    }) as (...args: unknown[]) => unknown;
  } catch (err) {
    throw new ExperimentError(`the compiled experiment is not valid JavaScript: ${(err as Error).message}`, { file: absPath }, { cause: err });
  }
  // The top level of the file is user code: an endless loop there is caught by the owner's watchdog.
  const outer = enterUserCode(USER_CODE.moduleEvaluation);
  try {
    fn(module, module.exports, requireForBundle, absPath, dirname(absPath));
  } catch (err) {
    const where = locateError(err, code, absPath) ?? { file: absPath };
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new ExperimentError(`the experiment threw while loading: ${message}`, where, { cause: err });
  } finally {
    leaveUserCode(outer);
  }
  const exports = module.exports;
  if (!("default" in exports) || exports.default === undefined) {
    throw new ExperimentError(
      'the experiment has no default export: write `export default defineExperiment({ name, env, algorithm: "ppo", … })`',
      { file: absPath, field: "default" },
    );
  }
  return exports.default;
}

// One parsed source map per bundle text: reward errors during training may ask for many locations.
const sourceMapCache = new WeakMap<object, SourceMap>();
const sourceMapKeys = new Map<string, object>();

function sourceMapOf(code: string): SourceMap | undefined {
  let key = sourceMapKeys.get(code);
  if (key) return sourceMapCache.get(key);
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!match) return undefined;
  try {
    const map = new SourceMap(JSON.parse(Buffer.from(match[1]!, "base64").toString("utf8")));
    // Keep at most a handful of bundles' maps alive (a process trains one experiment at a time).
    if (sourceMapKeys.size > 8) sourceMapKeys.clear();
    key = {};
    sourceMapKeys.set(code, key);
    sourceMapCache.set(key, map);
    return map;
  } catch {
    return undefined;
  }
}

/** A place in the experiment's source (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** The source position of a 0-based bundle position, through the bundle's inline source map. */
function mapBundlePosition(code: string, absPath: string, line0: number, column0: number): SourceLocation | undefined {
  const map = sourceMapOf(code);
  if (!map) return undefined;
  const entry = map.findEntry(line0, column0) as {
    originalSource?: string;
    originalLine?: number;
    originalColumn?: number;
  };
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  const source = entry.originalSource.startsWith("file://") ? new URL(entry.originalSource).pathname : entry.originalSource;
  return {
    file: resolvePath(dirname(absPath), source),
    line: entry.originalLine + 1,
    column: entry.originalColumn + 1,
  };
}

/**
 * Where in the source an error thrown by bundle code was raised: the first stack frame inside the
 * bundle, mapped through its inline source map. Undefined when the stack has no such frame.
 */
export function locateError(err: unknown, code: string, path: string): SourceLocation | undefined {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return undefined;
  const absPath = resolvePath(path);
  const filename = bundleFilename(absPath);
  for (const line of stack.split("\n")) {
    const at = line.lastIndexOf(`${filename}:`);
    if (at < 0) continue;
    const m = /^:(\d+):(\d+)/.exec(line.slice(at + filename.length));
    if (!m) continue;
    // Stack frames print 1-based positions; the map takes 0-based ones.
    return mapBundlePosition(code, absPath, Number(m[1]) - 1, Number(m[2]) - 1);
  }
  return undefined;
}

/**
 * Where a function of the experiment (a custom env's `step`, say) is written in the source: its
 * text as V8 keeps it, found in the bundle and mapped back. Used when a method returned something
 * wrong, so there is no stack to follow. Undefined for functions not in the bundle.
 */
export function locateFunction(fn: unknown, code: string, path: string): SourceLocation | undefined {
  if (typeof fn !== "function") return undefined;
  let text: string;
  try {
    text = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  const at = code.indexOf(text);
  if (at < 0 || text.length < 8) return undefined;
  const lineStart = code.lastIndexOf("\n", at - 1) + 1;
  let line0 = 0;
  for (let i = code.indexOf("\n"); i >= 0 && i < at; i = code.indexOf("\n", i + 1)) line0++;
  return mapBundlePosition(code, resolvePath(path), line0, at - lineStart);
}

/** `stack` with every frame inside the bundle rewritten to its place in the source (`file.rl.ts:12:5`). */
export function sourceMappedStack(stack: string, code: string, path: string): string {
  const absPath = resolvePath(path);
  const filename = bundleFilename(absPath);
  if (!stack.includes(filename)) return stack;
  const escaped = filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"), (whole, l: string, c: string) => {
    const at = mapBundlePosition(code, absPath, Number(l) - 1, Number(c) - 1);
    return at ? `${at.file}:${at.line}:${at.column}` : whole;
  });
}
