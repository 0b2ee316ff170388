/**
 * The one-agent Overcooked kitchen of gym-macro-overcooked (Xiao et al.), as TWOSOME (Tan et al.,
 * ICLR 2024) uses it: grid, items, primitive moves, picking up, chopping, plates, delivery, rewards,
 * and the agent's partially observed view of the items. Ported rule by rule from
 * `gym_macro_overcooked/overcooked_V4.py` (Tomato Salad) and `overcooked_V3.py` (Tomato-lettuce
 * Salad), whose `step`, `_get_vector_obs` and item classes (`items.py`) are the same code on two maps.
 *
 * Coordinates are the reference's: `x` is the row (0 = top), `y` the column; the primitive actions
 * are right (y+1), down (x+1), left (y−1), up (x−1) and stay, indices 0–4 as in `DIRECTION`.
 *
 * What is not ported: maps B and C, 9×9 grids, more than one agent (agent-agent swaps and the
 * collision list only matter there), and the image observation.
 */

/** Cell codes of the map (`ITEMIDX` in the reference). */
export const CELL = { space: 0, counter: 1, agent: 2, tomato: 3, lettuce: 4, plate: 5, knife: 6, delivery: 7, onion: 8 } as const;
export type CellName = keyof typeof CELL;
const CELL_NAMES: readonly CellName[] = ["space", "counter", "agent", "tomato", "lettuce", "plate", "knife", "delivery", "onion"];

/** right, down, left, up (`DIRECTION`); index 4 is stay. */
export const DIRECTION: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 0],
  [0, -1],
  [-1, 0],
];
export const STAY = 4;

export type FoodName = "tomato" | "lettuce" | "onion";
/** Order of the item kinds in the observation (`itemDic` in the reference, which differs between V3 and V4). */
export type ItemKind = FoodName | "plate" | "knife" | "delivery" | "agent";

export interface Food {
  readonly kind: "food";
  readonly name: FoodName;
  x: number;
  y: number;
  readonly initialX: number;
  readonly initialY: number;
  chopped: boolean;
  choppedTimes: number;
}

export interface Plate {
  readonly kind: "plate";
  x: number;
  y: number;
  readonly initialX: number;
  readonly initialY: number;
  /** Foods in the plate; null when empty (the reference's `containing = None`). */
  containing: Food[] | null;
}

export interface Station {
  readonly kind: "knife" | "delivery";
  readonly x: number;
  readonly y: number;
  holding: Food | Plate | null;
}

export interface Agent {
  readonly kind: "agent";
  x: number;
  y: number;
  holding: Food | Plate | null;
}

export type Item = Food | Plate | Station | Agent;

/** Chops that turn a food into chopped food (`Food.required_chopped_times`). */
export const REQUIRED_CHOPS = 3;

export interface KitchenLayout {
  /** The 7×7 map with one agent, rows top to bottom (`map` for n_agent = 1 in `__init__`). */
  readonly grid: readonly (readonly number[])[];
  /** The recipe, as the reference names it (`TASKLIST`), e.g. "tomato salad". */
  readonly task: string;
  /** Item kinds in observation order (the keys of `itemDic`). */
  readonly itemOrder: readonly ItemKind[];
}

/** Rewards of the reference's `rewardList`, as TWOSOME's scripts set them (`--env-reward 0.2 1 0.1 0.001`). */
export interface KitchenRewards {
  subtaskFinished: number;
  correctDelivery: number;
  wrongDelivery: number;
  stepPenalty: number;
}

export const TWOSOME_REWARDS: KitchenRewards = { subtaskFinished: 0.2, correctDelivery: 1, wrongDelivery: -0.1, stepPenalty: -0.001 };

/** `TASKLIST` (overcooked_V4.py): the one-hot task block at the end of every observation follows this order. */
export const TASK_LIST = [
  "tomato salad",
  "lettuce salad",
  "onion salad",
  "lettuce-tomato salad",
  "onion-tomato salad",
  "lettuce-onion salad",
  "lettuce-onion-tomato salad",
] as const;

/** Observation radius of TWOSOME's runs (`--obs-radius` default 2 in ppo_llm_pomdp.py): items farther than 2 cells in x or y are unseen. */
export const OBS_RADIUS = 2;
/** Primitive steps after which `step` reports done (overcooked_V4.py: `done = True if self.env_step >= 200`). */
export const MAX_PRIMITIVE_STEPS = 200;

