/**
 * Overcooked "Tomato Salad" and "Tomato-lettuce Salad", the two kitchen tasks of TWOSOME (Tan et
 * al., ICLR 2024): one agent in a 7×7 kitchen (map A) chooses macro-actions ("get tomato",
 * "chop", …) until it serves the salad. The reference runs them as gym-macro-overcooked's
 * `Overcooked-LLMA-v4` with task 0 (scripts/tomato_salad_ppo_llm.sh) and `Overcooked-LLMA-v3`
 * with task 3 (scripts/tomato_lettuce_salad_ppo_llm.sh), one agent, map A, observation radius 2,
 * rewards `--env-reward 0.2 1 0.1 0.001`.
 *
 * Each `step` is one macro-action (`MacEnvWrapper.step` → `run`):
 * - reward: Σₖ 0.99ᵏ rₖ over its primitive steps, where a primitive step earns −0.001, +0.2 on the
 *   chop that finishes a food of the recipe, +1 on the correct delivery (which ends the episode)
 *   and −0.1 on a wrong one (the items go back to their counters, unchopped);
 * - info: `primitiveSteps` (the reference's `macro_action_steps`; its trainer discounts the next
 *   value by γ^primitiveSteps), `primitiveRewards`, and at the end of the episode `success`;
 * - observation: the items in sight (within 2 cells) by cell coordinates, zeros for the rest — a
 *   POMDP, as TWOSOME trains it. The same state as text is `env.text`.
 *
 * The episode is truncated at the end of the macro-action during which the 200th primitive step
 * is taken (overcooked_V4.py `step`); terminated on the correct delivery.
 */
import { Box, Discrete } from "../spaces.js";
import type { Env, EnvSpec, Info, ObservationField, ResetResult, StepResult, TextView } from "../types.js";
import { TIME_LIMIT } from "../types.js";
import { assertEpisodeRunning } from "../episode-guard.js";
import { assertDiscreteAction } from "../action-guard.js";
import { Kitchen, MAX_PRIMITIVE_STEPS, OBS_RADIUS, REQUIRED_CHOPS, TASK_LIST, type KitchenLayout } from "./overcooked-kitchen.js";
import { MACRO_REWARD_DISCOUNT, MacroController, TOMATO_LETTUCE_SALAD_MACROS, TOMATO_SALAD_MACROS, type MacroName } from "./overcooked-macro.js";
import { tomatoLettuceSaladText, tomatoSaladText, type TextObservation } from "./overcooked-text.js";
import { allValid, fixedActionsView } from "./text-view.js";

export const CORRECT_DELIVERY = "correct delivery";

/** Map A for one agent, Tomato Salad (overcooked_V4.py): tomato top right, knife left, delivery left, plate bottom. */
const TOMATO_SALAD_GRID = [
  [1, 1, 1, 1, 1, 3, 1],
  [6, 0, 0, 0, 2, 0, 1],
  [1, 0, 0, 0, 0, 0, 1],
  [7, 0, 0, 0, 0, 0, 1],
  [1, 0, 0, 0, 0, 0, 1],
  [1, 0, 0, 0, 0, 0, 1],
  [1, 1, 1, 1, 1, 5, 1],
];

/** Map A for one agent, Tomato-lettuce Salad (overcooked_V3.py): adds lettuce, onion and a second knife. */
const TOMATO_LETTUCE_SALAD_GRID = [
  [1, 1, 1, 1, 1, 3, 1],
  [6, 0, 0, 0, 2, 0, 4],
  [6, 0, 0, 0, 0, 0, 8],
  [7, 0, 0, 0, 0, 0, 1],
  [1, 0, 0, 0, 0, 0, 1],
  [1, 0, 0, 0, 0, 0, 1],
  [1, 1, 1, 1, 1, 5, 1],
];

interface TaskDefinition {
  id: string;
  description: string;
  layout: KitchenLayout;
  macros: readonly MacroName[];
  /** The reference's default wording of each macro-action (before any context rewording). */
  actionMeanings: readonly string[];
  /** Observation field name stems, one per item in observation order. */
  itemNames: readonly string[];
  itemDescriptions: readonly string[];
  render: (obs: readonly number[]) => TextObservation;
  successText: string;
}

const TASK_FIELD_NAMES = ["taskTomatoSalad", "taskLettuceSalad", "taskOnionSalad", "taskLettuceTomatoSalad", "taskOnionTomatoSalad", "taskLettuceOnionSalad", "taskLettuceOnionTomatoSalad"];

