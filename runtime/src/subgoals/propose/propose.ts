/**
 * ✨ Propose sub-goals: the local model reads the experiment's task and the env's named fields and
 * writes an ordered list of sub-goals under the predicate grammar; each is validated (validate.ts)
 * and the valid ones become a `subgoals: [...]` property to accept as a diff, like reward
 * suggestions. The CLI (`rl-studio propose-subgoals`) and the editor both come here.
 */
import { scanExperimentObject } from "../../../../common/src/experiment-object.js";
import { loadExperiment } from "../../experiment/resolve.js";
import { LlmOutputError, type GenerationStats, type LlmProvider } from "../../llm/provider.js";
import { proposalPrompt } from "./prompt.js";
import { proposalSchema, subgoalGrammar } from "./grammar.js";
import { validateProposal, validationSamples, type RawSubgoal, type SubgoalVerdict } from "./validate.js";

export interface ProposeOptions {
  provider: LlmProvider;
  /** Random-policy transitions the predicates are tried on (default 2000). */
  samples?: number;
  seed?: number;
  /** The experiment's text when it differs from the file (an editor's unsaved buffer). */
  sourceText?: string;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface SubgoalProposal {
  experiment: { path: string; envId: string; task: string | null };
  /** One verdict per proposed sub-goal, in the model's order. */
  verdicts: SubgoalVerdict[];
  /** The `subgoals: [...]` property of the valid sub-goals, in order; null when none is valid. */
  snippet: string | null;
  /** The `subgoals` property's 0-based offsets in the source (start = end: where to insert one); null if the experiment object was not found. */
  range: { start: number; end: number } | null;
  /** Accepting the proposal: replace [start, end) of the source with newText; null when nothing is valid or there is no experiment object. */
  edit: { start: number; end: number; newText: string } | null;
  /** The answer could not be read (not the JSON asked for); the verdicts are then empty. */
  malformed: string | null;
  text: string;
  stats: GenerationStats;
}

/** The sub-goals in the model's answer; a reason instead when it is not the shape asked for. */
export function readProposal(value: unknown): { subgoals: RawSubgoal[]; malformed: string | null } {
  const list = (value as { subgoals?: unknown } | null)?.subgoals;
  if (!Array.isArray(list)) return { subgoals: [], malformed: "the answer has no subgoals array" };
  const subgoals: RawSubgoal[] = [];
  for (const [i, item] of list.entries()) {
    const s = item as Record<string, unknown> | null;
    if (!s || typeof s.name !== "string" || typeof s.achieved !== "string") return { subgoals: [], malformed: `sub-goal ${i + 1} needs a string name and a string achieved` };
    subgoals.push({ name: s.name.trim(), description: typeof s.description === "string" ? s.description.trim() : "", achieved: s.achieved.trim() });
  }
  return { subgoals, malformed: null };
}

/** `subgoals: [ … ],` for the experiment file, each predicate as `({ obs }) => …`. */
export function subgoalsSnippet(subgoals: readonly RawSubgoal[], indent = "  "): string {
  const lines = subgoals.map((s) => `${indent}  { name: ${JSON.stringify(s.name)}, description: ${JSON.stringify(s.description)}, achieved: ({ obs }) => ${s.achieved.replace(/\s*\n\s*/g, " ")} },`);
  return `subgoals: [\n${lines.join("\n")}\n${indent}],`;
}

/**
 * The experiment object's `subgoals` property (found by common/src/experiment-object.ts, the scan the
 * editor and the language server use): its range without a trailing comma, or (start = end) the
 * insertion point after the last property, before its comma — the same convention as the reward
 * property, so the editor's diff-and-apply serves both.
 */
export function findSubgoalsProperty(sourceText: string): { text: string | null; start: number; end: number } | null {
  const experiment = scanExperimentObject(sourceText);
  if (!experiment) return null;
  const prop = experiment.properties.filter((p) => p.name === "subgoals").at(-1);
  if (prop) return { text: sourceText.slice(prop.start, prop.end), start: prop.start, end: prop.end };
  if (experiment.insertAt === null) return null;
  return { text: null, start: experiment.insertAt, end: experiment.insertAt };
}

/** The edit that puts `property` (without a trailing comma) at `at`: replacing the property, or inserted after the last one. */
export function propertyEdit(at: { text: string | null; start: number; end: number }, property: string): { start: number; end: number; newText: string } {
  return { start: at.start, end: at.end, newText: at.text === null ? `,\n  ${property}` : property };
}

export async function proposeSubgoals(experimentPath: string, options: ProposeOptions): Promise<SubgoalProposal> {
  const experiment = await loadExperiment(experimentPath, {}, options.sourceText);
  options.signal?.throwIfAborted();
  const spec = experiment.spec;
  const fields = spec.observationFields.map((f) => f.name);
  const at = findSubgoalsProperty(experiment.source.text);
  const prompt = proposalPrompt({ spec, task: experiment.task, current: at?.text ?? null });
  const base = { experiment: { path: experiment.source.path, envId: experiment.envId, task: experiment.task }, range: at ? { start: at.start, end: at.end } : null };
  let value: unknown;
  let text: string;
  let stats: GenerationStats;
  try {
    const out = await options.provider.generateJson({
      prompt,
      schema: proposalSchema(),
      grammar: subgoalGrammar(fields),
      maxTokens: options.maxTokens ?? 1536,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    ({ value, text, stats } = out);
  } catch (err) {
    if (!(err instanceof LlmOutputError)) throw err;
    return { ...base, edit: null, verdicts: [], snippet: null, malformed: err.message, text: err.text, stats: err.stats ?? { promptTokens: 0, generatedTokens: 0, seconds: 0, tokensPerSecond: 0 } };
  }
  const read = readProposal(value);
  if (read.malformed) return { ...base, edit: null, verdicts: [], snippet: null, malformed: read.malformed, text, stats };
  const samples = validationSamples(experiment.makeEnv, spec, { transitions: options.samples ?? 2000, seed: experiment.seed });
  const verdicts = await validateProposal(read.subgoals, spec, samples, options.signal ? { signal: options.signal } : {});
  const valid = verdicts.filter((v) => v.ok).map((v) => v.subgoal);
  const snippet = valid.length > 0 ? subgoalsSnippet(valid) : null;
  const edit = snippet && at ? propertyEdit(at, snippet.replace(/,$/, "")) : null;
  return { ...base, edit, verdicts, snippet, malformed: null, text, stats };
}