/** The border of map A's partial map (`agent.pomap` template): counters all round, open floor inside. */
function borderGrid(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, x) => Array.from({ length: cols }, (_, y) => (x === 0 || y === 0 || x === rows - 1 || y === cols - 1 ? CELL.counter : CELL.space)));
}

export interface PrimitiveResult {
  reward: number;
  /** The delivery was the task's dish (the reference's `done = True` on a correct delivery). */
  correctDelivery: boolean;
  /** `env_step >= 200` after this step. */
  timeUp: boolean;
}

export class Kitchen {
  readonly rows: number;
  readonly cols: number;
  /** Live map (`self.map`). */
  map: number[][] = [];
  agent!: Agent;
  foods: Food[] = [];
  plates: Plate[] = [];
  knives: Station[] = [];
  deliveries: Station[] = [];
  /** Items in observation order (`self.itemList`). */
  items: Item[] = [];
  /**
   * Where the agent believes each item is, in `items` order (`agent.obs` positions). Items out of
   * sight keep their last seen position; a remembered spot the agent sees empty resets to the
   * item's initial position (`_get_vector_obs`). The reference also remembers chop progress, but
   * nothing reads it, so it is not kept.
   */
  memory: [number, number][] = [];
  /** The agent's map of walls and remembered items (`agent.pomap`), used for navigation. */
  pomap: number[][] = [];
  /** Primitive steps since reset (`self.env_step`). */
  envStep = 0;

  constructor(
    readonly layout: KitchenLayout,
    readonly rewards: KitchenRewards = TWOSOME_REWARDS,
    readonly obsRadius: number = OBS_RADIUS,
  ) {
    this.rows = layout.grid.length;
    this.cols = layout.grid[0]!.length;
    this.reset();
  }

  /** `reset` + `_createItems` + `_initObs` + `_get_obs`: every item where the map puts it, remembered where it is. */
  reset(): void {
    this.envStep = 0;
    this.map = this.layout.grid.map((row) => [...row]);
    this.foods = [];
    this.plates = [];
    this.knives = [];
    this.deliveries = [];
    let agent: Agent | null = null;
    for (let x = 0; x < this.rows; x++) {
      for (let y = 0; y < this.cols; y++) {
        const cell = this.map[x]![y]!;
        if (cell === CELL.agent) agent = { kind: "agent", x, y, holding: null };
        else if (cell === CELL.knife) this.knives.push({ kind: "knife", x, y, holding: null });
        else if (cell === CELL.delivery) this.deliveries.push({ kind: "delivery", x, y, holding: null });
        else if (cell === CELL.tomato || cell === CELL.lettuce || cell === CELL.onion) {
          this.foods.push({ kind: "food", name: CELL_NAMES[cell] as FoodName, x, y, initialX: x, initialY: y, chopped: false, choppedTimes: 0 });
        } else if (cell === CELL.plate) this.plates.push({ kind: "plate", x, y, initialX: x, initialY: y, containing: null });
      }
    }
    if (!agent) throw new Error("Overcooked layout has no agent cell");
    this.agent = agent;
    this.items = [];
    for (const kind of this.layout.itemOrder) this.items.push(...this.itemsOfKind(kind));
    this.memory = this.items.map((item) => [item.x, item.y]);
    this.updateMemory();
  }

  private itemsOfKind(kind: ItemKind): Item[] {
    switch (kind) {
      case "plate":
        return this.plates;
      case "knife":
        return this.knives;
      case "delivery":
        return this.deliveries;
      case "agent":
        return [this.agent];
      default:
        return this.foods.filter((f) => f.name === kind);
    }
  }

  /** Within `obsRadius` of the agent in both x and y (a square window), or everything when the radius is 0. */
  visible(x: number, y: number): boolean {
    const a = this.agent;
    return this.obsRadius === 0 || (x >= a.x - this.obsRadius && x <= a.x + this.obsRadius && y >= a.y - this.obsRadius && y <= a.y + this.obsRadius);
  }

  /** `_findItem`: the first item of a kind at (x, y). */
  private findAt<T extends Item>(list: readonly T[], x: number, y: number): T {
    const found = list.find((i) => i.x === x && i.y === y);
    // The reference dereferences None here and crashes; a one-agent run with macro-actions never gets here.
    if (!found) throw new Error(`Overcooked: no ${list[0]?.kind ?? "item"} at (${x}, ${y}) although the map says so`);
    return found;
  }

  private findFood(name: FoodName, x: number, y: number): Food {
    return this.findAt(
      this.foods.filter((f) => f.name === name),
      x,
      y,
    );
  }

