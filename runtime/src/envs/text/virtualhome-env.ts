/**
 * VirtualHome "Food Preparation" and "Entertainment", TWOSOME's household tasks (Tan et al., ICLR
 * 2024), ported from `virtual-home/virtual_home/envs/graph_environment_v1.py` (`VirtualHome-v1`,
 * scripts/heat_pancake_ppo_llm.sh) and `graph_environment_v2.py` (`VirtualHome-v2`,
 * scripts/entertainment_ppo_llm.sh). The agent acts by named actions ("grab the pancake") that
 * become VirtualHome scripts run on the scene graph (virtualhome-graph.ts), and sees binary
 * features of the part of the graph in sight.
 *
 * Carried over: the action lists and their scripts, the features and their order, the reward
 * (+1 once the goal holds, 0 otherwise), the 50-step limit, the partial observation, the valid
 * action subsets and prompts of TWOSOME's policy files (virtualhome-text.ts), and what an invalid
 * action does: nothing, at the cost of a step (an object out of sight, or a failed precondition,
 * leaves the graph as it was). Left out: Unity, the other executors and scenes, and the rest of
 * VirtualHome; see virtualhome-graph.ts.
 */
import { Box, Discrete } from "../spaces.js";
import type { Env, EnvSpec, Info, ResetResult, StepResult, TextView } from "../types.js";
import { TIME_LIMIT } from "../types.js";
import { assertEpisodeRunning } from "../episode-guard.js";
import { assertDiscreteAction } from "../action-guard.js";
import { VhGraph, type Relation, type Script } from "./virtualhome-graph.js";
import {
  BATHROOM,
  BEDROOM,
  CHARACTER,
  CHIPS,
  COFFEE_TABLE,
  KITCHEN,
  LIVING_ROOM,
  MICROWAVE,
  MILK,
  PANCAKE,
  SOFA,
  TURN_ON_TV_SCENE,
  TV,
} from "./virtualhome-scene.js";
import {
  ENTERTAINMENT_ACTIONS,
  ENTERTAINMENT_FEATURES,
  FOOD_PREPARATION_ACTIONS,
  FOOD_PREPARATION_FEATURES,
  entertainmentText,
  foodPreparationText,
  type EntertainmentFeatures,
  type FoodPreparationFeatures,
  type VhText,
} from "./virtualhome-text.js";
import { maskOf, subsetView } from "./text-view.js";

/** `max_episode_length` of both graph environments. */
export const VH_MAX_STEPS = 50;
export const PANCAKE_HEATED = "pancake heated";
export const WATCHING_TV = "watching TV with chips and milk";

/** The partial observation (`_mask_state`): nodes in sight, and edges between two of them. */
interface ObservedGraph {
  seen: Set<number>;
  edge(from: number, relation: Relation, to: number): boolean;
}

function observe(graph: VhGraph, seen: Set<number>): ObservedGraph {
  return { seen, edge: (from, relation, to) => seen.has(from) && seen.has(to) && graph.has(from, relation, to) };
}

function roomFeatures(o: ObservedGraph) {
  const inRoom = (room: number) => o.edge(CHARACTER, "INSIDE", room);
  return { in_kitchen: inRoom(KITCHEN), in_bathroom: inRoom(BATHROOM), in_bedroom: inRoom(BEDROOM), in_livingroom: inRoom(LIVING_ROOM) };
}

const holds = (o: ObservedGraph, id: number) => o.edge(CHARACTER, "HOLDS_RH", id) || o.edge(CHARACTER, "HOLDS_LH", id);

/** `GraphEnvironment.get_vector_obs` of graph_environment_v1.py. */
export function foodPreparationFeatures(graph: VhGraph, seen: Set<number> = graph.observableIds()): FoodPreparationFeatures {
  const o = observe(graph, seen);
  const close = (id: number) => o.edge(CHARACTER, "CLOSE", id);
  return {
    ...roomFeatures(o),
    see_pancake: o.seen.has(PANCAKE),
    close_to_pancake: close(PANCAKE),
    hold_pancake: holds(o, PANCAKE),
    see_microwave: o.seen.has(MICROWAVE),
    close_to_microwave: close(MICROWAVE),
    is_microwave_open: o.seen.has(MICROWAVE) && graph.node(MICROWAVE).states.has("OPEN"),
    pancake_in_microwave: o.edge(PANCAKE, "INSIDE", MICROWAVE),
  };
}

