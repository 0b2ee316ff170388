/**
 * The part of VirtualHome's evolving-graph simulator that TWOSOME's two VirtualHome tasks use,
 * ported from the copy in TWOSOME's repository (`virtual-home/virtual_home/simulation/
 * evolving_graph/execution.py` and `environment.py`, driven by `envs/graph_env_v1.py` /
 * `graph_env_v2.py`). The real VirtualHome renders in Unity; TWOSOME's envs never call it: they
 * run scripts like "[WALK] <pancake> (62)" on this symbolic scene graph (nodes with properties
 * and states, edges INSIDE / ON / CLOSE / FACING / HOLDS_RH / HOLDS_LH) and read binary features
 * off a partially observed copy of it.
 *
 * Carried over, rule by rule: the executors for Walk, Grab, Open, Close, PutIn, PutBack (which
 * VirtualHome maps to "put on"), SwitchOn, SwitchOff, Sit and StandUp, with their preconditions
 * (closeness with the simulator's "loose" rule, free hands, open containers, switches, sitting)
 * and their edge changes in the same order; the executor's grab memory (`executor_data`);
 * `_mask_state` (the character sees its room's contents, not what is inside closed containers,
 * plus what it holds); and `_is_action_valid` (every object of the script must be in sight).
 * Where the simulator iterates a Python set of node ids and the first or last element decides
 * the outcome, the order is CPython's (see `pythonSetOrder`).
 *
 * Left out: the Unity simulator and everything rendered; the other ~25 action executors (Drink,
 * Wipe, Pour, …) and the script parser, which these tasks never reach; doors (the copy's
 * `_check_closed_doors` returns no closed doors, so every room is one walk away); and the nodes
 * of the 180 KB scene that no executor of these actions can reach (see virtualhome-scene.ts).
 */

export type Relation = "ON" | "INSIDE" | "CLOSE" | "FACING" | "HOLDS_RH" | "HOLDS_LH";

export interface SceneNode {
  readonly id: number;
  readonly className: string;
  readonly category: string;
  readonly properties: readonly string[];
  readonly states: readonly string[];
}

export interface SceneEdge {
  readonly from: number;
  readonly relation: Relation;
  readonly to: number;
}

export interface Scene {
  readonly nodes: readonly SceneNode[];
  readonly edges: readonly SceneEdge[];
}

export interface GraphNode {
  readonly id: number;
  readonly className: string;
  readonly category: string;
  readonly properties: ReadonlySet<string>;
  states: Set<string>;
}

/** One script line: "[WALK] <pancake> (62)" is { action: "WALK", objects: [62] }. */
export interface Script {
  readonly action: "WALK" | "GRAB" | "OPEN" | "CLOSE" | "PUTIN" | "PUTBACK" | "SWITCHON" | "SWITCHOFF" | "SIT" | "STANDUP";
  readonly objects: readonly number[];
}

/**
 * The iteration order CPython gives a set of small non-negative ints (hash(i) = i) built by
 * inserting `ids` in order: an 8-slot table probed at i = hash & 7, then i = (5i + 1 + perturb) & 7
 * with perturb = hash >> 5, >> 10, … (setobject.c: tables this small skip linear probing), read
 * slot by slot. Sets of up to 4 ids stay at 8 slots; the simulator only orders sets that small
 * here (the supports and containers of one object).
 */
export function pythonSetOrder(ids: readonly number[]): number[] {
  if (ids.length <= 1) return [...ids];
  const unique = [...new Set(ids)];
  if (unique.length > 4) throw new RangeError(`pythonSetOrder: ${unique.length} ids exceed the 8-slot table this port models`);
  const table: (number | undefined)[] = new Array(8).fill(undefined);
  for (const id of unique) {
    let i = id & 7;
    let perturb = id;
    while (table[i] !== undefined) {
      perturb = Math.floor(perturb / 32);
      i = (i * 5 + 1 + perturb) & 7;
    }
    table[i] = id;
  }
  return table.filter((v): v is number => v !== undefined);
}

export class VhGraph {
  readonly nodes = new Map<number, GraphNode>();
  /** Out-edges by `key(from, relation)`, in insertion order. */
  private readonly out = new Map<number, number[]>();
  /** `executor_data[(GRAB, id)]`: where a grabbed object was taken from. */
  readonly grabbedFrom = new Map<number, { node: number; relation: Relation }>();
  readonly characterId: number;
  readonly roomIds: readonly number[];

