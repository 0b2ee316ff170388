/**
 * Registers the local-LLM reward features (one line in extension.ts): the LLM state and model
 * download, ✨ Suggest reward and ✨ Propose sub-goals (commands and code lenses), ghost text in `reward`, Evolve Reward and
 * its results page. Command ids are declared in package.json `contributes.commands`.
 */
import * as vscode from "vscode";
import { showErrorMessage } from "../notify.js";
import type { Ctx } from "../ctx.js";
import { EvolutionViews } from "./evolve-view.js";
import { InlineRewardProvider } from "./inline-reward.js";
import { LlmFeature, errorText } from "./llm-feature.js";
import { DOWNLOAD_MODEL_COMMAND } from "./reward-text.js";
import { CodeLensCommands } from "../../../protocol/src/language-server.js";
import { RewardPreviews, suggestReward } from "./suggest-reward.js";
import { proposeSubgoals } from "./propose-subgoals.js";

export function registerLlm(ctx: Ctx): vscode.Disposable[] {
  const feature = new LlmFeature(ctx);
  const previews = new RewardPreviews();
  const evolutions = new EvolutionViews(feature, previews);
  const inline = new InlineRewardProvider(feature);
  /** A failure becomes a visible error with the log one click away (as the other commands do). */
  const reg = (id: string, title: string, f: (arg: unknown) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (arg: unknown) => {
      try {
        await f(arg);
      } catch (err) {
        ctx.log.appendLine(`[llm] ${title}: ${errorText(err)}`);
        const pick = await showErrorMessage(`RL Studio: ${title} failed: ${errorText(err)}`, "Show Log");
        if (pick) ctx.log.show(true);
      }
    });
  return [
    feature,
    previews,
    evolutions,
    reg(DOWNLOAD_MODEL_COMMAND, "Download Model", () => feature.download()),
    reg(CodeLensCommands.suggestReward, "Suggest Reward", (arg) => suggestReward(feature, previews, arg)),
    reg(CodeLensCommands.proposeSubgoals, "Propose Sub-goals", (arg) => proposeSubgoals(feature, previews, arg)),
    reg("rlStudio.evolveReward", "Evolve Reward", (arg) => evolutions.evolve(arg)),
    reg("rlStudio.applyEvolvedReward", "Apply Evolved Reward", (arg) => evolutions.applyEvolved(arg)),
    vscode.languages.registerInlineCompletionItemProvider({ scheme: "file", pattern: "**/*.rl.ts" }, inline),
    vscode.workspace.onDidCloseTextDocument((d) => inline.forget(d)),
  ];
}
