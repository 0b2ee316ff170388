/** `rl-studio export-tb <run-dir>`: a TensorBoard events file for a run trained before RL Studio wrote them. */
import type { Command } from "commander";
import { RunDir } from "../runs/run-dir.js";
import { exportRunEvents } from "../tensorboard/run-log.js";
import type { CommandContext } from "./command-context.js";
import { displayPath, EXIT } from "./errors.js";

export function registerExportTb(program: Command, ctx: CommandContext): void {
  program
    .command("export-tb")
    .description("write a TensorBoard events file (events.out.tfevents.*) into a run folder from its metrics.jsonl and experiment.json; runs write one themselves as they train")
    .argument("<run-dir>", "the run folder, e.g. .rl-studio/runs/cartpole-ppo-20250101-120000-s1")
    .option("--force", "replace the run's existing events files")
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action((runDirPath: string, flags: { force?: boolean; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const run = RunDir.open(runDirPath);
      const { file, records } = exportRunEvents(run, { force: flags.force === true });
      ctx.out(
        flags.json
          ? JSON.stringify({ status: "ok", runDir: run.path, file, records })
          : `wrote ${displayPath(file, ctx.io.cwd)} (${records} metrics records and the hyperparameters); view with: tensorboard --logdir ${displayPath(run.path, ctx.io.cwd)}`,
      );
      ctx.setExitCode(EXIT.ok);
    });
}
