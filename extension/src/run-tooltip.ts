/**
 * The Runs view's tooltip of a run, as markdown. Everything in it comes from the run folder (its
 * name, experiment.json, status.json), so every value goes through common/src/markdown.ts: a
 * folder named with backticks or `[x](command:…)` shows as text. Pure (no `vscode`), unit-tested.
 */
import type { RunSummary } from "../../protocol/src/runtime.js";
import { markdownCode, markdownText } from "../../common/src/markdown.js";
import { isUnconfirmed } from "./runs-model.js";

export function runTooltipMarkdown(s: RunSummary): string {
  const lines = [`**${markdownText(s.runId)}** — ${markdownText(s.state)}`, ""];
  lines.push(`- env: ${markdownCode(s.envId)}${s.seed !== null ? `, seed ${s.seed}` : ""}`);
  lines.push(`- step ${s.globalStep.toLocaleString("en-US")} of ${s.totalTimesteps.toLocaleString("en-US")}`);
  if (s.lastEpisodicReturn !== null) lines.push(`- last episodic return ${s.lastEpisodicReturn.toFixed(2)}`);
  if (s.backend) lines.push(`- backend ${markdownCode(s.backend)}`);
  if (isUnconfirmed(s)) {
    lines.push(
      "",
      "status.json says a process trains this run, but it cannot be confirmed that the process is its trainer (the file was written by an older RL Studio, or the system does not say). Stop leaves that process alone; Resume asks before resuming.",
    );
  }
  if (s.error) lines.push("", `**Error:** ${markdownText(s.error)}`);
  lines.push("", markdownCode(s.runDir));
  return lines.join("\n");
}
