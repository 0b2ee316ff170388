/**
 * One round of reward design: ask the provider for K candidates, validate each, give each invalid
 * one a single repair attempt with its error fed back, and report the rest as rejected with the
 * reason. An answer that cannot be read at all (not JSON of the schema, cut short, entries without
 * components) gets the same single repair: the problem fed back, the missing candidates asked for
 * again. Shared by suggestions (Text2Reward style) and each Eureka iteration.
 */
import { LlmOutputError, type GenerationStats, type LlmProvider } from "../llm/provider.js";
import { outputRepairPrompt, repairPrompt, suggestionPrompt, type DesignContext } from "./prompt.js";
import { rewardGrammar } from "./grammar.js";
import { candidatesSchema, readCandidates, REPAIR_SCHEMA, type RawCandidate } from "./schema.js";
import type { TransitionLayout } from "./sandbox.js";
import type { ComponentStats } from "./sandbox-worker.js";
import { rewardSnippet } from "./snippet.js";
import { validateCandidates } from "./validate.js";

export interface ValidCandidate extends RawCandidate {
  /** The `reward: (…) => ({ … })` property for the experiment file. */
  code: string;
  /** Each component's min / mean / max over the sample transitions. */
  sampleStats: Record<string, ComponentStats>;
  /** True when the first version failed validation (or the first answer could not be read) and the repaired one passed. */
  repaired: boolean;
  /** What the first version failed on (or what was wrong with the unreadable answer), when repaired. */
  repairedFrom?: string;
}

export interface RejectedCandidate {
  reason: string;
  components?: RawCandidate["components"];
}

export interface DesignStats {
  generations: number;
  promptTokens: number;
  generatedTokens: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface DesignRound {
  candidates: ValidCandidate[];
  rejected: RejectedCandidate[];
  stats: DesignStats;
}

export interface DesignOptions {
  provider: LlmProvider;
  count: number;
  layout: TransitionLayout;
  /** Input rows of sample transitions (samples.ts). */
  samples: readonly (readonly number[])[];
  /** Eureka's reward reflection from the previous iteration. */
  reflection?: string;
  /** Tokens for the whole answer (default 384 per candidate + 128: the grammar's longest answers fit, in a small vocabulary too). */
  maxTokens?: number;
  seed?: number;
  signal?: AbortSignal;
}

export async function designRewards(ctx: DesignContext, options: DesignOptions): Promise<DesignRound> {
  const stats: DesignStats = { generations: 0, promptTokens: 0, generatedTokens: 0, seconds: 0, tokensPerSecond: 0 };
  const count = (s: GenerationStats) => {
    stats.generations++;
    stats.promptTokens += s.promptTokens;
    stats.generatedTokens += s.generatedTokens;
    stats.seconds += s.seconds;
  };
  const generate = async (prompt: string, schema: object, n: number): Promise<ReturnType<typeof readCandidates>> => {
    try {
      const out = await options.provider.generateJson({
        prompt,
        schema: schema as Record<string, unknown>,
        grammar: rewardGrammar(n, options.layout),
        maxTokens: options.maxTokens ?? 384 * n + 128,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      count(out.stats);
      return readCandidates(out.value);
    } catch (err) {
      // Output that is not the JSON asked for (cut short, typically) is a malformed answer to
      // repair or reject, not a crash of the round; it still cost its tokens.
      if (!(err instanceof LlmOutputError)) throw err;
      if (err.stats) count(err.stats);
      else stats.generations++;
      return { candidates: [], malformed: [err.message] };
    }
  };
  const validate = (list: RawCandidate[]) => validateCandidates(list, options.layout, options.samples, options.signal ? { signal: options.signal } : {});

  const rejected: RejectedCandidate[] = [];
  const first = await generate(suggestionPrompt(ctx, options.count, options.reflection), candidatesSchema(options.count), options.count);
  const checks = await validate(first.candidates);

  const candidates: ValidCandidate[] = [];
  for (const check of checks) {
    if (check.ok) {
      candidates.push({ ...check.candidate, code: rewardSnippet(check.candidate.components), sampleStats: check.stats, repaired: false });
      continue;
    }
    // One repair attempt with the error fed back (Eureka feeds execution errors back the same way).
    let repairedCheck: Awaited<ReturnType<typeof validateCandidates>>[number] | undefined;
    let repairFailure: string;
    try {
      const repair = await generate(repairPrompt(ctx, check.candidate.components, check.reason), REPAIR_SCHEMA, 1);
      const fixed = repair.candidates[0];
      if (fixed) {
        [repairedCheck] = await validate([fixed]);
        repairFailure = repairedCheck && !repairedCheck.ok ? repairedCheck.reason : "";
      } else {
        repairFailure = repair.malformed[0] ?? "the repair produced no candidate";
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      repairFailure = `the repair request failed: ${(err as Error).message}`;
    }
    if (repairedCheck?.ok) {
      candidates.push({
        ...repairedCheck.candidate,
        code: rewardSnippet(repairedCheck.candidate.components),
        sampleStats: repairedCheck.stats,
        repaired: true,
        repairedFrom: check.reason,
      });
    } else {
      rejected.push({ reason: `${check.reason}; after one repair attempt: ${repairFailure}`, components: check.candidate.components });
    }
  }

  if (first.malformed.length > 0) {
    // The one repair for an unreadable answer: the problem fed back, the missing candidates asked
    // for again. What comes back is validated like any candidate but gets no second repair.
    const problem = first.malformed.join("; ");
    const missing = Math.max(1, options.count - first.candidates.length);
    let repairFailure: string | undefined;
    try {
      const repair = await generate(outputRepairPrompt(ctx, missing, problem, options.reflection), candidatesSchema(missing), missing);
      if (repair.candidates.length === 0) repairFailure = repair.malformed[0] ?? "the repair produced no candidate";
      else for (const m of repair.malformed) rejected.push({ reason: `${problem}; after one repair attempt: ${m}` });
      for (const check of await validate(repair.candidates.slice(0, missing))) {
        if (check.ok) {
          candidates.push({ ...check.candidate, code: rewardSnippet(check.candidate.components), sampleStats: check.stats, repaired: true, repairedFrom: problem });
        } else {
          rejected.push({ reason: `${problem}; after one repair attempt: ${check.reason}`, components: check.candidate.components });
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      repairFailure = `the repair request failed: ${(err as Error).message}`;
    }
    if (repairFailure !== undefined) for (const m of first.malformed) rejected.push({ reason: `${m}; after one repair attempt: ${repairFailure}` });
  }
  stats.tokensPerSecond = stats.seconds > 0 ? stats.generatedTokens / stats.seconds : 0;
  return { candidates, rejected, stats };
}
