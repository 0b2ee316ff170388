/**
 * The JSON shape the LLM must produce, as a JSON schema (turned into a grammar by the provider),
 * and its TypeScript twin. Component code is a JavaScript expression over the transition's names.
 */
import type { RewardComponent } from "./sandbox.js";

export interface RawCandidate {
  components: RewardComponent[];
  /** One line: why this reward should make the agent do the task. */
  rationale: string;
}

export interface CandidatesOutput {
  candidates: RawCandidate[];
}

/** The schema for `count` candidates of 1–5 components each. */
export function candidatesSchema(count: number) {
  return {
    type: "object",
    properties: {
      candidates: {
        type: "array",
        minItems: count,
        maxItems: count,
        items: {
          type: "object",
          properties: {
            components: {
              type: "array",
              minItems: 1,
              maxItems: 5,
              items: {
                type: "object",
                properties: {
                  name: { type: "string" },
                  code: { type: "string" },
                },
              },
            },
            rationale: { type: "string" },
          },
        },
      },
    },
  } as const;
}

/** The one-candidate schema used for a repair. */
export const REPAIR_SCHEMA = candidatesSchema(1);

/**
 * The candidates found in the model's output; malformed entries become reasons instead of throwing
 * (the grammar enforces the shape, but a scripted or different provider might not).
 */
export function readCandidates(value: unknown): { candidates: RawCandidate[]; malformed: string[] } {
  const malformed: string[] = [];
  const list = (value as { candidates?: unknown } | null)?.candidates;
  if (!Array.isArray(list)) return { candidates: [], malformed: ["the output has no candidates array"] };
  const candidates: RawCandidate[] = [];
  list.forEach((c, i) => {
    const comps = (c as { components?: unknown } | null)?.components;
    const rationale = (c as { rationale?: unknown } | null)?.rationale;
    if (!Array.isArray(comps) || comps.length === 0) {
      malformed.push(`candidate ${i + 1} has no components`);
      return;
    }
    const components: RewardComponent[] = [];
    for (const comp of comps) {
      const name = (comp as { name?: unknown } | null)?.name;
      const code = (comp as { code?: unknown } | null)?.code;
      if (typeof name !== "string" || typeof code !== "string") {
        malformed.push(`candidate ${i + 1}: a component needs a string name and a string code`);
        return;
      }
      components.push({ name: name.trim(), code: code.trim() });
    }
    candidates.push({ components, rationale: typeof rationale === "string" ? rationale.trim() : "" });
  });
  return { candidates, malformed };
}
