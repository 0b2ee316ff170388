/**
 * RL Studio language server for `*.rl.ts` experiment files: diagnostics with quick fixes,
 * completion, hover and the Train, Run Sweep, Suggest reward and Explain code lenses. Start with `node dist/language-server.js --stdio`
 * (or `--node-ipc`, as the extension does).
 *
 * This file is the thin LSP edge: documents, caching per version, offset ↔ position, and a guard
 * around every handler so that no input, however broken, takes the server down. The analysis
 * lives in pure modules (experiment-ast, checks, completion, hover).
 */
import { fileURLToPath } from "node:url";
import {
  CodeActionKind,
  DiagnosticSeverity,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CodeLens,
  type Diagnostic,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { checkExperiment, type Problem } from "./checks.js";
import { completions } from "./completion.js";
import { parseExperiment, type ExperimentAst } from "./experiment-ast.js";
import { hoverAt, type HoverRuns } from "./hover.js";
import { RunFolderCache } from "./run-cache.js";
import { RunsRoots } from "./runs-root.js";
import { CodeLensCommands, DIAGNOSTIC_SOURCE } from "../../protocol/src/language-server.js";

/**
 * The code lenses' titles: product icons (codicons, `$(name)`), which VS Code draws with its own
 * icon font; emoji need an emoji font and show as empty boxes without one.
 */
const LENS_TITLES = { train: "$(play) Train", evalPrior: "$(beaker) Zero-shot prior", runSweep: "$(run-all) Run Sweep", suggestReward: "$(sparkle) Suggest reward", proposeSubgoals: "$(sparkle) Propose sub-goals", explain: "$(comment-discussion) Explain" } as const;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

interface Analysis {
  version: number;
  ast: ExperimentAst | undefined;
  problems: Problem[];
}
const analyses = new Map<string, Analysis>();
/** The `rlStudio.runsFolder` setting, from initializationOptions and didChangeConfiguration. */
const runsRoots = new RunsRoots();
/** Run-folder files the hovers read, re-read only when they change. */
const runFolders = new RunFolderCache();

/** Log a handler's failure and answer with the fallback: a bad document must never stop the server. */
function guard<T>(what: string, fallback: T, run: () => T): T {
  try {
    return run();
  } catch (err) {
    connection.console.error(`rl-studio language server: ${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return fallback;
  }
}

function analyse(doc: TextDocument): Analysis {
  const cached = analyses.get(doc.uri);
  if (cached && cached.version === doc.version) return cached;
  const ast = parseExperiment(doc.getText(), doc.uri);
  const analysis = { version: doc.version, ast, problems: ast ? checkExperiment(ast) : [] };
  analyses.set(doc.uri, analysis);
  return analysis;
}

function toRange(doc: TextDocument, span: { start: number; end: number }) {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

function toDiagnostic(doc: TextDocument, p: Problem): Diagnostic {
  return {
    range: toRange(doc, p.span),
    message: p.message,
    severity: p.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: DIAGNOSTIC_SOURCE,
    code: p.code,
    ...(p.fix ? { data: { fix: p.fix.newText } } : {}),
  };
}

function filePath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

function publish(doc: TextDocument): void {
  const diagnostics = guard("diagnostics", [] as Diagnostic[], () => analyse(doc).problems.map((p) => toDiagnostic(doc, p)));
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
}

connection.onInitialize((params) => {
  guard("initialization options", undefined, () => runsRoots.update(params.initializationOptions));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [".", '"', "'", "`", "{", ",", " "] },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
    },
    serverInfo: { name: "rl-studio-language-server", version: "0.1.0" },
  };
});

connection.onDidChangeConfiguration((params) => guard("configuration", undefined, () => runsRoots.update(params.settings)));

documents.onDidChangeContent((e) => publish(e.document));
documents.onDidClose((e) => {
  analyses.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onCompletion((params) =>
  guard("completion", [], () => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return completions(doc, analyse(doc).ast, doc.offsetAt(params.position));
  }),
);

connection.onHover((params) =>
  guard("hover", null, () => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const path = filePath(doc.uri);
    let root: string | undefined;
    const runs: HoverRuns | null = path === null ? null : { root: () => (root ??= runsRoots.rootFor(path)), cache: runFolders };
    return hoverAt(doc, analyse(doc).ast, doc.offsetAt(params.position), runs);
  }),
);

connection.onCodeAction((params) =>
  guard("code actions", [] as CodeAction[], () => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const start = doc.offsetAt(params.range.start);
    const end = doc.offsetAt(params.range.end);
    const actions: CodeAction[] = [];
    for (const p of analyse(doc).problems) {
      if (!p.fix || p.span.end < start || p.span.start > end) continue;
      const diagnostic = toDiagnostic(doc, p);
      actions.push({
        title: p.fix.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: [diagnostic],
        edit: { changes: { [doc.uri]: [{ range: toRange(doc, p.fix.span), newText: p.fix.newText }] } },
      });
    }
    return actions;
  }),
);

connection.onCodeLens((params) =>
  guard("code lenses", [] as CodeLens[], () => {
    const doc = documents.get(params.textDocument.uri);
    const ast = doc ? analyse(doc).ast : undefined;
    if (!doc || !ast) return [];
    const line = doc.positionAt(ast.callSpan.start).line;
    const range = { start: { line, character: 0 }, end: { line, character: 0 } };
    // A TWOSOME experiment's untrained LLM policy can be measured before any training.
    const prior = ast.algorithm?.value === "twosome" ? (["evalPrior"] as const) : [];
    return (["train", ...prior, "runSweep", "suggestReward", "proposeSubgoals", "explain"] as const).map((lens) => ({
      range,
      command: { title: LENS_TITLES[lens], command: CodeLensCommands[lens], arguments: [doc.uri] },
    }));
  }),
);

// Last line of defence: log, keep serving. The handlers above already catch their own errors.
process.on("uncaughtException", (err) => connection.console.error(`rl-studio language server: uncaught: ${err.stack ?? err.message}`));
process.on("unhandledRejection", (err) => connection.console.error(`rl-studio language server: unhandled rejection: ${String(err)}`));

documents.listen(connection);
connection.listen();
