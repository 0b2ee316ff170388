/**
 * The runtime server's LLM side: one ModelManager (the one owner of the Llama instance) and one
 * provider for the process, the `llm/*`, `reward/*` and `subgoals/propose` requests, and the narrative writer that
 * `runtime/explain` uses when a model is configured. node-llama-cpp is loaded only on first use.
 */
import type { MessageConnection } from "vscode-jsonrpc";
import {
  CheckRewardRequest,
  EvolveRewardProgressNotification,
  EvolveRewardRequest,
  LlmConfigureNotification,
  LlmDownloadRequest,
  LlmStateNotification,
  ProposeSubgoalsRequest,
  SuggestRewardRequest,
  type EvolveRewardResult,
} from "../../../protocol/src/reward-design.js";
import { ModelManager } from "../llm/model-manager.js";
import { LlamaProvider } from "../llm/llama-provider.js";
import { suggestRewards } from "../reward-design/suggest.js";
import { evolveReward } from "../reward-design/evolve.js";
import { checkRewardForApply } from "../reward-design/apply-check.js";
import { proposeSubgoals } from "../subgoals/propose/propose.js";
import { LlmNarrativeWriter } from "../explain/llm-narrative.js";
import type { NarrativeWriter } from "../explain/narrative.js";

function abortOn(token: { onCancellationRequested(listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export class RewardDesignService {
  private readonly manager = new ModelManager({ gpu: "auto" });
  private readonly provider = new LlamaProvider(this.manager);
  private readonly unsubscribe: () => void;

  constructor(private readonly connection: MessageConnection) {
    this.unsubscribe = this.manager.onDidChangeState((state) => void connection.sendNotification(LlmStateNotification.type, state));
    connection.onNotification(LlmConfigureNotification.type, (settings) => {
      void this.manager.configure({ ...(settings.model ? { model: settings.model } : {}), gpu: settings.gpu });
    });
    connection.onRequest(LlmDownloadRequest.type, async (params, token) => ({
      path: await this.manager.download({ ...(params.uri ? { uri: params.uri } : {}), signal: abortOn(token) }),
    }));
    connection.onRequest(SuggestRewardRequest.type, async (params, token) => {
      const result = await suggestRewards(params.experimentPath, {
        provider: this.provider,
        ...(params.count !== undefined ? { count: params.count } : {}),
        ...(params.sourceText !== undefined ? { sourceText: params.sourceText } : {}),
        signal: abortOn(token),
      });
      return {
        candidates: result.candidates.map((c) => ({ components: c.components, rationale: c.rationale, code: c.code, repaired: c.repaired, sampleStats: c.sampleStats })),
        rejected: result.rejected,
        stats: result.stats,
        rewardRange: result.rewardRange,
      };
    });
    connection.onRequest(EvolveRewardRequest.type, async (params, token) => {
      const result = await evolveReward(params.experimentPath, {
        provider: this.provider,
        ...(params.candidates !== undefined ? { candidates: params.candidates } : {}),
        ...(params.iterations !== undefined ? { iterations: params.iterations } : {}),
        ...(params.budget !== undefined ? { budget: params.budget } : {}),
        signal: abortOn(token),
        onProgress: (p) => void connection.sendNotification(EvolveRewardProgressNotification.type, p),
      });
      return result as unknown as EvolveRewardResult;
    });
    connection.onRequest(ProposeSubgoalsRequest.type, async (params, token) => {
      const p = await proposeSubgoals(params.experimentPath, {
        provider: this.provider,
        ...(params.sourceText !== undefined ? { sourceText: params.sourceText } : {}),
        signal: abortOn(token),
      });
      return {
        subgoals: p.verdicts.map((v) => ({ ...v.subgoal, ok: v.ok, note: v.ok ? v.note : v.reason, ...(v.ok ? {} : { kind: v.kind }) })),
        snippet: p.snippet,
        range: p.range,
        edit: p.edit,
        malformed: p.malformed,
        stats: p.stats,
      };
    });
    connection.onRequest(CheckRewardRequest.type, (params, token) =>
      checkRewardForApply(params.experimentPath, params.components, { ...(params.sourceText !== undefined ? { sourceText: params.sourceText } : {}), signal: abortOn(token) }),
    );
  }

  /** The LLM narrative writer when a model is configured; null otherwise (explanations then show the summary). */
  narrativeWriter(): NarrativeWriter | null {
    return this.manager.state.state === "no-model" ? null : new LlmNarrativeWriter(this.provider);
  }

  async dispose(): Promise<void> {
    this.unsubscribe();
    await this.provider.dispose();
    await this.manager.dispose();
  }
}