/** `GraphEnvironment.get_vector_obs` of graph_environment_v2.py. */
export function entertainmentFeatures(graph: VhGraph, seen: Set<number> = graph.observableIds()): EntertainmentFeatures {
  const o = observe(graph, seen);
  const close = (id: number) => o.edge(CHARACTER, "CLOSE", id);
  return {
    ...roomFeatures(o),
    see_chips: o.seen.has(CHIPS),
    close_to_chips: close(CHIPS),
    hold_chips: holds(o, CHIPS),
    chips_on_coffeetable: o.edge(CHIPS, "ON", COFFEE_TABLE),
    see_milk: o.seen.has(MILK),
    close_to_milk: close(MILK),
    hold_milk: holds(o, MILK),
    milk_on_coffeetable: o.edge(MILK, "ON", COFFEE_TABLE),
    see_tv: o.seen.has(TV),
    close_to_tv: close(TV),
    is_face_tv: o.edge(CHARACTER, "FACING", TV),
    is_tv_on: o.seen.has(TV) && graph.node(TV).states.has("ON"),
    see_sofa: o.seen.has(SOFA),
    close_to_sofa: close(SOFA),
    is_sit_sofa: o.edge(CHARACTER, "ON", SOFA),
    see_coffeetable: o.seen.has(COFFEE_TABLE),
    close_to_coffeetable: close(COFFEE_TABLE),
  };
}

interface VhTask<F extends Record<string, boolean>> {
  spec: EnvSpec;
  featureNames: readonly (keyof F & string)[];
  scripts: readonly Script[];
  features: (graph: VhGraph, seen: Set<number>) => F;
  render: (f: F) => VhText;
  /** The reward criterion of the reference's `reward`. */
  goal: (f: F) => boolean;
  successCause: string;
}

/** What each feature measures (the reference's keys, camel-cased as field names). */
const FEATURE_DESCRIPTIONS: Record<string, string> = {
  in_kitchen: "1 when the agent is in the kitchen",
  in_bathroom: "1 when the agent is in the bathroom",
  in_bedroom: "1 when the agent is in the bedroom",
  in_livingroom: "1 when the agent is in the living room",
  see_pancake: "1 when the pancake is in sight (in the agent's room and not in a closed container, or held)",
  close_to_pancake: "1 when the pancake is within the agent's reach",
  hold_pancake: "1 when the agent holds the pancake",
  see_microwave: "1 when the microwave is in sight",
  close_to_microwave: "1 when the microwave is within the agent's reach",
  is_microwave_open: "1 when the microwave is in sight and open",
  pancake_in_microwave: "1 when the pancake is in sight inside the microwave",
  see_chips: "1 when the chips are in sight (in the agent's room, or held)",
  close_to_chips: "1 when the chips are within the agent's reach",
  hold_chips: "1 when the agent holds the chips",
  chips_on_coffeetable: "1 when the chips are in sight on the coffee table",
  see_milk: "1 when the milk is in sight (in the agent's room, or held)",
  close_to_milk: "1 when the milk is within the agent's reach",
  hold_milk: "1 when the agent holds the milk",
  milk_on_coffeetable: "1 when the milk is in sight on the coffee table",
  see_tv: "1 when the TV is in sight",
  close_to_tv: "1 when the TV is within the agent's reach",
  is_face_tv: "1 when the agent faces the TV (after sitting on the sofa, until it walks)",
  is_tv_on: "1 when the TV is in sight and on",
  see_sofa: "1 when the sofa is in sight",
  close_to_sofa: "1 when the sofa is within the agent's reach",
  is_sit_sofa: "1 when the agent sits, or has sat, on the sofa (VirtualHome never removes the edge) and it is in sight",
  see_coffeetable: "1 when the coffee table is in sight",
  close_to_coffeetable: "1 when the coffee table is within the agent's reach",
};