function observationFields(task: TaskDefinition): ObservationField[] {
  const fields: ObservationField[] = [];
  const last = task.layout.grid.length - 1;
  const items = new Kitchen(task.layout).items;
  if (items.length !== task.itemNames.length) throw new Error(`${task.id}: ${items.length} items but ${task.itemNames.length} item names`);
  items.forEach((item, i) => {
    const stem = task.itemNames[i]!;
    const what = task.itemDescriptions[i]!;
    const sight = item.kind === "agent" ? "" : ` when within ${OBS_RADIUS} cells of the agent in both directions, else 0`;
    fields.push({ name: `${stem}Row`, description: `row (0 = top; the reference's x) of the ${what}${sight}`, low: 0, high: last });
    fields.push({ name: `${stem}Col`, description: `column (0 = left; the reference's y) of the ${what}${sight}`, low: 0, high: last });
    if (item.kind === "food") {
      fields.push({ name: `${stem}Chops`, description: `times the ${what} has been chopped (${REQUIRED_CHOPS} = chopped)${sight}`, low: 0, high: REQUIRED_CHOPS });
    }
  });
  TASK_LIST.forEach((t, i) => fields.push({ name: TASK_FIELD_NAMES[i]!, description: `1 when the recipe is the ${t} (one-hot task)`, low: 0, high: 1 }));
  return fields;
}

function makeSpec(task: TaskDefinition): EnvSpec {
  const fields = observationFields(task);
  const n = task.macros.length;
  return {
    id: task.id,
    description: task.description,
    observationFields: fields,
    actionMeanings: task.actionMeanings,
    docs: {
      actionSpace: `Discrete(${n}) macro-actions (the reference's ${task.macros.map((m) => `"${m}"`).join(", ")}). Each runs several primitive steps (walk by A* to the item, then act on it); an impossible one (chop with nothing to chop, get a food that lies in the plate) ends after one primitive "stay" step.`,
      observationSpace: `Box(${fields.length}): per item its row, column (and chops for foods) when within ${OBS_RADIUS} cells of the agent, zeros when out of sight; then the one-hot task. The agent's own position is always seen. The text view (env.text) renders the same observation as TWOSOME's prompt.`,
      rewards: `Per macro-action: Σₖ 0.99ᵏ rₖ over its primitive steps, with rₖ = −0.001 per primitive step, +0.2 when a chop finishes a food of the recipe, +1 for the correct delivery, −0.1 for a wrong delivery (which sends the items back to their counters, unchopped).`,
      startingState: "Always the same: the agent at row 1, column 4, every item on its counter; the tomato is in sight, the rest are not.",
      episodeEnd: `Terminated on the correct delivery (${task.successText}). Truncated at the end of the macro-action during which the ${MAX_PRIMITIVE_STEPS}th primitive step is taken.`,
    },
    maxEpisodeSteps: MAX_PRIMITIVE_STEPS,
    terminationCauses: [CORRECT_DELIVERY],
    actionSpace: { kind: "discrete", n },
    text: {
      source: "twosome/overcooked/policy_pomdp.py (obs2text)",
      maxValidActions: n,
      validActions: "all",
      referenceGamma: 0.99,
      successCause: CORRECT_DELIVERY,
    },
    macroActions: { rewardDiscount: MACRO_REWARD_DISCOUNT, maxPrimitiveSteps: MAX_PRIMITIVE_STEPS, discounting: "per-primitive-step" },
  };
}

const TOMATO_SALAD: TaskDefinition = {
  id: "Overcooked-TomatoSalad-v0",
  description:
    "Overcooked Tomato Salad (TWOSOME): alone in a 7×7 kitchen, pick up the tomato, chop it on the cutting board, put it in the bowl and serve it, with macro-actions and a view of 2 cells around the agent.",
  layout: { grid: TOMATO_SALAD_GRID, task: "tomato salad", itemOrder: ["tomato", "plate", "knife", "delivery", "agent"] },
  macros: TOMATO_SALAD_MACROS,
  actionMeanings: [
    "pick up the tomato (or put it in the bowl held)",
    "take the bowl",
    "walk to the cutting board (putting down what is held on it)",
    "serve what is held at the delivery counter",
    "chop the food on the cutting board in front (3 chops)",
  ],
  itemNames: ["tomato", "plate", "knife", "delivery", "agent"],
  itemDescriptions: ["tomato", "plate (bowl)", "cutting board", "delivery counter", "agent"],
  render: tomatoSaladText,
  successText: "a bowl with only the chopped tomato",
};

