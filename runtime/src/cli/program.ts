/**
 * `rl-studio` commands: train, resume, eval, explain, suggest-reward, evolve-reward, propose-subgoals, envs, and
 * (registered from their own modules) export-tb and sweep. Each returns its exit code instead of calling
 * `process.exit`, so the whole CLI can be driven in-process; `main.ts` is the thin entry point.
 *
 * Output contract: progress and notices go to stderr; stdout carries the result — a human report,
 * or with `--json` exactly one JSON object as the last line.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ENV_SPECS } from "../envs/registry.js";
import { evaluateRun } from "../ppo/policy.js";
import { evaluatePrior, evaluateTwosomeRun } from "../llm-policy/evaluate-twosome.js";
import { isTwosomeRun } from "../llm-policy/explain-twosome.js";
import { loadExperiment } from "../experiment/resolve.js";
import type { BackendName, TrainSummary } from "../ppo/train.js";
import { BACKEND_NAMES } from "../../../protocol/src/runtime.js";
import { declareSigintStop } from "../runs/process-identity.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";
import { resumeRun, startRun, type StartedRun } from "../runs/start-run.js";
import { envToJson, formatEnvTable } from "./env-table.js";
import { displayPath, EXIT, reportError } from "./errors.js";
import { ProgressReporter } from "./progress.js";
import { evalResultJson, formatEvalSummary, formatTrainSummary, trainResultJson } from "./summary.js";
import { runExplainCommand } from "../explain/adapters.js";
// Loaded when a reward or LLM command runs: it pulls in the TypeScript compiler (~0.6 s of CPU to load),
// which train, resume, eval and envs never need (launch → first progress line stays under a second).
const rewardDesign = () => import("../reward-design/adapters.js");
const proposeSubgoals = () => import("../subgoals/propose/adapters.js");
import { LlmNarrativeWriter } from "../explain/llm-narrative.js";
import type { CommandContext } from "./command-context.js";
import { registerExportTb } from "./export-tb-command.js";
import { registerSweep } from "./sweep-command.js";

/** auto or a backend, as protocol/src/runtime.ts declares them. */
export const BACKEND_CHOICES: readonly (BackendName | "auto")[] = BACKEND_NAMES;

/** Where the CLI writes and what it listens to; the process's own streams and signals by default. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Ctrl-C: first press stops training gracefully, second exits at once. */
  onInterrupt: (handler: () => void) => () => void;
  /** Immediate exit for a second Ctrl-C. */
  exit: (code: number) => never;
  cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt: (handler) => {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      // status.json written meanwhile says so: the editor's Stop may then send this process SIGINT.
      const withdraw = declareSigintStop();
      return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
        withdraw();
      };
    },
    exit: (code) => process.exit(code),
    cwd: process.cwd(),
  };
}

