/**
 * Markdown for hovers and completion documentation, written from the env registry's specs and
 * the hyperparameter table (nothing here is a second copy of their facts).
 */
import type { EnvSpec, ObservationField } from "../../runtime/src/envs/types.js";
import { defaultHyperparameters, type HyperparameterSpec } from "../../runtime/src/experiment/hyperparameters.js";
import { allowedText } from "../../runtime/src/experiment/validate.js";
import { actionKindWords, type AlgorithmSpec } from "../../runtime/src/experiment/algorithms.js";
import type { LlmFieldDoc } from "../../runtime/src/experiment/llm-settings.js";

function num(x: number): string {
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "−∞";
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** "Discrete(2) actions; Box(4) observations: x, xDot, theta, thetaDot". */
export function spacesSummary(spec: EnvSpec): string {
  const action = spec.actionSpace.kind === "discrete" ? `Discrete(${spec.actionSpace.n})` : `Box(${spec.actionSpace.low.length})`;
  return `${action} actions; Box(${spec.observationFields.length}) observations: ${spec.observationFields.map((f) => f.name).join(", ")}`;
}

function fieldRow(f: ObservationField): string {
  const range = f.episodeRange ? `[${num(f.episodeRange[0])}, ${num(f.episodeRange[1])}]` : "";
  return `| \`${f.name}\` | ${f.description} | ${num(f.low)} | ${num(f.high)} | ${range} |`;
}

/** Gymnasium's docstring sections for an env, with the observation table. */
export function envDocumentation(spec: EnvSpec): string {
  const actions =
    spec.actionSpace.kind === "discrete"
      ? spec.actionMeanings.map((m, i) => `- \`${i}\`: ${m}`).join("\n")
      : spec.actionMeanings.map((m, i) => `- element ${i}: ${m}`).join("\n");
  return [
    `**${spec.id}** — ${spacesSummary(spec)}`,
    "",
    spec.description,
    "",
    "### Action Space",
    spec.docs.actionSpace,
    "",
    actions,
    "",
    "### Observation Space",
    spec.docs.observationSpace,
    "",
    "| field | meaning | low | high | within an episode |",
    "|---|---|---|---|---|",
    ...spec.observationFields.map(fieldRow),
    "",
    "### Rewards",
    spec.docs.rewards,
    "",
    "### Starting State",
    spec.docs.startingState,
    "",
    "### Episode End",
    spec.docs.episodeEnd,
    "",
    `Time limit: ${spec.maxEpisodeSteps} steps.` + (spec.rewardThreshold !== undefined ? ` Solved at a mean return of ${spec.rewardThreshold}.` : ""),
  ].join("\n");
}

function show(v: unknown): string {
  return v === undefined ? "—" : `\`${JSON.stringify(v)}\``;
}

/** Meaning, default (for the env's action kind), valid range, effect, CleanRL and RL Zoo values. */
export function hyperparameterDocumentation(h: HyperparameterSpec, actionKind?: "discrete" | "box"): string {
  const discreteDefault = defaultHyperparameters("discrete")[h.key];
  const boxDefault = defaultHyperparameters("box")[h.key];
  const defaults =
    actionKind !== undefined
      ? `${show(actionKind === "box" ? boxDefault : discreteDefault)} (${actionKind === "box" ? "continuous" : "discrete"} actions)`
      : JSON.stringify(discreteDefault) === JSON.stringify(boxDefault)
        ? show(discreteDefault)
        : `${show(discreteDefault)} (discrete actions), ${show(boxDefault)} (continuous actions)`;
  return [
    `**${h.key}** — ${h.doc}`,
    "",
    `- Default: ${defaults}`,
    `- Valid: ${allowedText(h)}`,
    `- Raising it: ${h.effect}`,
    `- CleanRL \`ppo.py\`: ${show(h.cleanrl)}; RL Zoo (CartPole-v1): ${show(h.zoo)}`,
    `- TWOSOME (\`algorithm: "twosome"\`, its scripts): ${show(defaultHyperparameters("discrete", "twosome")[h.key])}`,
    ...(h.algorithms ? [`- Read only by algorithm ${h.algorithms.map((a) => `\`${a}\``).join(", ")}`] : []),
  ].join("\n");
}

/** A field of the \`llm\` block (algorithm "twosome"): what it does, its default and what is allowed. */
export function llmFieldDocumentation(f: LlmFieldDoc): string {
  return [`**llm.${f.path}** — ${f.doc}`, "", `- Default: ${f.default}`, `- Valid: ${f.allowed}`, `- Read by algorithm \`twosome\` only`].join("\n");
}

/** One observation field: what it measures and its ranges. */
export function observationFieldDocumentation(spec: EnvSpec, f: ObservationField): string {
  return (
    `**${spec.id}** observation \`${f.name}\`: ${f.description}.\n\n` +
    `Space bounds [${num(f.low)}, ${num(f.high)}]` +
    (f.episodeRange ? `; within an episode [${num(f.episodeRange[0])}, ${num(f.episodeRange[1])}].` : ".")
  );
}

/** "Discrete and continuous (Box) actions": the action spaces an algorithm handles. */
export function algorithmActionsSummary(alg: AlgorithmSpec): string {
  const words = alg.actionKinds.map(actionKindWords);
  const text = words.join(" and ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} actions`;
}

/** An algorithm's one-line doc, its action spaces, and whether it fits the experiment's env. */
export function algorithmDocumentation(alg: AlgorithmSpec, spec: EnvSpec | undefined): string {
  const fit = spec
    ? alg.actionKinds.includes(spec.actionSpace.kind)
      ? `\n\nFits ${spec.id}'s ${actionKindWords(spec.actionSpace.kind)} action space.`
      : `\n\nDoes not handle ${spec.id}'s ${actionKindWords(spec.actionSpace.kind)} action space.`
    : "";
  return `**${alg.id}** — ${alg.doc}\n\nAction spaces: ${algorithmActionsSummary(alg)}.${fit}`;
}
