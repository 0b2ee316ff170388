/**
 * Macro-actions of gym-macro-overcooked's LLMA envs (`overcooked_LLMA_V4.py` for Tomato Salad,
 * `overcooked_LLMA_V3.py` for Tomato-lettuce Salad; the two files run the same rules over their own
 * macro-action lists): how a macro-action such as "get tomato" expands into primitive steps, when
 * it ends, and what it does when it cannot be carried out.
 *
 * One macro-action runs until it is done (`run`): each primitive step is chosen by
 * `computeLowLevelAction` (A* towards the item the agent remembers, then one step into it to act
 * on it), applied by the kitchen, and then `checkMacroActionDone` may end it early. A macro-action
 * that cannot be carried out (chop with nothing to chop, get a food that lies in the plate, walk
 * to a target with no path) ends after one "stay" step, which still costs the step penalty.
 */
import { DIRECTION, Kitchen, STAY, manhattan, type Food } from "./overcooked-kitchen.js";

export const TOMATO_SALAD_MACROS = ["get tomato", "get plate 1", "go to knife 1", "deliver", "chop"] as const;
export const TOMATO_LETTUCE_SALAD_MACROS = ["get tomato", "get lettuce", "get onion", "get plate 1", "go to knife 1", "go to knife 2", "deliver", "chop"] as const;
export type MacroName = (typeof TOMATO_LETTUCE_SALAD_MACROS)[number];

const GET_FOOD: Readonly<Record<string, Food["name"]>> = { "get tomato": "tomato", "get lettuce": "lettuce", "get onion": "onion" };
/** γ the reference's `run` hard-codes when it sums a macro-action's primitive rewards: reward += γᵏ·rₖ. */
export const MACRO_REWARD_DISCOUNT = 0.99;

const RIGHT = 0;
/** Macro-actions that finish chopping after this many chops (`cur_chop_times >= 3`). */
const CHOPS_PER_MACRO = 3;

export interface MacroResult {
  /** Σₖ 0.99ᵏ rₖ over the primitive steps, as `run` returns it. */
  reward: number;
  primitiveRewards: number[];
  /** `macro_action_steps`. */
  primitiveSteps: number;
  /** A correct delivery happened during this macro-action. */
  correctDelivery: boolean;
  /** The last primitive step had `env_step >= 200`. */
  timeUp: boolean;
}

/** The per-agent macro-action state of the reference (`MacAgent`). */
export class MacroController {
  private current = 0;
  private done = true;
  private chopTimes = 0;

  constructor(
    private readonly kitchen: Kitchen,
    readonly names: readonly MacroName[],
  ) {}

  reset(): void {
    this.current = 0;
    this.done = true;
    this.chopTimes = 0;
  }

  /** `run`: primitive steps until the macro-action is done. */
  run(macro: number): MacroResult {
    const primitiveRewards: number[] = [];
    let reward = 0;
    let discount = 1;
    let correctDelivery = false;
    let timeUp = false;
    do {
      const action = this.computeLowLevelAction(macro);
      const r = this.kitchen.primitiveStep(action);
      primitiveRewards.push(r.reward);
      reward += discount * r.reward;
      correctDelivery ||= r.correctDelivery;
      timeUp = r.timeUp;
      this.checkMacroActionDone();
      discount *= MACRO_REWARD_DISCOUNT;
    } while (!this.done);
    return { reward, primitiveRewards, primitiveSteps: primitiveRewards.length, correctDelivery, timeUp };
  }

  /** `_findPOitem`: where the agent remembers the macro-action's item (macro-action i names item i of the observation). */
  private target(macro: number): [number, number] {
    const [x, y] = this.kitchen.memory[macro]!;
    return [x, y];
  }