  constructor(scene: Scene) {
    for (const n of scene.nodes) {
      this.nodes.set(n.id, { id: n.id, className: n.className, category: n.category, properties: new Set(n.properties), states: new Set(n.states) });
    }
    for (const e of scene.edges) this.add(e.from, e.relation, e.to);
    const characters = scene.nodes.filter((n) => n.category === "Characters").map((n) => n.id);
    characters.sort((a, b) => a - b);
    if (characters.length === 0) throw new Error("VirtualHome scene has no character");
    this.characterId = characters[0]!;
    this.roomIds = scene.nodes.filter((n) => n.category === "Rooms").map((n) => n.id);
  }

  node(id: number): GraphNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`VirtualHome scene has no node ${id}`);
    return n;
  }

  isRoom(id: number): boolean {
    return this.node(id).category === "Rooms";
  }

  has(from: number, relation: Relation, to: number): boolean {
    return this.out.get(edgeKey(from, relation))?.includes(to) ?? false;
  }

  /** `get_nodes_from`, in the order CPython iterates the id set. */
  targets(from: number, relation: Relation): readonly number[] {
    return pythonOrderOrInsertion(this.out.get(edgeKey(from, relation)) ?? NONE);
  }

  /** Targets without caring about order (for order-free checks over possibly large sets). */
  private unorderedTargets(from: number, relation: Relation): readonly number[] {
    return this.out.get(edgeKey(from, relation)) ?? NONE;
  }

  add(from: number, relation: Relation, to: number): void {
    const key = edgeKey(from, relation);
    const list = this.out.get(key);
    if (!list) this.out.set(key, [to]);
    else if (!list.includes(to)) list.push(to);
  }

  delete(from: number, relation: Relation, to: number): void {
    const list = this.out.get(edgeKey(from, relation));
    if (!list) return;
    const i = list.indexOf(to);
    if (i >= 0) list.splice(i, 1);
  }

  /** `DeleteEdges(n1, relations, AnyNode(), delete_reverse=True)`. */
  private deleteAll(n1: number, relations: readonly Relation[]): void {
    for (const r of relations) {
      for (const n2 of this.nodes.keys()) {
        this.delete(n1, r, n2);
        this.delete(n2, r, n1);
      }
    }
  }

  private addBoth(a: number, relation: Relation, b: number): void {
    this.add(a, relation, b);
    this.add(b, relation, a);
  }

  /** `_get_room_node`. */
  roomOf(id: number): number | null {
    if (this.isRoom(id)) return id;
    let inside = this.targets(id, "INSIDE");
    if (inside.length > 1) return inside.find((n) => this.isRoom(n)) ?? null;
    while (inside.length > 0) {
      const n = inside[0]!;
      if (this.isRoom(n)) return n;
      inside = this.targets(n, "INSIDE");
    }
    return null;
  }

  /** `_is_character_close_to`, with the simulator's "loose rule": close to something close to, or supporting, the node. */
  closeTo(id: number): boolean {
    const c = this.characterId;
    if (this.has(c, "CLOSE", id)) return true;
    for (const near of this.unorderedTargets(c, "CLOSE")) {
      if (this.has(near, "CLOSE", id) || this.has(id, "ON", near)) return true;
    }
    return false;
  }

  /** `_find_free_hand`: the right hand first. */
  private freeHand(): Relation | null {
    if (this.unorderedTargets(this.characterId, "HOLDS_RH").length === 0) return "HOLDS_RH";
    if (this.unorderedTargets(this.characterId, "HOLDS_LH").length === 0) return "HOLDS_LH";
    return null;
  }

  held(): number[] {
    return [...this.unorderedTargets(this.characterId, "HOLDS_LH"), ...this.unorderedTargets(this.characterId, "HOLDS_RH")];
  }

  private holds(id: number): boolean {
    return this.has(this.characterId, "HOLDS_RH", id) || this.has(this.characterId, "HOLDS_LH", id);
  }

  /** `_is_inside`: inside something closed that is not a room. */
  private insideClosed(id: number): boolean {
    return this.unorderedTargets(id, "INSIDE").some((n) => !this.isRoom(n) && this.node(n).states.has("CLOSED"));
  }

  private get character(): GraphNode {
    return this.node(this.characterId);
  }

  /**
   * `ScriptExecutor.execute_one_step` for one line: true when it ran. A script whose
   * preconditions fail changes nothing (the executor yields no state).
   */
  execute(script: Script): boolean {
    const [a, b] = script.objects;
    switch (script.action) {
      case "WALK":
        return this.walk(a!);
      case "GRAB":
        return this.grab(a!);
      case "OPEN":
        return this.open(a!, false);
      case "CLOSE":
        return this.open(a!, true);
      case "PUTIN":
        return this.put(a!, b!, "INSIDE");
      case "PUTBACK":
        return this.put(a!, b!, "ON");
      case "SWITCHON":
        return this.switchTo(a!, true);
      case "SWITCHOFF":
        return this.switchTo(a!, false);
      case "SIT":
        return this.sit(a!);
      case "STANDUP":
        return this.standUp();
    }
  }

  /** `WalkExecutor`: move into the node's room, close to it, to what contains it, to what it stands on, and to what it holds inside (if it opens). */
  private walk(id: number): boolean {
    const c = this.characterId;
    const states = this.character.states;
    if (states.has("SITTING") || states.has("LYING")) return false;
    const room = this.roomOf(id);
    if (room === null) return false;
    // Computed before any change, as in the executor.
    const charRoom = this.roomOf(c);
    const inHands = this.held();
    this.deleteAll(c, ["INSIDE", "CLOSE", "FACING"]);
    this.add(c, "INSIDE", room);
    if (room !== id) {
      for (const box of this.targets(id, "INSIDE").filter((n) => !this.isRoom(n))) this.addBoth(c, "CLOSE", box);
      for (const body of [...this.nodes.values()].filter((n) => n.properties.has("BODY_PART"))) this.addBoth(c, "CLOSE", body.id);
      this.addBoth(c, "CLOSE", id);
    }
    for (const h of inHands) this.deleteAll(h, ["INSIDE", "CLOSE", "FACING"]);
    for (const h of inHands) {
      this.addBoth(c, "CLOSE", h);
      if (charRoom !== null) this.add(h, "INSIDE", charRoom);
    }
    if (this.node(id).properties.has("CAN_OPEN")) {
      for (const n of this.nodes.keys()) if (this.has(n, "INSIDE", id)) this.addBoth(c, "CLOSE", n);
    }
    for (const surface of this.targets(id, "ON")) this.addBoth(c, "CLOSE", surface);
    return true;
  }

  /** `GrabExecutor`: into a free hand, remembering where it was taken from. */
  private grab(id: number): boolean {
    const node = this.node(id);
    if (!node.properties.has("GRABBABLE") && node.className !== "water" && node.className !== "child") return false;
    if (this.grabbedFrom.has(id)) return false;
    if (!this.closeTo(id)) return false;
    if (this.insideClosed(id)) return false;
    const hand = this.freeHand();
    if (hand === null) return false;
    const c = this.characterId;
    const charRoom = this.roomOf(c);
    // `_find_first_node_from(state, node, [ON, INSIDE, CLOSE])` on the state before the grab.
    let from: { node: number; relation: Relation } | null = null;
    for (const relation of ["ON", "INSIDE", "CLOSE"] as const) {
      const n = this.targets(id, relation).find((t) => !this.isRoom(t));
      if (n !== undefined) {
        from = { node: n, relation };
        break;
      }
    }
    this.deleteAll(id, ["ON", "INSIDE", "CLOSE", "HOLDS_RH", "HOLDS_LH"]);
    this.addBoth(c, "CLOSE", id);
    this.add(c, hand, id);
    if (charRoom !== null) this.add(id, "INSIDE", charRoom);
    if (from) {
      this.addBoth(c, "CLOSE", from.node);
      this.grabbedFrom.set(id, from);
    }
    return true;
  }

  /** `OpenExecutor(close)`: opening needs a free hand and a switched-off appliance. */
  private open(id: number, close: boolean): boolean {
    const node = this.node(id);
    if (!node.properties.has("CAN_OPEN") && node.className !== "desk" && node.className !== "window") return false;
    if (!this.closeTo(id)) return false;
    if (!close && this.freeHand() === null) return false;
    if (!node.states.has(close ? "OPEN" : "CLOSED")) return false;
    if (!close && node.states.has("ON")) return false;
    node.states.delete(close ? "OPEN" : "CLOSED");
    node.states.add(close ? "CLOSED" : "OPEN");
    return true;
  }

  /** `PutExecutor(relation)` (PutIn: INSIDE, PutBack: ON): the held object goes on/into a node within reach, open if it opens. */
  private put(src: number, dest: number, relation: "ON" | "INSIDE"): boolean {
    if (!this.holds(src)) return false;
    if (!this.closeTo(dest)) return false;
    const destNode = this.node(dest);
    if (relation === "INSIDE" && destNode.properties.has("CAN_OPEN") && !destNode.states.has("OPEN")) return false;
    const c = this.characterId;
    this.delete(c, "HOLDS_LH", src);
    this.delete(c, "HOLDS_RH", src);
    this.addBoth(c, "CLOSE", dest);
    this.addBoth(src, "CLOSE", dest);
    this.add(src, relation, dest);
    this.grabbedFrom.delete(src);
    return true;
  }

  /** `SwitchExecutor(switch_on)`: needs a free hand. */
  private switchTo(id: number, on: boolean): boolean {
    const node = this.node(id);
    if (!node.properties.has("HAS_SWITCH")) return false;
    if (!this.closeTo(id)) return false;
    if (this.freeHand() === null) return false;
    if (!node.states.has(on ? "OFF" : "ON")) return false;
    if (on && node.states.has("PLUGGED_OUT")) return false;
    node.states.delete(on ? "OFF" : "ON");
    node.states.add(on ? "ON" : "OFF");
    return true;
  }

  /** `SitExecutor`: on the node, facing what it faces. Walking is refused until StandUp. */
  private sit(id: number): boolean {
    const states = this.character.states;
    if (!this.closeTo(id)) return false;
    if (states.has("SITTING")) return false;
    if (!this.node(id).properties.has("SITTABLE")) return false;
    states.delete("LYING");
    states.add("SITTING");
    const c = this.characterId;
    this.add(c, "ON", id);
    for (const faced of this.targets(id, "FACING")) this.add(c, "FACING", faced);
    return true;
  }

  /**
   * `StandUpExecutor`: drops the sitting state only. The "character ON sofa" edge stays (the
   * simulator never deletes it), and so does the FACING edge until the next walk.
   */
  private standUp(): boolean {
    const states = this.character.states;
    if (!states.has("SITTING") && !states.has("LYING")) return false;
    states.delete("SITTING");
    states.delete("LYING");
    return true;
  }

  /**
   * `_mask_state`'s visible node ids: the contents of the character's room, followed through
   * containers, minus those inside something closed (judged by each object's last INSIDE edge in
   * the simulator's edge order, CPython's set order), plus every room and what the character holds.
   */
  observableIds(): Set<number> {
    const insideOf = new Map<number, number>();
    const contents = new Map<number, number[]>();
    for (const from of this.nodes.keys()) {
      for (const to of this.targets(from, "INSIDE")) {
        insideOf.set(from, to);
        const list = contents.get(to);
        if (list) list.push(from);
        else contents.set(to, [from]);
      }
    }
    const room = insideOf.get(this.characterId);
    if (room === undefined) throw new Error("VirtualHome: the character is inside no room");
    const inRoom = [...(contents.get(room) ?? [])];
    let frontier = [...inRoom];
    while (frontier.length > 0) {
      const next = frontier.flatMap((id) => contents.get(id) ?? []);
      inRoom.push(...next);
      frontier = next;
    }
    const hidden = (id: number) => {
      const container = insideOf.get(id)!;
      return !this.roomIds.includes(container) && !this.node(container).states.has("OPEN");
    };
    return new Set([...inRoom.filter((id) => !hidden(id)), ...this.roomIds, ...this.held()]);
  }
}

const NONE: readonly number[] = [];
const RELATIONS: readonly Relation[] = ["ON", "INSIDE", "CLOSE", "FACING", "HOLDS_RH", "HOLDS_LH"];

/** A number key per (node, relation), so edge lookups allocate nothing. */
function edgeKey(from: number, relation: Relation): number {
  return from * 8 + RELATIONS.indexOf(relation);
}

/** Edge lists of up to 4 targets in CPython's set order; longer ones (only the character's CLOSE list can be) in insertion order, which no rule reads in order. */
function pythonOrderOrInsertion(ids: readonly number[]): readonly number[] {
  return ids.length <= 4 ? pythonSetOrder(ids) : ids;
}
