/**
 * The `llm` block of a TWOSOME experiment (`algorithm: "twosome"`): which GGUF model is the policy,
 * how an action's log-likelihood is normalised, and the LoRA adapter. Pure and synchronous: the
 * runtime's resolve and the language server's diagnostics both call `validateLlmSettings`, and the
 * hover/completion docs come from `LLM_FIELDS`, so each fact is written once.
 *
 * Defaults are TWOSOME's (WeihaoTan/TWOSOME twosome/overcooked/policy_pomdp.py: LoRA r = 8, α = 16,
 * dropout 0 on q_proj and v_proj; scripts/*_ppo_llm.sh: --normalization-mode "word").
 */
import { LORA_TARGETS, TWOSOME_LORA, type LoraConfig, type LoraTarget } from "../llm-policy/lora.js";
import { NORMALIZATIONS, type Normalization } from "../llm-policy/scoring.js";
import { formatValue } from "./validate.js";
import { closestMatch } from "./suggest.js";

export interface LlmSettings {
  /** The GGUF file as written in the experiment (null: take it from --model, rlStudio.llm.model or RL_STUDIO_LLM_MODEL). */
  model: string | null;
  normalization: Normalization;
  lora: LoraConfig;
}

/** One field of the block, for completion and hover. */
export interface LlmFieldDoc {
  /** Dotted path inside `llm`: "model", "lora.rank". */
  path: string;
  doc: string;
  default: string;
  allowed: string;
}

export const LLM_FIELDS: readonly LlmFieldDoc[] = [
  { path: "model", doc: "The GGUF model file that is the policy (llama or qwen2 architecture), relative to the experiment file or absolute.", default: "rlStudio.llm.model in the editor, --model on the command line, or RL_STUDIO_LLM_MODEL", allowed: "a path to a .gguf file" },
  { path: "normalization", doc: "How an action's summed token log-likelihood is normalised before the softmax over valid actions: by its word count, its token count, or not at all (TWOSOME's normalisations).", default: '"word" (TWOSOME\'s scripts)', allowed: NORMALIZATIONS.map((n) => `"${n}"`).join(", ") },
  { path: "lora", doc: "The LoRA adapter PPO trains; the model's own weights stay frozen.", default: "{ rank: 8, alpha: 16, dropout: 0, targets: [\"q\", \"v\"] }", allowed: "an object with rank, alpha, dropout, targets" },
  { path: "lora.rank", doc: "Rank r of the low-rank update B·A on each targeted projection.", default: String(TWOSOME_LORA.rank), allowed: "an integer ≥ 1 and ≤ 256" },
  { path: "lora.alpha", doc: "LoRA scale numerator: the update is multiplied by alpha / rank.", default: String(TWOSOME_LORA.alpha), allowed: "a finite number > 0" },
  { path: "lora.dropout", doc: "Dropout on the adapter's input during policy updates.", default: String(TWOSOME_LORA.dropout), allowed: "a number ≥ 0 and < 1" },
  { path: "lora.targets", doc: "Attention projections that get an adapter.", default: '["q", "v"]', allowed: `a non-empty list of ${LORA_TARGETS.map((t) => `"${t}"`).join(", ")} without repeats` },
];

export interface LlmProblem {
  /** Dotted path from the experiment's top level: "llm.lora.rank", "llm". */
  field: string;
  value: unknown;
  message: string;
}

const TOP_KEYS = ["model", "normalization", "lora"] as const;
const LORA_KEYS = ["rank", "alpha", "dropout", "targets"] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function unknownKey(path: string, key: string, known: readonly string[]): LlmProblem {
  const s = closestMatch(key, known);
  return { field: `${path}.${key}`, value: undefined, message: `unknown field "${path}.${key}"` + (s ? `: did you mean "${s}"?` : `; known: ${known.join(", ")}`) };
}

/**
 * Check the `llm` block as written (undefined: every default). Every problem is reported, each
 * naming its dotted field, the value and what is allowed; the settings are returned only when there are none.
 */
export function validateLlmSettings(raw: unknown): { settings: LlmSettings | null; problems: LlmProblem[] } {
  const problems: LlmProblem[] = [];
  const bad = (field: string, value: unknown, must: string) => problems.push({ field, value, message: `${field} = ${formatValue(value)}: must be ${must}` });
  if (raw !== undefined && !isRecord(raw)) {
    bad("llm", raw, 'an object such as { normalization: "word", lora: { rank: 8, alpha: 16, targets: ["q", "v"] } }');
    return { settings: null, problems };
  }
  const r = raw ?? {};
  for (const k of Object.keys(r)) if (!(TOP_KEYS as readonly string[]).includes(k)) problems.push(unknownKey("llm", k, TOP_KEYS));
  let model: string | null = null;
  if (r.model !== undefined) {
    if (typeof r.model !== "string" || r.model.trim() === "") bad("llm.model", r.model, "a non-empty path to a .gguf file");
    else model = r.model;
  }
  let normalization: Normalization = "word";
  if (r.normalization !== undefined) {
    if (!(NORMALIZATIONS as readonly unknown[]).includes(r.normalization)) bad("llm.normalization", r.normalization, `one of ${NORMALIZATIONS.map((n) => `"${n}"`).join(", ")}`);
    else normalization = r.normalization as Normalization;
  }
  const lora: LoraConfig = { ...TWOSOME_LORA, targets: [...TWOSOME_LORA.targets] };
  if (r.lora !== undefined) {
    if (!isRecord(r.lora)) bad("llm.lora", r.lora, "an object such as { rank: 8, alpha: 16, targets: [\"q\", \"v\"] }");
    else {
      const l = r.lora;
      for (const k of Object.keys(l)) if (!(LORA_KEYS as readonly string[]).includes(k)) problems.push(unknownKey("llm.lora", k, LORA_KEYS));
      if (l.rank !== undefined) {
        if (typeof l.rank !== "number" || !Number.isInteger(l.rank) || l.rank < 1 || l.rank > 256) bad("llm.lora.rank", l.rank, "an integer ≥ 1 and ≤ 256");
        else lora.rank = l.rank;
      }
      if (l.alpha !== undefined) {
        if (typeof l.alpha !== "number" || !Number.isFinite(l.alpha) || l.alpha <= 0) bad("llm.lora.alpha", l.alpha, "a finite number > 0");
        else lora.alpha = l.alpha;
      }
      if (l.dropout !== undefined) {
        if (typeof l.dropout !== "number" || !(l.dropout >= 0 && l.dropout < 1)) bad("llm.lora.dropout", l.dropout, "a number ≥ 0 and < 1");
        else lora.dropout = l.dropout;
      }
      if (l.targets !== undefined) {
        const t = l.targets;
        const ok = Array.isArray(t) && t.length > 0 && t.every((x) => (LORA_TARGETS as readonly unknown[]).includes(x)) && new Set(t).size === t.length;
        if (!ok) bad("llm.lora.targets", t, `a non-empty list of ${LORA_TARGETS.map((x) => `"${x}"`).join(", ")} without repeats`);
        else lora.targets = [...(t as LoraTarget[])];
      }
    }
  }
  return problems.length > 0 ? { settings: null, problems } : { settings: { model, normalization, lora }, problems };
}

/** Where the model path was looked for, in order, as a missing-model message lists them. */
export const MODEL_SOURCES_TEXT = 'llm.model in the experiment, --model <gguf> on the command line, the editor setting rlStudio.llm.model, or the environment variable RL_STUDIO_LLM_MODEL';