const TOMATO_LETTUCE_SALAD: TaskDefinition = {
  id: "Overcooked-TomatoLettuceSalad-v0",
  description:
    "Overcooked Tomato-lettuce Salad (TWOSOME): alone in a 7×7 kitchen with a tomato, a lettuce, an onion and two cutting boards, serve a bowl of chopped tomato and lettuce (no onion), with macro-actions and a view of 2 cells around the agent.",
  layout: { grid: TOMATO_LETTUCE_SALAD_GRID, task: "lettuce-tomato salad", itemOrder: ["tomato", "lettuce", "onion", "plate", "knife", "delivery", "agent"] },
  macros: TOMATO_LETTUCE_SALAD_MACROS,
  actionMeanings: [
    "pick up the tomato (or put it in the bowl held)",
    "pick up the lettuce (or put it in the bowl held)",
    "pick up the onion (or put it in the bowl held)",
    "take the bowl",
    "walk to the first cutting board (putting down what is held on it)",
    "walk to the second cutting board (putting down what is held on it)",
    "serve what is held at the delivery counter",
    "chop the food on the cutting board in front (3 chops)",
  ],
  itemNames: ["tomato", "lettuce", "onion", "plate", "knife1", "knife2", "delivery", "agent"],
  itemDescriptions: ["tomato", "lettuce", "onion", "plate (bowl)", "first cutting board", "second cutting board", "delivery counter", "agent"],
  render: tomatoLettuceSaladText,
  successText: "a bowl with only the chopped tomato and lettuce",
};

export const TOMATO_SALAD_SPEC = makeSpec(TOMATO_SALAD);
export const TOMATO_LETTUCE_SALAD_SPEC = makeSpec(TOMATO_LETTUCE_SALAD);

class OvercookedEnv implements Env<number> {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly text: TextView;
  /** The kitchen, for tests and replays. */
  readonly kitchen: Kitchen;
  private readonly controller: MacroController;
  private obs: number[] = [];
  private rendered: TextObservation | null = null;
  private needsReset = true;

  constructor(private readonly task: TaskDefinition) {
    this.spec = task === TOMATO_SALAD ? TOMATO_SALAD_SPEC : TOMATO_LETTUCE_SALAD_SPEC;
    this.observationSpace = new Box(Float32Array.from(this.spec.observationFields, (f) => f.low), Float32Array.from(this.spec.observationFields, (f) => f.high));
    this.actionSpace = new Discrete(task.macros.length);
    this.kitchen = new Kitchen(task.layout);
    this.controller = new MacroController(this.kitchen, task.macros);
    this.text = fixedActionsView(() => this.textObservation());
  }

  /** The start state never varies; a seed is accepted for the Env contract. */
  reset(_options: { seed?: number } = {}): ResetResult {
    this.kitchen.reset();
    this.controller.reset();
    this.needsReset = false;
    return { obs: this.observe(), info: { actionMask: allValid(this.actionSpace.n) } };
  }

  step(action: number): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    assertDiscreteAction(action, this.actionSpace.n, this.spec.id);
    const r = this.controller.run(action);
    const terminated = r.correctDelivery;
    const truncated = r.timeUp;
    const info: Info = {
      macroAction: this.task.macros[action],
      primitiveSteps: r.primitiveSteps,
      primitiveRewards: r.primitiveRewards,
      actionMask: allValid(this.actionSpace.n),
    };
    if (terminated) info.terminationCause = CORRECT_DELIVERY;
    if (truncated) info.truncationCause = TIME_LIMIT;
    if (terminated || truncated) {
      info.success = terminated;
      this.needsReset = true;
    }
    return { obs: this.observe(), reward: r.reward, terminated, truncated, info };
  }

  private observe(): Float32Array {
    this.obs = this.kitchen.observation();
    this.rendered = null;
    return Float32Array.from(this.obs);
  }

  private textObservation(): TextObservation {
    if (this.obs.length === 0) throw new Error(`${this.spec.id}: env.text read before reset()`);
    this.rendered ??= this.task.render(this.obs);
    return this.rendered;
  }
}

export class TomatoSaladEnv extends OvercookedEnv {
  constructor() {
    super(TOMATO_SALAD);
  }
}

export class TomatoLettuceSaladEnv extends OvercookedEnv {
  constructor() {
    super(TOMATO_LETTUCE_SALAD);
  }
}
