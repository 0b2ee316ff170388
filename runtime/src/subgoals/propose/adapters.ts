/** The CLI verb `rl-studio propose-subgoals`: model setup (reward-design/adapters.ts), printing. Behaviour is in propose.ts. */
import { withProvider, type CommandIo, type LlmFlags } from "../../reward-design/adapters.js";
import { proposeSubgoals, type SubgoalProposal } from "./propose.js";

export async function runProposeSubgoalsCommand(path: string, flags: LlmFlags, io: CommandIo): Promise<SubgoalProposal> {
  return withProvider(flags, async (provider) => {
    const result = await proposeSubgoals(path, { provider, ...(io.signal ? { signal: io.signal } : {}) });
    if (flags.json) {
      io.stdout(JSON.stringify({ status: result.snippet ? "ok" : "none-valid", ...result }));
      return result;
    }
    if (result.malformed) io.stderr(`the model's answer could not be read: ${result.malformed}`);
    for (const v of result.verdicts) {
      if (v.ok) io.stdout(`✓ ${v.subgoal.name}: ${v.subgoal.achieved}  (${v.note})${v.subgoal.description ? ` — ${v.subgoal.description}` : ""}`);
      else io.stdout(`✗ ${v.subgoal.name}: ${v.subgoal.achieved}  (${v.kind}: ${v.reason})`);
    }
    if (result.snippet) io.stdout(`\n${result.snippet}`);
    const valid = result.verdicts.filter((v) => v.ok).length;
    io.stderr(`${valid} of ${result.verdicts.length} proposed sub-goals valid; ${result.stats.generatedTokens} tokens in ${result.stats.seconds.toFixed(1)} s`);
    return result;
  });
}
