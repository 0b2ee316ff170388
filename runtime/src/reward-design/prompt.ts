/**
 * Prompts for the reward designer, after Text2Reward (Xie et al. 2023: a compact, Pythonic
 * description of the environment — here its observation fields with meaning and range — plus the
 * task in words) and Eureka (Ma et al. 2023: the environment as context, several independent
 * samples, and a reward reflection from training fed back in the next iteration).
 */
import type { EnvSpec } from "../envs/types.js";
import type { RewardComponent } from "./sandbox.js";
import { TRANSITION_NAMES } from "./sandbox.js";
import { grammarRules } from "./grammar.js";

export interface DesignContext {
  spec: EnvSpec;
  /** The experiment's `task` in plain language, or null. */
  task: string | null;
  /** The current `reward: …` property's source text, or null when the env's own reward is used. */
  currentReward: string | null;
}

const fmt = (v: number) => (v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(Number(v.toPrecision(4))));

/** The environment, as the LLM needs it to write rewards. */
export function describeEnv(spec: EnvSpec): string {
  const fields = spec.observationFields
    .map((f) => {
      const inEpisode = f.episodeRange ? `; within an episode ${fmt(f.episodeRange[0])} to ${fmt(f.episodeRange[1])}` : "";
      return `- ${f.name}: ${f.description}; range ${fmt(f.low)} to ${fmt(f.high)}${inEpisode}`;
    })
    .join("\n");
  const actions =
    spec.actionSpace.kind === "discrete"
      ? spec.actionMeanings.map((m, i) => `- ${i}: ${m}`).join("\n")
      : `a list of ${spec.actionSpace.low.length} number(s): ${spec.actionMeanings.map((m, i) => `action[${i}] = ${m} (${fmt(spec.actionSpace.kind === "box" ? spec.actionSpace.low[i]! : 0)} to ${fmt(spec.actionSpace.kind === "box" ? spec.actionSpace.high[i]! : 0)})`).join("; ")}`;
  return [
    `Environment ${spec.id}: ${spec.description}`,
    `Observation fields (obs.<name> before the step, nextObs.<name> after it):\n${fields}`,
    `Actions (action):\n${actions}`,
    `Environment reward (envReward): ${spec.docs.rewards}`,
    `Episode end: ${spec.docs.episodeEnd} terminated = the episode reached a terminal state; truncated = the time limit of ${spec.maxEpisodeSteps} steps ended it.`,
  ].join("\n\n");
}

const RULES = (fields: readonly string[]) =>
  [
    "Rules for each reward component:",
    `- name: a short identifier (letters, digits, _), e.g. upright.`,
    `- code: ONE JavaScript expression (no statements, no semicolons) using only ${TRANSITION_NAMES.join(", ")} and Math.`,
    grammarRules(),
    `- Read observation fields by name: obs.${fields[0] ?? "x"}, nextObs.${fields[0] ?? "x"}. The fields are: ${fields.join(", ")}.`,
    "- terminated and truncated are booleans; episodeStep counts steps from 0.",
    "- The expression must give a finite number for every transition. The reward is the sum of the components.",
    "- Keep the scales of the components comparable (roughly -1 to 1 per step), so none drowns the others.",
  ].join("\n");

/** The prompt asking for `count` different candidates. `reflection` carries the previous iteration's results (Eureka). */
export function suggestionPrompt(ctx: DesignContext, count: number, reflection?: string): string {
  const fields = ctx.spec.observationFields.map((f) => f.name);
  return [
    "You are a reward engineer for reinforcement learning. Write dense reward functions that make a PPO agent learn the task quickly.",
    describeEnv(ctx.spec),
    `Task: ${ctx.task ?? `maximise the environment's own return (${ctx.spec.docs.rewards})`}`,
    ctx.currentReward ? `Current reward in the experiment file:\n${ctx.currentReward}` : "Current reward: none (the environment's own reward).",
    RULES(fields),
    reflection ?? "",
    `Write ${count} different candidate reward function${count === 1 ? "" : "s"}, each with its components and a one-line rationale.`,
  ]
    .filter((s) => s !== "")
    .join("\n\n");
}

/**
 * The prompt asking again after an answer that could not be read as the candidates asked for
 * (not JSON of the schema's shape, cut short, an entry without components), with the problem fed
 * back: the same request as `suggestionPrompt`, reflection included.
 */
export function outputRepairPrompt(ctx: DesignContext, count: number, error: string, reflection?: string): string {
  const request = suggestionPrompt(ctx, count, reflection).split("\n\n");
  const ask = request.pop()!;
  return [
    ...request,
    `Your previous answer could not be read as the JSON asked for. The error:\n${error}`,
    `Answer with JSON only, in exactly the required shape, and keep each code expression short so the answer is complete. ${ask}`,
  ].join("\n\n");
}

/** The prompt asking to fix one invalid candidate, with the error fed back. */
export function repairPrompt(ctx: DesignContext, components: readonly RewardComponent[], error: string): string {
  const fields = ctx.spec.observationFields.map((f) => f.name);
  const listing = components.map((c) => `- ${c.name}: ${c.code}`).join("\n");
  return [
    "You are a reward engineer for reinforcement learning. A reward function you wrote failed validation.",
    describeEnv(ctx.spec),
    `Task: ${ctx.task ?? "maximise the environment's own return"}`,
    `The reward components:\n${listing}`,
    `The error:\n${error}`,
    RULES(fields),
    "Write 1 corrected candidate with its components and a one-line rationale.",
  ].join("\n\n");
}