  /** `MovableItem.move` / `Plate.move`: a plate carries its contents along. */
  private moveItem(item: Food | Plate, x: number, y: number): void {
    item.x = x;
    item.y = y;
    if (item.kind === "plate" && item.containing) for (const f of item.containing) moveTo(f, x, y);
  }

  private pickup(item: Food | Plate): void {
    this.agent.holding = item;
    this.moveItem(item, this.agent.x, this.agent.y);
  }

  private putdown(x: number, y: number): Food | Plate {
    const item = this.agent.holding!;
    this.moveItem(item, x, y);
    this.agent.holding = null;
    return item;
  }

  /** `Plate.contain`: add a food and gather every content at the plate. */
  private contain(plate: Plate, food: Food): void {
    if (plate.containing) plate.containing.push(food);
    else plate.containing = [food];
    for (const f of plate.containing) moveTo(f, plate.x, plate.y);
  }

  /** `Food.refresh` / `MovableItem.refresh`: back to the initial counter, unchopped. */
  private refresh(item: Food | Plate): void {
    item.x = item.initialX;
    item.y = item.initialY;
    if (item.kind === "food") {
      item.chopped = false;
      item.choppedTimes = 0;
    }
  }

  /** `Food.chop`. */
  private chop(food: Food): void {
    if (food.chopped) return;
    food.choppedTimes += 1;
    if (food.choppedTimes >= REQUIRED_CHOPS) food.chopped = true;
  }

  /**
   * One primitive step of the one agent (`Overcooked_V4.step` with n_agent = 1): moving into open
   * floor walks; moving into a cell with an item interacts with it (pick up, chop, put down, put
   * in a plate, deliver). Every step costs the step penalty.
   */
  primitiveStep(action: number): PrimitiveResult {
    let reward = this.rewards.stepPenalty;
    let correctDelivery = false;
    const agent = this.agent;
    if (action < 4) {
      const tx = agent.x + DIRECTION[action]![0];
      const ty = agent.y + DIRECTION[action]![1];
      const target = CELL_NAMES[this.map[tx]![ty]!]!;
      if (target === "space") {
        this.map[agent.x]![agent.y] = CELL.space;
        agent.x = tx;
        agent.y = ty;
        if (agent.holding) this.moveItem(agent.holding, tx, ty);
        this.map[tx]![ty] = CELL.agent;
      } else if (target === "agent") {
        // Another agent's cell: there is none with one agent.
      } else if (!agent.holding) {
        // Pick up and chop.
        if (target === "tomato" || target === "lettuce" || target === "onion") {
          this.pickup(this.findFood(target, tx, ty));
          this.map[tx]![ty] = CELL.counter;
        } else if (target === "plate") {
          this.pickup(this.findAt(this.plates, tx, ty));
          this.map[tx]![ty] = CELL.counter;
        } else if (target === "knife") {
          const knife = this.findAt(this.knives, tx, ty);
          const held = knife.holding;
          if (held?.kind === "plate") {
            knife.holding = null;
            this.pickup(held);
          } else if (held?.kind === "food") {
            if (held.chopped) {
              knife.holding = null;
              this.pickup(held);
            } else {
              this.chop(held);
              // `knife.holding.rawName in self.task`: a substring test on the recipe's name.
              if (held.chopped && this.layout.task.includes(held.name)) reward += this.rewards.subtaskFinished;
            }
          }
        }
      } else {
        // Put down.
        const holding = agent.holding;
        if (target === "counter") {
          this.map[tx]![ty] = holding.kind === "plate" ? CELL.plate : CELL[holding.name];
          this.putdown(tx, ty);
        } else if (target === "plate") {
          if (holding.kind === "food" && holding.chopped) {
            const plate = this.findAt(this.plates, tx, ty);
            const food = this.putdown(tx, ty) as Food;
            this.contain(plate, food);
          }
        } else if (target === "knife") {
          const knife = this.findAt(this.knives, tx, ty);
          const onBoard = knife.holding;
          if (!onBoard) {
            knife.holding = this.putdown(tx, ty);
          } else if (onBoard.kind === "food" && holding.kind === "plate") {
            if (onBoard.chopped) {
              knife.holding = null;
              this.contain(holding, onBoard);
            }
          } else if (onBoard.kind === "plate" && holding.kind === "food") {
            if (holding.chopped) {
              knife.holding = null;
              this.pickup(onBoard);
              this.contain(onBoard, holding);
            }
          }
        } else if (target === "delivery") {
          const delivered = this.deliver(tx, ty);
          reward += delivered.reward;
          correctDelivery = delivered.correct;
        } else if (target === "tomato" || target === "lettuce" || target === "onion") {
          const food = this.findFood(target, tx, ty);
          if (food.chopped && holding.kind === "plate") {
            this.contain(holding, food);
            this.map[tx]![ty] = CELL.counter;
          }
        }
      }
    }
    this.envStep += 1;
    this.updateMemory();
    return { reward, correctDelivery, timeUp: this.envStep >= MAX_PRIMITIVE_STEPS };
  }

