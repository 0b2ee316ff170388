/**
 * What the "Zero-shot Prior" command says about a `runtime/evalPrior` result: a one-line
 * notification and the output channel's lines. Free of `vscode`, so it is unit-tested.
 */
import type { EvalPriorProgressParams, EvalPriorResult } from "../../protocol/src/runtime.js";

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(0)} %`;
}

function fixed3(x: number): string {
  return x.toFixed(3);
}

/** The notification: success rate, mean return and the number of episodes it comes from. */
export function priorNotification(r: EvalPriorResult): string {
  return `RL Studio: zero-shot prior of ${r.experimentName}: success rate ${percent(r.successRate)}, mean return ${fixed3(r.meanReturn)} ± ${r.stdReturn.toFixed(3)} (std) over ${r.episodes} episode${r.episodes === 1 ? "" : "s"}.`;
}

/** The output channel's record of a result, one fact a line. */
export function priorLogLines(r: EvalPriorResult): string[] {
  const causes = Object.entries(r.terminationCauses)
    .sort((a, b) => b[1] - a[1])
    .map(([cause, n]) => `${cause} ${n}`)
    .join(", ");
  return [
    `[client] zero-shot prior of ${r.experimentName} (model ${r.model}), ${r.episodes} greedy episodes:`,
    `  success rate ${percent(r.successRate)}`,
    `  mean return ${fixed3(r.meanReturn)} ± ${r.stdReturn.toFixed(3)} (std)`,
    `  mean length ${r.meanLength.toFixed(1)}`,
    `  episodes ended by ${causes || "--"}`,
  ];
}

/** The progress notification's message and its increment (percent of all episodes) for one finished episode. */
export function priorProgress(p: EvalPriorProgressParams): { message: string; increment: number } {
  return { message: `episode ${p.episode}/${p.episodes}: return ${fixed3(p.episodicReturn)}`, increment: 100 / p.episodes };
}
