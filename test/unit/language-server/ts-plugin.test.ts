/**
 * Experiment files type-check with no node_modules: the generated rl-studio.d.ts plus the
 * TypeScript server plugin, exercised through a real TypeScript LanguageService on a temp folder.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";

const REPO = resolve(__dirname, "../../..");
// CommonJS and untyped, as tsserver loads it.
const pluginInit = require(join(REPO, "ts-plugin/index.js")) as (modules: { typescript: typeof ts }) => {
  create(info: { languageService: ts.LanguageService; languageServiceHost: ts.LanguageServiceHost; config: unknown }): ts.LanguageService;
};

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "cartpole-ppo",
  env: "CartPole-v1",
  task: "Balance the pole and keep the cart near the centre.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 100_000, numEnvs: 8, numSteps: 32, learningRate: 1e-3 },
  seed: 1,
  reward: ({ obs, action, nextObs, envReward, terminated }) => ({
    alive: envReward,
    upright: 1 - Math.abs(nextObs.theta) / 0.2095,
    centred: terminated ? 0 : -Math.abs(obs.x) * (action === 1 ? 1 : 1),
  }),
});
`;

// Shared so the lib files are parsed once for all the services below.
const registry = ts.createDocumentRegistry();
let dir: string;
let declarationPath: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "rl-studio-ts-plugin-"));
  declarationPath = join(dir, "generated", "rl-studio.d.ts");
  const gen = spawnSync(process.execPath, [join(REPO, "scripts/gen-dts.mjs"), "--out", declarationPath], { encoding: "utf8" });
  assert.equal(gen.status, 0, gen.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A LanguageService over `files` in the temp folder (no tsconfig, no node_modules), optionally with the plugin. */
function languageService(files: Record<string, string>, withPlugin: boolean): ts.LanguageService {
  const paths = Object.keys(files).map((f) => join(dir, f));
  const contents = new Map(Object.entries(files).map(([f, text]) => [join(dir, f), text]));
  const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, types: [] };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => paths,
    // The shared registry caches by path and version: the version must change with the text.
    getScriptVersion: (f) => createHash("sha1").update(contents.get(f) ?? "").digest("hex"),
    getScriptSnapshot: (f) => {
      const text = contents.get(f) ?? ts.sys.readFile(f);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => dir,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => contents.has(f) || ts.sys.fileExists(f),
    readFile: (f) => contents.get(f) ?? ts.sys.readFile(f),
    directoryExists: (d) => ts.sys.directoryExists(d),
    getDirectories: (d) => ts.sys.getDirectories(d),
  };
  const service = ts.createLanguageService(host, registry);
  if (!withPlugin) return service;
  return pluginInit({ typescript: ts }).create({ languageService: service, languageServiceHost: host, config: { declarationPath } });
}