  /**
   * Handing the held item to the delivery counter. A plate whose foods name the task's dish
   * ("lettuce-tomato salad": foods in the order lettuce, onion, tomato, joined by "-") is the
   * correct delivery and stays there; anything else is a wrong delivery and every item involved
   * goes back to its initial counter, unchopped.
   */
  private deliver(x: number, y: number): { reward: number; correct: boolean } {
    const wrong = { reward: this.rewards.wrongDelivery, correct: false };
    const holding = this.agent.holding!;
    if (holding.kind === "plate") {
      if (holding.containing) {
        if (dishName(holding.containing) === this.layout.task) {
          this.deliveries[0]!.holding = this.putdown(x, y);
          return { reward: this.rewards.correctDelivery, correct: true };
        }
        const plate = this.putdown(x, y) as Plate;
        const foods = plate.containing!;
        plate.containing = null;
        this.refresh(plate);
        this.map[plate.x]![plate.y] = CELL.plate;
        for (const f of foods) {
          this.refresh(f);
          this.map[f.x]![f.y] = CELL[f.name];
        }
        return wrong;
      }
      const plate = this.putdown(x, y) as Plate;
      this.refresh(plate);
      this.map[plate.x]![plate.y] = CELL.plate;
      return wrong;
    }
    const food = this.putdown(x, y) as Food;
    this.refresh(food);
    this.map[food.x]![food.y] = CELL[food.name];
    return wrong;
  }

  /** `_get_vector_obs` for the one agent: refresh what it remembers and its partial map. */
  updateMemory(): void {
    const pomap = borderGrid(this.rows, this.cols);
    this.items.forEach((item, i) => {
      const remembered = this.memory[i]!;
      if (this.visible(item.x, item.y)) {
        remembered[0] = item.x;
        remembered[1] = item.y;
      } else if (this.visible(remembered[0], remembered[1])) {
        // It should be in sight where it was last seen, and is not: assume it went back to its start.
        const initial = initialOf(item);
        remembered[0] = initial[0];
        remembered[1] = initial[1];
      }
      pomap[remembered[0]]![remembered[1]] = CELL[item.kind === "food" ? item.name : item.kind];
    });
    pomap[this.agent.x]![this.agent.y] = CELL.agent;
    this.pomap = pomap;
  }

  /**
   * The observation the policy gets after each macro-action (`_get_macro_vector_obs` of
   * overcooked_LLMA_V4.py): per item its row, column (and for foods the number of chops so far)
   * when in sight, zeros when not, then the one-hot task. Raw cell coordinates, not normalised.
   */
  observation(): number[] {
    const obs: number[] = [];
    for (const item of this.items) {
      const seen = this.visible(item.x, item.y);
      obs.push(seen ? item.x : 0, seen ? item.y : 0);
      if (item.kind === "food") obs.push(seen ? item.choppedTimes : 0);
    }
    for (const t of TASK_LIST) obs.push(t === this.layout.task ? 1 : 0);
    return obs;
  }

  cellName(x: number, y: number, which: "map" | "pomap" = "map"): CellName {
    return CELL_NAMES[(which === "map" ? this.map : this.pomap)[x]![y]!]!;
  }
}

function moveTo(f: Food, x: number, y: number): void {
  f.x = x;
  f.y = y;
}

function initialOf(item: Item): [number, number] {
  return item.kind === "food" || item.kind === "plate" ? [item.initialX, item.initialY] : [item.x, item.y];
}

/** The dish a plate's foods make, as `step` names it: lettuce, onion, tomato order, "-"-joined, + " salad". */
export function dishName(foods: readonly Food[]): string {
  const order: FoodName[] = ["lettuce", "onion", "tomato"];
  return order.filter((n) => foods.some((f) => f.name === n)).join("-") + " salad";
}

/** Manhattan distance (`_calDistance`). */
export function manhattan(x: number, y: number, tx: number, ty: number): number {
  return Math.abs(tx - x) + Math.abs(ty - y);
}