  /** `_computeLowLevelActions` for the one agent. */
  private computeLowLevelAction(requested: number): number {
    if (this.done) {
      this.current = requested;
      this.done = false;
    }
    const macro = this.current;
    const name = this.names[macro]!;
    const k = this.kitchen;
    const agent = k.agent;
    let action = STAY;

    if (name === "chop") {
      for (let a = 0; a < 4; a++) {
        const nx = agent.x + DIRECTION[a]![0];
        const ny = agent.y + DIRECTION[a]![1];
        if (k.cellName(nx, ny) !== "knife") continue;
        const knife = k.knives.find((s) => s.x === nx && s.y === ny)!;
        if (knife.holding?.kind === "food" && !knife.holding.chopped) {
          action = a;
          this.chopTimes += 1;
          if (this.chopTimes >= CHOPS_PER_MACRO) {
            this.done = true;
            this.chopTimes = 0;
          }
          break;
        }
      }
      if (action === STAY) this.done = true;
      return action;
    }
    if (name === "deliver" && agent.x === 1 && agent.y === 1 && k.cellName(2, 1, "pomap") === "agent") {
      // A two-agent deadlock breaker (step right); with one agent it cannot be at (1,1) and (2,1) at once.
      return RIGHT;
    }

    const [tx, ty] = this.target(macro);
    const food = GET_FOOD[name];
    if (food && k.visible(tx, ty) && k.plates.some((p) => p.x === tx && p.y === ty)) {
      // The food is in the plate: nothing to get.
      this.done = true;
      return STAY;
    }
    if (tx === 1 && ty === 0 && agent.x === 3 && agent.y === 1 && k.cellName(2, 1, "pomap") === "agent") {
      // The other two-agent deadlock breaker, likewise unreachable with one agent.
      return RIGHT;
    }
    if (k.cellName(tx, ty, "pomap") === "agent" && k.visible(tx, ty)) {
      // The item is where the agent stands: it is already in hand.
      this.done = true;
      return STAY;
    }
    action = navigate(k, tx, ty);
    if (action === STAY) this.done = true;
    if (manhattan(agent.x, agent.y, tx, ty) === 1) {
      this.done = true;
      if (name === "get plate 1" && agent.holding?.kind === "food") {
        // Holding chopped food next to the plate: put it in, then take the plate (one more step).
        if (agent.holding.chopped) this.done = false;
        else action = STAY;
      }
      if ((name === "go to knife 1" || name === "go to knife 2") && !agent.holding) action = STAY;
      if (food) {
        const knife = k.knives.find((s) => s.x === tx && s.y === ty);
        // Stepping into a knife with unchopped food on it would chop it, not pick it up.
        if (knife?.holding?.kind === "food" && !knife.holding.chopped) action = STAY;
      }
      if (food || name === "get plate 1") {
        const item = food ? k.foods.find((f) => f.name === food)! : k.plates[0]!;
        if (tx !== item.x || ty !== item.y) action = STAY;
      }
    }
    return action;
  }

  /** `_checkMacroActionDone` after a primitive step, for a macro-action still running. */
  private checkMacroActionDone(): void {
    if (this.done) return;
    const name = this.names[this.current]!;
    const k = this.kitchen;
    const agent = k.agent;
    const food = GET_FOOD[name];
    if ((name === "go to knife 1" || name === "go to knife 2") && !agent.holding) {
      const [tx, ty] = this.target(this.current);
      if (manhattan(agent.x, agent.y, tx, ty) === 1) this.done = true;
    } else if (food) {
      const [tx, ty] = this.target(this.current);
      if (manhattan(agent.x, agent.y, tx, ty) === 1 && k.knives.some((s) => s.x === tx && s.y === ty)) {
        const onBoard = k.foods.find((f) => f.name === food && f.x === tx && f.y === ty);
        // The reference dereferences `_findItem` unchecked; one agent always finds the food it remembers.
        if (!onBoard) throw new Error(`Overcooked: macro-action "${name}" remembers the ${food} on the knife at (${tx}, ${ty}) but it is not there`);
        if (!onBoard.chopped) this.done = true;
      }
    } else if (name === "deliver" && !agent.holding) {
      const [tx, ty] = this.target(this.current);
      if (manhattan(agent.x, agent.y, tx, ty) === 1) this.done = true;
    }
    if (food || name === "get plate 1") {
      const [tx, ty] = this.target(this.current);
      const item = food ? k.foods.find((f) => f.name === food)! : k.plates[0]!;
      if (tx !== item.x || ty !== item.y) this.done = true;
    }
  }
}