function diagnostics(service: ts.LanguageService, file: string): { code: number; text: string; message: string }[] {
  const path = join(dir, file);
  const source = service.getProgram()!.getSourceFile(path)!;
  return [...service.getSyntacticDiagnostics(path), ...service.getSemanticDiagnostics(path)].map((d) => ({
    code: d.code,
    text: source.text.slice(d.start ?? 0, (d.start ?? 0) + (d.length ?? 0)),
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

test("without the plugin, rl-studio does not resolve in a workspace with no node_modules", () => {
  const ds = diagnostics(languageService({ "cartpole.rl.ts": EXPERIMENT }, false), "cartpole.rl.ts");
  assert.ok(ds.some((d) => d.code === 2307 && d.text === '"rl-studio"'), JSON.stringify(ds));
});

test("with the plugin, the example experiment type-checks with no diagnostics", () => {
  assert.deepEqual(diagnostics(languageService({ "cartpole.rl.ts": EXPERIMENT }, true), "cartpole.rl.ts"), []);
});

test("with the plugin, nextObs.angle on CartPole-v1 is a type error on `angle`", () => {
  const ds = diagnostics(languageService({ "cartpole.rl.ts": EXPERIMENT.replace("nextObs.theta", "nextObs.angle") }, true), "cartpole.rl.ts");
  assert.equal(ds.length, 1, JSON.stringify(ds));
  assert.equal(ds[0]!.code, 2339);
  assert.equal(ds[0]!.text, "angle");
  assert.match(ds[0]!.message, /Property 'angle' does not exist/);
});

test("with the plugin, a wrong hyperparameter type and an unknown algorithm are type errors", () => {
  const text = EXPERIMENT.replace("learningRate: 1e-3", 'learningRate: "fast"').replace('"ppo"', '"dqn"');
  const ds = diagnostics(languageService({ "cartpole.rl.ts": text }, true), "cartpole.rl.ts");
  assert.deepEqual(ds.map((d) => d.text).sort(), ["algorithm", "learningRate"]);
});

test("the plugin only applies to *.rl.ts files", () => {
  const ds = diagnostics(languageService({ "helper.ts": 'import { defineExperiment } from "rl-studio";\nexport const d = defineExperiment;\n' }, true), "helper.ts");
  assert.ok(ds.some((d) => d.code === 2307), JSON.stringify(ds));
});

test("the declaration exports exactly what runtime/src/api.ts exports, and is self-contained", () => {
  const text = readFileSync(declarationPath, "utf8");
  assert.doesNotMatch(text, /^\s*import\s/m, "no imports");
  assert.doesNotMatch(text, /from\s+["']/, "no re-exports from other files");
  const program = ts.createProgram([join(REPO, "runtime/src/api.ts"), declarationPath], { strict: true, noEmit: true, types: [], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const exportsOf = (file: string) =>
    checker
      .getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!)
      .map((s) => s.name)
      .sort();
  const api = exportsOf(join(REPO, "runtime/src/api.ts"));
  assert.ok(api.includes("defineExperiment") && api.includes("Env"));
  assert.deepEqual(exportsOf(declarationPath), api);
  const declErrors = ts.getPreEmitDiagnostics(program, program.getSourceFile(declarationPath));
  assert.deepEqual(declErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
});

/** Semantic diagnostics of one file from a real tsserver that loads the plugin the way VS Code does (a global plugin by package name). */
async function tsserverDiagnostics(text: string): Promise<{ code: number; text: string }[]> {
  const probe = join(dir, "probe");
  mkdirSync(join(probe, "node_modules"), { recursive: true });
  if (!existsSync(join(probe, "node_modules", "rl-studio-ts-plugin"))) symlinkSync(join(REPO, "ts-plugin"), join(probe, "node_modules", "rl-studio-ts-plugin"), "dir");
  const workspace = join(dir, "tsserver-workspace");
  mkdirSync(workspace, { recursive: true });
  const file = join(workspace, "cartpole.rl.ts");
  writeFileSync(file, text);
  const tsserver = join(REPO, "node_modules/typescript/lib/tsserver.js");
  const child = spawn(process.execPath, [tsserver, "--globalPlugins", "rl-studio-ts-plugin", "--pluginProbeLocations", probe, "--disableAutomaticTypingAcquisition"], { stdio: ["pipe", "pipe", "ignore"] });
  try {
    const send = (o: object) => child.stdin.write(JSON.stringify(o) + "\n");
    const response = new Promise<{ body: { start: { line: number; offset: number }; end: { line: number; offset: number }; code: number }[] }>((resolve, reject) => {
      let buffer = "";
      child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString();
        const line = buffer.split(/\r?\n/).find((l) => l.includes('"request_seq":3'));
        if (line) resolve(JSON.parse(line));
      });
      child.on("exit", (code) => reject(new Error(`tsserver exited with ${code}`)));
    });
    // What the extension does through the TypeScript extension's API: point the plugin at the shipped declaration.
    send({ seq: 1, type: "request", command: "configurePlugin", arguments: { pluginName: "rl-studio-ts-plugin", configuration: { declarationPath } } });
    send({ seq: 2, type: "request", command: "open", arguments: { file } });
    send({ seq: 3, type: "request", command: "semanticDiagnosticsSync", arguments: { file } });
    const lines = text.split("\n");
    return (await response).body.map((d) => ({ code: d.code, text: lines[d.start.line - 1]!.slice(d.start.offset - 1, d.end.offset - 1) }));
  } finally {
    child.kill();
  }
}

test("a real tsserver loads the plugin by name: the example is clean, nextObs.angle is error 2339", async () => {
  assert.deepEqual(await tsserverDiagnostics(EXPERIMENT), []);
  assert.deepEqual(await tsserverDiagnostics(EXPERIMENT.replace("nextObs.theta", "nextObs.angle")), [{ code: 2339, text: "angle" }]);
});

test("in *.rl.ts, tsserver's string-literal env ids are dropped from completion (the language server offers them)", () => {
  const text = EXPERIMENT.replace('env: "CartPole-v1"', 'env: "C"');
  const at = text.indexOf('env: "C"') + 'env: "'.length;
  const withPlugin = languageService({ "cartpole.rl.ts": text }, true);
  const names = (withPlugin.getCompletionsAtPosition("cartpole.rl.ts", at, {})?.entries ?? []).map((e) => e.name);
  assert.ok(!names.includes("CartPole-v1"), `still offered: ${names.join(", ")}`);
  const without = languageService({ "cartpole.rl.ts": text }, true);
  // Other completions still work through the proxy (a property name inside the object).
  const keys = without.getCompletionsAtPosition("cartpole.rl.ts", text.indexOf("seed:"), {})?.entries.map((e) => e.name) ?? [];
  assert.ok(keys.includes("seed") || keys.includes("hyperparameters"), keys.join(", "));
});
