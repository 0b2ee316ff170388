/**
 * Observation to text for the two Overcooked tasks, ported from TWOSOME's `LLMAgent.obs2text`
 * (`twosome/overcooked/policy_pomdp.py`, branches `task == 0` and `task == 3`): the prompt the
 * LLM reads and the wording of each macro-action in the current state. Every macro-action is
 * always offered; only its wording changes ("walk to the cutting board" becomes "put the tomato
 * on the cutting board" while carrying an unchopped tomato).
 *
 * Both functions read nothing but the macro-action observation (raw cell coordinates of the items
 * in sight, zeros for items out of sight), as the reference does, so the same quirks follow: an
 * item out of sight is simply not mentioned, and a sentence is capitalised with Python's
 * `str.capitalize` (first letter up, the rest down).
 */

export interface TextObservation {
  prompt: string;
  /** One wording per macro-action, in the Discrete action order. */
  actions: string[];
}

/** Python's `str.capitalize`. */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1).toLowerCase();
}

/** Python's `str.format` for positional `{}` fields. */
function format(template: string, ...args: string[]): string {
  let i = 0;
  return template.replace(/\{\}/g, () => args[i++] ?? "");
}

function samePos(obs: readonly number[], at: number, pos: readonly [number, number]): boolean {
  return obs[at] === pos[0] && obs[at + 1] === pos[1];
}

const CHOPPED = 3;

/** Tomato Salad (task 0): observation = tomato (x, y, chops), plate, knife, delivery, agent (x, y each), one-hot task. */
export function tomatoSaladText(obs: readonly number[]): TextObservation {
  const actions = ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop nothing"];
  const ingredient = ["a tomato", "a bowl"];
  const raw = ["tomato", "bowl"];
  const chopped = [false];
  const oriPos: [number, number][] = [
    [0, 5],
    [6, 5],
  ];
  const sentences = ["There is a fixed cutting board in the room."];
  const item: string[] = [];
  const agentPos: [number, number] = [obs[9]!, obs[10]!];
  const places = { inAgent: agentPos, inFirstCuttingBoard: [1, 0] as [number, number] };
  const overlay = { inAgent: [] as number[], inFirstCuttingBoard: [] as number[] };
  for (let i = 0; i < 2; i++) {
    if (samePos(obs, 3 * i, oriPos[i]!)) item.push(ingredient[i]!);
    if (i < 1 && obs[3 * i + 2] === CHOPPED) chopped[i] = true;
    for (const k of ["inAgent", "inFirstCuttingBoard"] as const) if (samePos(obs, 3 * i, places[k])) overlay[k].push(i);
  }
  if (item.length === 1) sentences.push(capitalize(format("You notice {} on the table.", ...item)));
  else if (item.length === 2) sentences.push(capitalize(format("You notice {} and {} on the different tables.", ...item)));

  const board = overlay.inFirstCuttingBoard;
  if (board.length === 1) {
    const id = board[0]!;
    const template = "{} is on the cutting board.";
    if (id === 1) sentences.push(capitalize(format(template, "a bowl")));
    else {
      sentences.push(capitalize(format(template, (chopped[id] ? "a chopped " : "an unchopped ") + raw[id])));
      if (agentPos[0] === 1 && agentPos[1] === 1) actions[4] = "chop the " + raw[id];
    }
  } else if (board.length > 1) {
    sentences.push(capitalize("a bowl containing a chopped tomato is on the cutting board."));
  }

  // In front of the cutting board at (1,1); the reference also counts (2,1), in front of a second
  // board this map does not have, as "in front of the cutting board".
  const cindex = agentPos[0] === 1 && agentPos[1] === 1 ? 0 : agentPos[0] === 2 && agentPos[1] === 1 ? 1 : -1;
  const putOnBoard = (what: string) => format("put the {} on the cutting board", what);
  const hand: HandWording =
    cindex >= 0
      ? {
          empty: "Currently you are standing in front of the cutting board without anything in hand.",
          carrying: "Currently you are standing in front of the cutting board, carrying {} in hand.",
          bowlOf: (foods) => format(listTemplate("Currently you are standing in front of the cutting board, carrying a bowl containing chopped", foods.length, " in hand."), ...foods),
        }
      : {
          empty: "Currently you don't have anything in hand.",
          carrying: "Currently you are carrying {} in hand.",
          bowlOf: (foods) => format(listTemplate("Currently you are carrying a bowl containing chopped", foods.length, "."), ...foods),
        };
  const handText = describeHand(overlay.inAgent, raw, chopped, 1, hand, {
    serve: () => (actions[3] = "serve the dish"),
    bowl: () => {
      actions[0] = "put the tomato in the bowl";
      actions[2] = putOnBoard("bowl");
    },
    unchopped: (food) => (actions[2] = putOnBoard(food)),
  });
  sentences.push(capitalize(handText));
  sentences.push("To serve the dish of a bowl only containing chopped tomato, you should first");
  return { prompt: sentences.join(" "), actions };
}