function camel(feature: string): string {
  return feature.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function vhSpec(args: {
  id: string;
  description: string;
  features: readonly string[];
  actions: readonly string[];
  scripts: readonly string[];
  rewards: string;
  episodeEnd: string;
  successCause: string;
  maxValidActions: number;
  source: string;
}): EnvSpec {
  return {
    id: args.id,
    description: args.description,
    observationFields: args.features.map((f) => ({ name: camel(f), description: FEATURE_DESCRIPTIONS[f]!, low: 0, high: 1 })),
    actionMeanings: args.actions.map((a, i) => `${a} (${args.scripts[i]})`),
    docs: {
      actionSpace: `Discrete(${args.actions.length}): VirtualHome scripts on the scene graph. Only some are valid in a state (env.text.validActions(), info.actionMask); an invalid one changes nothing and costs a step.`,
      observationSpace: `Box(${args.features.length}) of 0/1 features of the part of the house in sight: the agent's room, what is in it (not inside closed containers), what it holds.`,
      rewards: args.rewards,
      startingState: "Always the same: the agent in the kitchen, every object in its place.",
      episodeEnd: args.episodeEnd,
    },
    maxEpisodeSteps: VH_MAX_STEPS,
    terminationCauses: [args.successCause],
    actionSpace: { kind: "discrete", n: args.actions.length },
    text: { source: args.source, maxValidActions: args.maxValidActions, validActions: "subset", referenceGamma: 0.95, successCause: args.successCause },
  };
}

const FOOD_PREPARATION_SCRIPTS: readonly Script[] = [
  { action: "WALK", objects: [LIVING_ROOM] },
  { action: "WALK", objects: [KITCHEN] },
  { action: "WALK", objects: [BATHROOM] },
  { action: "WALK", objects: [BEDROOM] },
  { action: "WALK", objects: [PANCAKE] },
  { action: "WALK", objects: [MICROWAVE] },
  { action: "GRAB", objects: [PANCAKE] },
  { action: "PUTIN", objects: [PANCAKE, MICROWAVE] },
  { action: "OPEN", objects: [MICROWAVE] },
  { action: "CLOSE", objects: [MICROWAVE] },
];

const ENTERTAINMENT_SCRIPTS: readonly Script[] = [
  { action: "WALK", objects: [LIVING_ROOM] },
  { action: "WALK", objects: [KITCHEN] },
  { action: "WALK", objects: [BATHROOM] },
  { action: "WALK", objects: [BEDROOM] },
  { action: "WALK", objects: [CHIPS] },
  { action: "WALK", objects: [MILK] },
  { action: "WALK", objects: [COFFEE_TABLE] },
  { action: "WALK", objects: [TV] },
  { action: "WALK", objects: [SOFA] },
  { action: "GRAB", objects: [CHIPS] },
  { action: "GRAB", objects: [MILK] },
  { action: "PUTBACK", objects: [CHIPS, COFFEE_TABLE] },
  { action: "PUTBACK", objects: [MILK, COFFEE_TABLE] },
  { action: "SWITCHON", objects: [TV] },
  { action: "SWITCHOFF", objects: [TV] },
  { action: "SIT", objects: [SOFA] },
  { action: "STANDUP", objects: [] },
];

/** The reference's script strings, for the action meanings. */
function scriptText(s: Script): string {
  const name = (id: number) => TURN_ON_TV_SCENE.nodes.find((n) => n.id === id)!.className.replace(/^tv$/, "television");
  return `[${s.action}]` + s.objects.map((id) => ` <${name(id)}> (${id})`).join("");
}

export const FOOD_PREPARATION_SPEC = vhSpec({
  id: "VirtualHome-FoodPreparation-v0",
  description:
    "VirtualHome Food Preparation (TWOSOME): in a four-room house, heat up the pancake in the microwave: find it, grab it, open the microwave, put the pancake in and close it. Binary features of what is in sight; actions are VirtualHome scripts on a scene graph.",
  features: FOOD_PREPARATION_FEATURES,
  actions: FOOD_PREPARATION_ACTIONS,
  scripts: FOOD_PREPARATION_SCRIPTS.map(scriptText),
  rewards: "+1 on the step after which the agent is in the kitchen and the pancake is out of sight (inside the closed microwave); 0 otherwise.",
  episodeEnd: `Terminated when the reward is given (${PANCAKE_HEATED}). Truncated after ${VH_MAX_STEPS} steps.`,
  successCause: PANCAKE_HEATED,
  maxValidActions: 7,
  source: "twosome/virtualhome/policy_v1.py (obs2text)",
});

export const ENTERTAINMENT_SPEC = vhSpec({
  id: "VirtualHome-Entertainment-v0",
  description:
    "VirtualHome Entertainment (TWOSOME): in a four-room house, bring the chips and the milk from the kitchen to the living room, turn on the TV and watch it from the sofa with both within reach or on the coffee table. Binary features of what is in sight; actions are VirtualHome scripts on a scene graph.",
  features: ENTERTAINMENT_FEATURES,
  actions: ENTERTAINMENT_ACTIONS,
  scripts: ENTERTAINMENT_SCRIPTS.map(scriptText),
  rewards:
    "+1 on the step after which the agent is in the living room, sits on the sofa facing the TV, the TV is on, and the chips and the milk are each within reach or on the coffee table; 0 otherwise.",
  episodeEnd: `Terminated when the reward is given (${WATCHING_TV}). Truncated after ${VH_MAX_STEPS} steps.`,
  successCause: WATCHING_TV,
  maxValidActions: 7,
  source: "twosome/virtualhome/policy_v2.py (obs2text)",
});

const FOOD_PREPARATION: VhTask<FoodPreparationFeatures> = {
  spec: FOOD_PREPARATION_SPEC,
  featureNames: FOOD_PREPARATION_FEATURES,
  scripts: FOOD_PREPARATION_SCRIPTS,
  features: foodPreparationFeatures,
  render: foodPreparationText,
  // graph_environment_v1.py `reward`: in the kitchen and the pancake not seen.
  goal: (f) => f.in_kitchen && !f.see_pancake,
  successCause: PANCAKE_HEATED,
};

const ENTERTAINMENT: VhTask<EntertainmentFeatures> = {
  spec: ENTERTAINMENT_SPEC,
  featureNames: ENTERTAINMENT_FEATURES,
  scripts: ENTERTAINMENT_SCRIPTS,
  features: entertainmentFeatures,
  render: entertainmentText,
  // graph_environment_v2.py `reward`.
  goal: (f) =>
    f.in_livingroom && f.is_face_tv && f.is_tv_on && f.is_sit_sofa && (f.close_to_milk || f.milk_on_coffeetable) && (f.close_to_chips || f.chips_on_coffeetable),
  successCause: WATCHING_TV,
};

class VirtualHomeEnv<F extends Record<string, boolean>> implements Env<number> {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly text: TextView;
  /** The scene graph, for tests and replays. */
  graph: VhGraph = new VhGraph(TURN_ON_TV_SCENE);
  private features: F | null = null;
  /** Node ids in sight in the current state (`observable_object_ids_n`). */
  private seen = new Set<number>();
  private rendered: VhText | null = null;
  private steps = 0;
  private needsReset = true;

  constructor(private readonly task: VhTask<F>) {
    this.spec = task.spec;
    const n = task.featureNames.length;
    this.observationSpace = new Box(new Float32Array(n), new Float32Array(n).fill(1));
    this.actionSpace = new Discrete(task.scripts.length);
    this.text = subsetView(() => this.textObservation());
  }

  /** The start state never varies; a seed is accepted for the Env contract. */
  reset(_options: { seed?: number } = {}): ResetResult {
    this.graph = new VhGraph(TURN_ON_TV_SCENE);
    this.steps = 0;
    this.needsReset = false;
    const obs = this.observe();
    return { obs, info: { actionMask: maskOf(this.actionSpace.n, this.textObservation().valid) } };
  }

  step(action: number): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    assertDiscreteAction(action, this.actionSpace.n, this.spec.id);
    const script = this.task.scripts[action]!;
    // `_is_action_valid`: every object of the script must be in sight; then the executor may still refuse.
    const executed = script.objects.every((id) => this.seen.has(id)) && this.graph.execute(script);
    this.steps += 1;
    const obs = this.observe();
    const success = this.task.goal(this.features!);
    const truncated = this.steps >= VH_MAX_STEPS;
    const info: Info = { executed, actionMask: maskOf(this.actionSpace.n, this.textObservation().valid) };
    if (success) info.terminationCause = this.task.successCause;
    if (truncated) info.truncationCause = TIME_LIMIT;
    if (success || truncated) {
      info.success = success;
      this.needsReset = true;
    }
    return { obs, reward: success ? 1 : 0, terminated: success, truncated, info };
  }

  private observe(): Float32Array {
    this.seen = this.graph.observableIds();
    this.features = this.task.features(this.graph, this.seen);
    this.rendered = null;
    return Float32Array.from(this.task.featureNames, (k) => (this.features![k] ? 1 : 0));
  }

  private textObservation(): VhText {
    if (!this.features) throw new Error(`${this.spec.id}: env.text read before reset()`);
    this.rendered ??= this.task.render(this.features);
    return this.rendered;
  }
}

export class FoodPreparationEnv extends VirtualHomeEnv<FoodPreparationFeatures> {
  constructor() {
    super(FOOD_PREPARATION);
  }
}

export class EntertainmentEnv extends VirtualHomeEnv<EntertainmentFeatures> {
  constructor() {
    super(ENTERTAINMENT);
  }
}