interface SearchNode {
  x: number;
  y: number;
  /** Path cost so far. */
  g: number;
  /** g + Manhattan distance to the target (`dis`). */
  f: number;
  /** The first primitive action of the path that reached this node. */
  first: number | null;
  /** 1 when the node is another agent's cell (`pass_agent`). */
  passAgent: number;
}

/**
 * The reference's ordering of search nodes (`AStarAgent.__lt__`): by f, then by passAgent, with
 * `<=` in both places, so equal nodes compare "less" both ways. Kept as is, with Python's heapq
 * (below), so ties break exactly as in the reference.
 */
function less(a: SearchNode, b: SearchNode): boolean {
  return a.f !== b.f ? a.f <= b.f : a.passAgent <= b.passAgent;
}

/** heapq.heappush (CPython's `_siftdown`). */
function heapPush(heap: SearchNode[], item: SearchNode): void {
  heap.push(item);
  siftDown(heap, 0, heap.length - 1);
}

function siftDown(heap: SearchNode[], start: number, pos: number): void {
  const item = heap[pos]!;
  while (pos > start) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos]!;
    if (!less(item, parent)) break;
    heap[pos] = parent;
    pos = parentPos;
  }
  heap[pos] = item;
}

/** heapq.heappop (CPython's `_siftup`). */
function heapPop(heap: SearchNode[]): SearchNode {
  const last = heap.pop()!;
  if (heap.length === 0) return last;
  const top = heap[0]!;
  heap[0] = last;
  const end = heap.length;
  let pos = 0;
  let child = 1;
  while (child < end) {
    const right = child + 1;
    if (right < end && !less(heap[child]!, heap[right]!)) child = right;
    heap[pos] = heap[child]!;
    pos = child;
    child = 2 * pos + 1;
  }
  heap[pos] = last;
  siftDown(heap, 0, pos);
  return top;
}

/**
 * `_navigate`: the first primitive action of an A* path over the agent's partial map towards the
 * target cell, through open floor only; the target itself (a counter, knife or delivery cell) ends
 * the search as soon as it is a neighbour of an expanded node. Neighbours are tried right, left,
 * down, up ("explore up and down first" in the reference's comment notwithstanding). STAY when no
 * path exists.
 */
export function navigate(k: Kitchen, tx: number, ty: number): number {
  const order: readonly [number, number, number][] = [
    [0, 1, 0], // right
    [0, -1, 2], // left
    [1, 0, 1], // down
    [-1, 0, 3], // up
  ];
  const start: SearchNode = { x: k.agent.x, y: k.agent.y, g: 0, f: manhattan(k.agent.x, k.agent.y, tx, ty), first: null, passAgent: 0 };
  const heap: SearchNode[] = [start];
  const visited = Array.from({ length: k.rows }, () => new Array<boolean>(k.cols).fill(false));
  visited[start.x]![start.y] = true;
  while (heap.length > 0) {
    const node = heapPop(heap);
    for (const [dx, dy, action] of order) {
      const nx = node.x + dx;
      const ny = node.y + dy;
      if (visited[nx]![ny]) continue;
      const first = node.first ?? action;
      const cell = k.cellName(nx, ny, "pomap");
      if (cell === "space" || cell === "agent") {
        const g = node.g + 1;
        heapPush(heap, { x: nx, y: ny, g, f: g + manhattan(nx, ny, tx, ty), first, passAgent: cell === "agent" ? 1 : 0 });
        visited[nx]![ny] = true;
      }
      if (nx === tx && ny === ty) return first;
    }
  }
  return STAY;
}