/** How the "Currently you …" sentence reads where the agent stands (in front of a cutting board or not). */
interface HandWording {
  empty: string;
  /** With one `{}` for what is carried. */
  carrying: string;
  bowlOf: (foods: string[]) => string;
}

/**
 * The sentence about what the agent holds, and the action rewordings that go with it (both tasks
 * share this logic in the reference): carrying anything makes "serve nothing" "serve the dish";
 * a bowl (alone or with food) turns "pick up X" into "put X in the bowl" and "walk to … board"
 * into "put the bowl on … board"; an unchopped food turns the board walks into "put X on … board".
 * `held` lists the observation's item indices at the agent's position, the bowl last.
 */
function describeHand(
  held: readonly number[],
  raw: readonly string[],
  chopped: readonly boolean[],
  bowl: number,
  wording: HandWording,
  reword: { serve: () => void; bowl: () => void; unchopped: (food: string) => void },
): string {
  if (held.length === 0) return wording.empty;
  reword.serve();
  if (held.length > 1) {
    reword.bowl();
    return wording.bowlOf(held.slice(0, -1).map((id) => raw[id]!));
  }
  const id = held[0]!;
  if (id === bowl) {
    reword.bowl();
    return format(wording.carrying, "a bowl");
  }
  if (chopped[id]) return format(wording.carrying, "a chopped " + raw[id]);
  reword.unchopped(raw[id]!);
  return format(wording.carrying, "an unchopped " + raw[id]);
}

/** "{}", "{} and {}", "{}, {} and {}" between a prefix and a suffix, as the reference's per-count templates. */
function listTemplate(prefix: string, count: number, suffix: string): string {
  const fields = count === 1 ? "{}" : count === 2 ? "{} and {}" : "{}, {} and {}";
  return `${prefix} ${fields}${suffix}`;
}

/**
 * Tomato-lettuce Salad (task 3): observation = tomato, lettuce, onion (x, y, chops each), plate,
 * first knife, second knife, delivery, agent (x, y each), one-hot task.
 */
