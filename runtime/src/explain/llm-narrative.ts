/**
 * The narrative writer backed by the local LLM: it phrases the measured facts (buildNarrativePrompt)
 * and nothing else; explain.ts keeps the text only if every number in it is among the facts.
 */
import { LlmOutputError, type LlmProvider } from "../llm/provider.js";
import type { BehaviourFacts } from "../../../protocol/src/explain.js";
import { buildNarrativePrompt, type NarrativeWriter } from "./narrative.js";

const NARRATIVE_SCHEMA = {
  type: "object",
  properties: { narrative: { type: "string" } },
  required: ["narrative"],
  additionalProperties: false,
} as const;

export class LlmNarrativeWriter implements NarrativeWriter {
  constructor(
    private readonly provider: LlmProvider,
    /** Upper bound on generated tokens (~150 words). */
    private readonly maxTokens = 320,
  ) {}

  async write(facts: BehaviourFacts, signal?: AbortSignal): Promise<string> {
    const { system, user } = buildNarrativePrompt(facts);
    const out = await this.provider.generateJson({
      prompt: `${system}\n\n${user}`,
      schema: NARRATIVE_SCHEMA,
      maxTokens: this.maxTokens,
      // Low temperature: a faithful paraphrase, not variety.
      temperature: 0.2,
      ...(signal ? { signal } : {}),
    });
    // The grammar should make this impossible, but a provider that escaped it (or a double) must
    // not pass through as an empty narrative: say what came back.
    const value = out.value;
    if (value === null || typeof value !== "object" || typeof (value as { narrative?: unknown }).narrative !== "string") {
      const text = out.text.length > 120 ? `${out.text.slice(0, 120)}…` : out.text;
      throw new LlmOutputError(`the output is not {"narrative": string}: ${text}`, out.text, undefined, out.stats);
    }
    return (value as { narrative: string }).narrative;
  }
}