/** A non-negative integer flag, at most `max` when given; accepts `100000`, `100_000`, `100,000` and `1e5`. */
export function parseCount(flag: string, min: number, max?: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value.replace(/[_,]/g, ""));
    if (value.trim() === "" || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(max === undefined ? `${flag} must be an integer ≥ ${min}, got "${value}"` : `${flag} must be an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** The package version, read from the package.json beside the bundle (dist/) or the sources. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "rl-studio" && pkg.version) return pkg.version;
      } catch {
        // Not ours or unreadable: keep looking upwards.
      }
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

interface TrainFlags {
  model?: string;
  seed?: number;
  totalTimesteps?: number;
  backend: BackendName | "auto";
  runsDir?: string;
  experienceMaxMb?: number;
  userCodeTimeout?: number;
  json?: boolean;
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  let json = false;
  const out = (text: string) => io.stdout.write(text.endsWith("\n") ? text : text + "\n");
  const err = (text: string) => io.stderr.write(text.endsWith("\n") ? text : text + "\n");

  const program = new Command("rl-studio")
    .description("Train, resume and evaluate reinforcement-learning experiments (*.rl.ts) from a terminal.")
    .version(packageVersion())
    .exitOverride()
    // A command's options are its own, even when a parent has one of the same name (sweep --json, sweep status --json).
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError();

  const userCodeTimeoutOption = () =>
    new Option(
      "--user-code-timeout <ms>",
      "fail the run when one call into the experiment's own code (its top level, reward, custom env) has not returned after this many milliseconds (default 5000)",
    ).argParser(parseCount("--user-code-timeout", 1));
  const userCodeTimeout = (ms: number | undefined) => (ms !== undefined ? { userCodeTimeoutMs: ms } : {});

  const backendOption = () =>
    new Option("--backend <name>", "tensor backend; auto: the fastest by a measured cost model (the plain-JS js learner for classic-control networks; a GPU is timed at run start for large ones)").choices(BACKEND_CHOICES as string[]).default("auto");

  const modelOption = () =>
    new Option("--model <gguf>", 'algorithm "twosome": the GGUF model that is the policy, instead of the experiment\'s llm.model (default: llm.model, then RL_STUDIO_LLM_MODEL)');

  program
    .command("train")
    .description("train an experiment; writes a run folder under <workspace>/.rl-studio/runs")
    .argument("<experiment>", "the experiment file, e.g. examples/cartpole.rl.ts")
    .option("--seed <n>", "override the experiment's seed", parseCount("--seed", 0))
    .option("--total-timesteps <n>", "override hyperparameters.totalTimesteps", parseCount("--total-timesteps", 1))
    .addOption(backendOption())
    .addOption(modelOption())
    .option("--runs-dir <dir>", "folder for run folders (default: <workspace>/.rl-studio/runs)")
    .option("--experience-max-mb <n>", "cap of the env's experience store in MB, overriding hyperparameters.experienceMaxMegabytes (0: store nothing from this run; default 256)", parseCount("--experience-max-mb", 0))
    .addOption(userCodeTimeoutOption())
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (experimentPath: string, flags: TrainFlags) => {
      json = flags.json === true;
      exitCode = await trainOrResume(io, json, (hooks) =>
        startRun({
          experimentPath,
          ...(flags.runsDir !== undefined ? { runsRoot: flags.runsDir } : {}),
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
          ...(flags.totalTimesteps !== undefined ? { totalTimesteps: flags.totalTimesteps } : {}),
          ...(flags.experienceMaxMb !== undefined ? { experienceMaxMegabytesOverride: flags.experienceMaxMb } : {}),
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...userCodeTimeout(flags.userCodeTimeout),
          backend: flags.backend,
          ...hooks,
        }),
      );
    });

  program
    .command("resume")
    .description("continue a stopped or failed run from its last checkpoint (same run folder, same curves)")
    .argument("<run-dir>", "the run folder, e.g. .rl-studio/runs/cartpole-ppo-20250101-120000-s1")
    .addOption(backendOption())
    .addOption(modelOption())
    .addOption(userCodeTimeoutOption())
    .option("--force", "resume even though status.json names a live process that cannot be confirmed to be (or not to be) its trainer (an older status.json)")
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (runDirPath: string, flags: { backend: BackendName | "auto"; model?: string; userCodeTimeout?: number; force?: boolean; json?: boolean }) => {
      json = flags.json === true;
      exitCode = await trainOrResume(io, json, (hooks) =>
        resumeRun({ runDir: runDirPath, backend: flags.backend, ...(flags.model !== undefined ? { model: flags.model } : {}), ...userCodeTimeout(flags.userCodeTimeout), ...(flags.force ? { force: true } : {}), ...hooks }),
      );
    });

  program
    .command("eval")
    .description("run the trained policy for some episodes and report returns, lengths and how episodes ended; with --prior, the untrained LLM policy of a TWOSOME experiment")
    .argument("<run-dir>", "the run folder (with --prior: the experiment file)")
    .option("--episodes <n>", "episodes to run", parseCount("--episodes", 1), 10)
    .option("--seed <n>", "seed of the evaluation episodes", parseCount("--seed", 0))
    .option("--stochastic", "sample actions from the policy instead of taking the most likely (mean) action")
    .option("--prior", 'algorithm "twosome": evaluate the experiment\'s LLM before any training (the zero-shot prior)')
    .addOption(modelOption())
    .addOption(backendOption())
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (target: string, flags: { episodes: number; seed?: number; stochastic?: boolean; prior?: boolean; model?: string; backend: BackendName | "auto"; json?: boolean }) => {
      json = flags.json === true;
      const controller = new AbortController();
      const release = interruptible(io, controller, "stopping the evaluation…");
      const options = {
        episodes: flags.episodes,
        ...(flags.stochastic ? { deterministic: false } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        signal: controller.signal,
        onEpisode: json ? undefined : (i: number, ret: number) => err(`episode ${i + 1}/${flags.episodes}: return ${ret.toFixed(1)}`),
      };
      try {
        if (flags.prior) {
          const experiment = await loadExperiment(target, flags.model !== undefined ? { model: resolve(io.cwd, flags.model) } : {});
          const summary = await evaluatePrior(experiment, { ...options, backend: flags.backend, log: err });
          out(json ? JSON.stringify(evalResultJson(experiment.source.path, { ...summary })) : formatEvalSummary(`the zero-shot prior of ${experiment.name}`, summary));
        } else {
          const run = RunDir.open(target);
          if (!existsSync(run.file("checkpoint"))) {
            throw new RunDirError(run.path, `${target}: no checkpoint yet, so there is no trained policy to evaluate (a checkpoint is written every checkpointEvery iterations and when training stops)`);
          }
          const summary =
            run.readExperiment().algorithm === "twosome"
              ? await evaluateTwosomeRun(run, { ...options, backend: flags.backend, log: err, ...(flags.model !== undefined ? { model: resolve(io.cwd, flags.model) } : {}) })
              : await evaluateRun(run, options);
          out(json ? JSON.stringify(evalResultJson(run.path, summary)) : formatEvalSummary(run.id, summary));
        }
        exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      } finally {
        release();
      }
    });

  program
    .command("explain")
    .description("measure what the trained policy does (how episodes end, action choice by observation field, reward components) and say it in sentences with figures")
    .argument("<run-dir>", "the run folder")
    .option("--episodes <n>", "evaluation episodes per mode (deterministic and stochastic); default 50, for a TWOSOME run 5 greedy episodes", parseCount("--episodes", 1))
    .option("--model <path>", "a .gguf file or hf: URI: the local LLM then also writes a narrative from the measured facts, kept only if every number in it is among them (default: RL_STUDIO_LLM_MODEL; without a model, the measured summary alone). A TWOSOME run: the GGUF its policy is loaded from instead of the run's own, as for eval")
    .addOption(new Option("--backend <name>", "a TWOSOME run: the tensor backend of its LLM policy (an MLP policy is evaluated in plain JS)").choices(BACKEND_CHOICES as string[]).default("auto"))
    .option("--json", "print the explanation as one JSON object on the last stdout line")
    .action(async (runDirPath: string, flags: { episodes?: number; model?: string; backend: BackendName | "auto"; json?: boolean }) => {
      json = flags.json === true;
      const controller = new AbortController();
      const release = interruptible(io, controller, "stopping the explanation…");
      const episodes = flags.episodes !== undefined ? { episodes: flags.episodes } : {};
      const explain = (writer: LlmNarrativeWriter | null, model?: string) =>
        runExplainCommand(runDirPath, { ...episodes, json, backend: flags.backend, ...(model !== undefined ? { model } : {}) }, { stdout: out, stderr: err, signal: controller.signal, writer });
      try {
        if (isTwosomeRun(RunDir.open(runDirPath))) {
          // The LLM is the policy (--model overrides its GGUF, as for eval); its facts get no narrative.
          await explain(null, flags.model !== undefined ? resolve(io.cwd, flags.model) : undefined);
        } else {
          // The narrative is optional: with no model named anywhere, the facts and summary still come.
          const model = flags.model ?? process.env.RL_STUDIO_LLM_MODEL;
          if (model) await (await rewardDesign()).withProvider({ model }, (provider) => explain(new LlmNarrativeWriter(provider)));
          else await explain(null);
        }
        exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      } finally {
        release();
      }
    });

  program
    .command("propose-subgoals")
    .description("ask the local LLM to split the experiment's task into ordered sub-goals over the env's fields; each is validated in a sandbox on random-policy rollouts before it is shown")
    .argument("<experiment>", "the experiment file")
    .option("--model <path>", "a .gguf file or hf: URI (default: RL_STUDIO_LLM_MODEL; in the editor: rlStudio.llm.model)")
    .option("--json", "print the result as one JSON object")
    .action(async (experimentPath: string, flags: { model?: string; json?: boolean }) => {
      json = flags.json === true;
      const controller = new AbortController();
      const release = interruptible(io, controller, "stopping the proposal…");
      try {
        await (await proposeSubgoals()).runProposeSubgoalsCommand(experimentPath, { ...flags, json }, { stdout: out, stderr: err, signal: controller.signal });
        exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      } finally {
        release();
      }
    });

  program
    .command("suggest-reward")
    .description("ask the local LLM for reward functions for an experiment; each is validated in a sandbox before it is shown")
    .argument("<experiment>", "the experiment file")
    .option("--model <path>", "a .gguf file or hf: URI (default: RL_STUDIO_LLM_MODEL; in the editor: rlStudio.llm.model)")
    // The limits suggestRewards and evolveReward enforce, checked here so a bad value is a usage error.
    .option("--count <k>", "candidates to ask for (1 to 8)", parseCount("--count", 1, 8), 3)
    .option("--json", "print the result as one JSON object")
    .action(async (experimentPath: string, flags: { model?: string; count: number; json?: boolean }) => {
      json = flags.json === true;
      const controller = new AbortController();
      const release = interruptible(io, controller, "stopping the suggestion…");
      try {
        await (await rewardDesign()).runSuggestRewardCommand(experimentPath, { ...flags, json }, { stdout: out, stderr: err, signal: controller.signal });
        exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      } finally {
        release();
      }
    });

  program
    .command("evolve-reward")
    .description("Eureka-style reward evolution: K candidates x N iterations, each trained briefly and scored by the env's own return")
    .argument("<experiment>", "the experiment file")
    .option("--model <path>", "a .gguf file or hf: URI (default: RL_STUDIO_LLM_MODEL; in the editor: rlStudio.llm.model)")
    .option("--candidates <k>", "candidates per iteration (1 to 16)", parseCount("--candidates", 1, 16), 4)
    .option("--iterations <n>", "iterations (1 to 20)", parseCount("--iterations", 1, 20), 3)
    .option("--budget <steps>", "training steps per candidate", parseCount("--budget", 1))
    .option("--json", "print the result as one JSON object")
    .action(async (experimentPath: string, flags: { model?: string; candidates: number; iterations: number; budget?: number; json?: boolean }) => {
      json = flags.json === true;
      const controller = new AbortController();
      const release = interruptible(io, controller, "stopping the evolution…");
      try {
        await (await rewardDesign()).runEvolveRewardCommand(experimentPath, { ...flags, json }, { stdout: out, stderr: err, signal: controller.signal });
        exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      } finally {
        release();
      }
    });

  program
    .command("envs")
    .description("list the built-in environments: spaces, named observation fields with ranges, action meanings")
    .option("--json", "print the list as one JSON object")
    .action((flags: { json?: boolean }) => {
      json = flags.json === true;
      out(json ? JSON.stringify({ envs: ENV_SPECS.map(envToJson) }) : formatEnvTable(ENV_SPECS));
    });

  const ctx: CommandContext = {
    io,
    out,
    err,
    setJson: (j) => (json = j),
    setExitCode: (code) => (exitCode = code),
    interruptible: (controller, message) => interruptible(io, controller, message),
  };
  registerExportTb(program, ctx);
  registerSweep(program, ctx);

  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    const reported = reportError(e, io.cwd);
    err(reported.message);
    if (json) out(JSON.stringify({ status: "error", error: reported.json }));
    return reported.exitCode;
  }
}

/** First Ctrl-C aborts `controller`; a second exits immediately. Returns the function that unhooks it. */
function interruptible(io: CliIo, controller: AbortController, message: string): () => void {
  return io.onInterrupt(() => {
    if (controller.signal.aborted) {
      io.stderr.write("\ninterrupted again: exiting now (the run resumes from its last checkpoint)\n");
      io.exit(EXIT.interrupted);
    }
    io.stderr.write(`\n${message} (Ctrl-C again to exit at once)\n`);
    controller.abort(new Error("interrupted (Ctrl-C)"));
  });
}

type Hooks = Pick<Parameters<typeof startRun>[0], "signal" | "onProgress" | "log">;

/** The shared body of train and resume: progress bar, Ctrl-C, the report, the exit code. */
async function trainOrResume(io: CliIo, json: boolean, begin: (hooks: Hooks) => Promise<StartedRun>): Promise<number> {
  const controller = new AbortController();
  const progress = new ProgressReporter({ stream: io.stderr });
  const release = interruptible(io, controller, "stopping after this iteration and writing a checkpoint…");
  let summary: TrainSummary;
  let started: StartedRun;
  try {
    started = await begin({ signal: controller.signal, onProgress: (p) => progress.update(p), log: (line) => progress.log(line) });
    progress.log(`run ${started.runDir.id} (${started.experiment.envId}, seed ${started.experiment.seed}): ${displayPath(started.runDir.path, io.cwd)}`);
    summary = await started.done;
  } finally {
    progress.dispose();
    release();
  }
  const threshold = started.experiment.rewardThreshold ?? undefined;
  if (json) {
    if (summary.status === "failed" && summary.error) io.stderr.write(`error: run failed: ${summary.error}\n`);
    io.stdout.write(JSON.stringify(trainResultJson(started.runDir.id, summary)) + "\n");
  } else {
    io.stdout.write(formatTrainSummary(started.runDir.id, summary, threshold, io.cwd) + "\n");
  }
  return summary.status === "completed" ? EXIT.ok : summary.status === "stopped" ? EXIT.interrupted : EXIT.runFailed;
}