export function tomatoLettuceSaladText(obs: readonly number[]): TextObservation {
  const actions = [
    "pick up the tomato",
    "pick up the lettuce",
    "pick up the onion",
    "take the empty bowl",
    "walk to the first cutting board",
    "walk to the second cutting board",
    "serve nothing",
    "chop nothing",
  ];
  const ingredient = ["a tomato", "a lettuce", "an onion", "a bowl"];
  const raw = ["tomato", "lettuce", "onion", "bowl"];
  const chopped = [false, false, false];
  const oriPos: [number, number][] = [
    [0, 5],
    [1, 6],
    [2, 6],
    [6, 5],
  ];
  const sentences = ["There are two fixed cutting boards in the room."];
  const item: string[] = [];
  const agentPos: [number, number] = [obs[17]!, obs[18]!];
  const keys = ["inAgent", "inFirstCuttingBoard", "inSecondCuttingBoard"] as const;
  const places: Record<(typeof keys)[number], [number, number]> = { inAgent: agentPos, inFirstCuttingBoard: [1, 0], inSecondCuttingBoard: [2, 0] };
  const overlay: Record<(typeof keys)[number], number[]> = { inAgent: [], inFirstCuttingBoard: [], inSecondCuttingBoard: [] };
  for (let i = 0; i < 4; i++) {
    if (samePos(obs, 3 * i, oriPos[i]!)) item.push(ingredient[i]!);
    if (i < 3 && obs[3 * i + 2] === CHOPPED) chopped[i] = true;
    for (const k of keys) {
      if (samePos(obs, 3 * i, places[k])) {
        overlay[k].push(i);
        if (overlay[k].length > 1) actions[3] = "take the bowl";
      }
    }
  }
  const noticeTemplates = [
    "",
    "You notice {} on the table.",
    "You notice {} and {} on the different tables.",
    "You notice {}, {} and {} on the different tables.",
    "You notice {}, {}, {} and {} on the different tables.",
  ];
  if (item.length > 0) sentences.push(capitalize(format(noticeTemplates[item.length]!, ...item)));

  const boardIndex = ["first", "second"];
  const boards = [overlay.inFirstCuttingBoard, overlay.inSecondCuttingBoard];
  for (let c = 0; c < 2; c++) {
    const on = boards[c]!;
    if (on.length === 1) {
      const id = on[0]!;
      const template = "{} is on the {} cutting board.";
      if (id === 3) sentences.push(capitalize(format(template, "a bowl", boardIndex[c]!)));
      else {
        sentences.push(capitalize(format(template, (chopped[id] ? "a chopped " : "an unchopped ") + raw[id], boardIndex[c]!)));
        if (agentPos[0] === c + 1 && agentPos[1] === 1) actions[7] = "chop the " + raw[id];
      }
    } else if (on.length > 1) {
      const inPlate = on.slice(0, -1).map((id) => raw[id]!);
      sentences.push(capitalize(format(listTemplate("A bowl containing chopped", inPlate.length, " is on the {} cutting board."), ...inPlate, boardIndex[c]!)));
    }
  }

  const cindex = agentPos[0] === 1 && agentPos[1] === 1 ? 0 : agentPos[0] === 2 && agentPos[1] === 1 ? 1 : -1;
  const putOn = (what: string, which: string) => format("put the {} on the {} cutting board", what, which);
  const holdBowlActions = ["put the tomato in the bowl", "put the lettuce in the bowl", "put the onion in the bowl"];
  const where = boardIndex[cindex] ?? "";
  const hand: HandWording =
    cindex >= 0
      ? {
          empty: format("Currently you are standing in front of the {} cutting board without anything in hand.", where),
          carrying: format("Currently you are standing in front of the {} cutting board, carrying ", where) + "{} in hand.",
          bowlOf: (foods) =>
            format(listTemplate("Currently you are standing in front of the {} cutting board, carrying a bowl containing chopped", foods.length, " in hand."), where, ...foods),
        }
      : {
          empty: "Currently you don't have anything in hand.",
          carrying: "Currently you are carrying {} in hand.",
          bowlOf: (foods) => format(listTemplate("Currently you are carrying a bowl containing chopped", foods.length, "."), ...foods),
        };
  const handText = describeHand(overlay.inAgent, raw, chopped, 3, hand, {
    serve: () => (actions[6] = "serve the dish"),
    bowl: () => {
      actions.splice(0, 3, ...holdBowlActions);
      actions[4] = putOn("bowl", "first");
      actions[5] = putOn("bowl", "second");
    },
    unchopped: (food) => {
      actions[4] = putOn(food, "first");
      actions[5] = putOn(food, "second");
    },
  });
  sentences.push(capitalize(handText));
  sentences.push("To serve the dish of a bowl only containing chopped tomato and lettuce, you should first");
  return { prompt: sentences.join(" "), actions };
}
