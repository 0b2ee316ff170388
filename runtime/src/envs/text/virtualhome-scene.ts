/**
 * The scene of TWOSOME's VirtualHome tasks (`virtual-home/virtual_home/envs/turn_on_tv.json`, a
 * four-room house of 367 nodes), cut down to the nodes the Food Preparation and Entertainment
 * actions can touch: the character, the four rooms, the task objects (the first "pancake",
 * "microwave", "chips", "milk", "tv", "coffeetable" in the file and its third "sofa", as
 * `get_target_id` picks them), what they stand on or contain, with the same ids, properties,
 * states and edges between them.
 *
 * Why the rest cannot matter: the executors only reach a walk target, what it stands on (ON), the
 * containers it is in, what is inside it when it opens, and what the character holds; a
 * precondition only asks whether the character is close to a node directly, or close to
 * something the node stands on or is close to. None of the dropped nodes is such a support or
 * container of a task object, and the file has no CLOSE edge between objects, only between the
 * character and the shelf items of its starting corner, which the first walk deletes and which
 * support no task object. The features read task objects and rooms only.
 */
import type { Scene, SceneEdge } from "./virtualhome-graph.js";

const inside = (from: number, to: number): SceneEdge => ({ from, relation: "INSIDE", to });
const on = (from: number, to: number): SceneEdge => ({ from, relation: "ON", to });
const facing = (from: number, to: number): SceneEdge => ({ from, relation: "FACING", to });

export const KITCHEN = 11;
export const BATHROOM = 172;
export const BEDROOM = 210;
export const LIVING_ROOM = 267;
export const CHARACTER = 1;
export const PANCAKE = 62;
export const MICROWAVE = 109;
export const CHIPS = 61;
export const MILK = 46;
export const COFFEE_TABLE = 268;
export const TV = 297;
export const SOFA = 276;

export const TURN_ON_TV_SCENE: Scene = {
  nodes: [
    { id: CHARACTER, className: "character", category: "Characters", properties: [], states: [] },
    { id: KITCHEN, className: "kitchen", category: "Rooms", properties: [], states: [] },
    { id: BATHROOM, className: "bathroom", category: "Rooms", properties: [], states: [] },
    { id: BEDROOM, className: "bedroom", category: "Rooms", properties: [], states: [] },
    { id: LIVING_ROOM, className: "livingroom", category: "Rooms", properties: [], states: [] },
    { id: MILK, className: "milk", category: "Food", properties: ["GRABBABLE", "DRINKABLE", "POURABLE", "CAN_OPEN", "MOVABLE"], states: ["CLOSED"] },
    { id: CHIPS, className: "chips", category: "Food", properties: ["GRABBABLE", "MOVABLE"], states: [] },
    { id: PANCAKE, className: "pancake", category: "Food", properties: ["GRABBABLE", "EATABLE", "CUTTABLE", "MOVABLE"], states: [] },
    { id: 72, className: "kitchentable", category: "Furniture", properties: ["SURFACES", "MOVABLE"], states: [] },
    { id: 81, className: "kitchencounter", category: "Furniture", properties: ["SURFACES"], states: ["CLOSED"] },
    { id: 86, className: "kitchencounterdrawer", category: "Furniture", properties: [], states: [] },
    { id: 92, className: "kitchencounter", category: "Furniture", properties: ["SURFACES"], states: ["CLOSED"] },
    { id: 104, className: "dishwasher", category: "Appliances", properties: ["CAN_OPEN", "HAS_SWITCH", "CONTAINERS"], states: ["CLOSED", "OFF"] },
    { id: MICROWAVE, className: "microwave", category: "Appliances", properties: ["CAN_OPEN", "HAS_SWITCH", "CONTAINERS", "HAS_PLUG"], states: ["CLOSED", "OFF"] },
    { id: 110, className: "plate", category: "Appliances", properties: ["SURFACES", "GRABBABLE", "RECIPIENT", "MOVABLE"], states: [] },
    { id: COFFEE_TABLE, className: "coffeetable", category: "Furniture", properties: ["SURFACES", "MOVABLE"], states: [] },
    { id: 271, className: "tvstand", category: "Furniture", properties: ["SURFACES", "MOVABLE"], states: [] },
    { id: 273, className: "chair", category: "Furniture", properties: ["SURFACES", "GRABBABLE", "SITTABLE", "MOVABLE"], states: [] },
    { id: SOFA, className: "sofa", category: "Furniture", properties: ["SURFACES", "SITTABLE", "LIEABLE", "MOVABLE"], states: [] },
    { id: TV, className: "tv", category: "Electronics", properties: ["HAS_SWITCH", "LOOKABLE", "HAS_PLUG"], states: ["OFF"] },
    { id: 362, className: "floor", category: "Floor", properties: ["SURFACES"], states: [] },
  ],
  edges: [
    ...[MILK, CHIPS, PANCAKE, 72, 81, 86, 92, 104, MICROWAVE, 110, CHARACTER].map((id) => inside(id, KITCHEN)),
    ...[COFFEE_TABLE, 271, 273, SOFA, TV, 362].map((id) => inside(id, LIVING_ROOM)),
    on(MILK, 72),
    on(CHIPS, 92),
    on(PANCAKE, 72),
    on(86, 81),
    on(MICROWAVE, 81),
    on(110, 81),
    on(COFFEE_TABLE, 362),
    on(271, 362),
    on(TV, 271),
    on(CHIPS, 104),
    on(MICROWAVE, 86),
    inside(92, 104),
    inside(110, MICROWAVE),
    on(TV, 273),
    facing(COFFEE_TABLE, TV),
    facing(271, TV),
    facing(SOFA, TV),
  ],
};
