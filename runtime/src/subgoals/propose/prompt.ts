/**
 * The prompt that asks the model to split the task into sub-goals (Di Palo et al. 2023 ask their
 * LLM for "the sub-goals to achieve the task", in order; ours must also say how to detect each from
 * the env's named observation fields, since a predicate is our detector).
 */
import type { EnvSpec } from "../../envs/types.js";
import { describeEnv } from "../../reward-design/prompt.js";
import { MAX_DESCRIPTION_CHARS, MAX_SUBGOALS, MIN_SUBGOALS } from "./grammar.js";

export interface ProposalContext {
  spec: EnvSpec;
  task: string | null;
  /** The current `subgoals: …` property's text, or null. */
  current: string | null;
}

export function proposalPrompt(ctx: ProposalContext): string {
  const fields = ctx.spec.observationFields.map((f) => f.name);
  return [
    "You plan for a reinforcement-learning agent. Split the task into an ordered list of sub-goals, each a milestone the agent passes on the way to the goal, so that rewarding each the first time it is reached teaches the agent the task.",
    describeEnv(ctx.spec),
    `Task: ${ctx.task ?? `the environment's own goal (${ctx.spec.docs.episodeEnd})`}`,
    ctx.current ? `Current sub-goals in the experiment file:\n${ctx.current}` : "",
    [
      "Rules:",
      `- ${MIN_SUBGOALS} to ${MAX_SUBGOALS} sub-goals, in the order the agent should reach them; the last one close to the goal.`,
      "- name: a short identifier in camelCase (letters and digits), e.g. swingLeft.",
      `- description: one short sentence (at most ${MAX_DESCRIPTION_CHARS} characters).`,
      `- achieved: ONE JavaScript condition on the state reached, comparing obs.<field> (or Math.abs(obs.<field>)) with numbers using > < >= <=, joined by && or ||. The fields are: ${fields.join(", ")}.`,
      "- A sub-goal must be false at the start of an episode and reachable within the fields' ranges; later sub-goals should be harder than earlier ones.",
    ].join("\n"),
    "Write the sub-goals.",
  ]
    .filter((s) => s !== "")
    .join("\n\n");
}
