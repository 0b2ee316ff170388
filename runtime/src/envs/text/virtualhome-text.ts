/**
 * Observation to text for the two VirtualHome tasks: the prompt TWOSOME's LLM reads and the
 * subset of actions it may choose, as functions of the binary features alone. Ported from
 * `obs2text` in `twosome/virtualhome/policy_v1.py` (Food Preparation) and `policy_v2.py`
 * (Entertainment), which TWOSOME's trainers feed to the LLM; the reference PPO baseline
 * (`ppo_raw_env_v1.py`) samples among the same subset. The envs' own `obs2text`
 * (graph_environment_v1/v2.py) differ only in the Entertainment wording "The chips are"
 * (policy: "The chips is") and in offering no action at all next to a switched-off TV with empty
 * hands, where the policy file offers walks, moves and the switch; the policy file is what ran.
 * Typos and repeated sentences ("not opend", "the them", "The TV is not close to you" at the
 * coffee table) are the reference's and are kept: they are part of the prompts the paper trained on.
 */

export interface VhText {
  prompt: string;
  /** Action indices offered, in the reference's order. */
  valid: number[];
  /** Their wordings. */
  actions: string[];
}

export const FOOD_PREPARATION_FEATURES = [
  "in_kitchen",
  "in_bathroom",
  "in_bedroom",
  "in_livingroom",
  "see_pancake",
  "close_to_pancake",
  "hold_pancake",
  "see_microwave",
  "close_to_microwave",
  "is_microwave_open",
  "pancake_in_microwave",
] as const;

export const FOOD_PREPARATION_ACTIONS = [
  "walk to the living room",
  "walk to the kitchen",
  "walk to the bathroom",
  "walk to the bedroom",
  "reach for the pancake",
  "move to the microwave",
  "grab the pancake",
  "put the pancake in the microwave",
  "open the microwave",
  "close the microwave",
] as const;

export const ENTERTAINMENT_FEATURES = [
  "in_kitchen",
  "in_bathroom",
  "in_bedroom",
  "in_livingroom",
  "see_chips",
  "close_to_chips",
  "hold_chips",
  "chips_on_coffeetable",
  "see_milk",
  "close_to_milk",
  "hold_milk",
  "milk_on_coffeetable",
  "see_tv",
  "close_to_tv",
  "is_face_tv",
  "is_tv_on",
  "see_sofa",
  "close_to_sofa",
  "is_sit_sofa",
  "see_coffeetable",
  "close_to_coffeetable",
] as const;

export const ENTERTAINMENT_ACTIONS = [
  "walk to the living room",
  "walk to the kitchen",
  "walk to the bathroom",
  "walk to the bedroom",
  "reach for the chips",
  "reach for the milk",
  "move to the coffee table",
  "move to the TV",
  "move to the sofa",
  "grab the chips",
  "grab the milk",
  "put the chips on the coffee table",
  "put the milk on the coffee table",
  "turn on the TV",
  "turn off the TV",
  "take a seat on the sofa",
  "stand up from the sofa",
] as const;

export type FoodPreparationFeatures = Record<(typeof FOOD_PREPARATION_FEATURES)[number], boolean>;
export type EntertainmentFeatures = Record<(typeof ENTERTAINMENT_FEATURES)[number], boolean>;

function roomName(f: { in_kitchen: boolean; in_bathroom: boolean; in_bedroom: boolean; in_livingroom: boolean }): string {
  const count = Number(f.in_kitchen) + Number(f.in_bathroom) + Number(f.in_bedroom) + Number(f.in_livingroom);
  // The reference asserts it; the graph puts the character in exactly one room.
  if (count !== 1) throw new Error(`VirtualHome text: the character must be in exactly one room, features say ${count}`);
  return f.in_kitchen ? "kitchen" : f.in_bathroom ? "bathroom" : f.in_bedroom ? "bedroom" : "living room";
}

function finish(text: string, valid: number[], wording: readonly string[]): VhText {
  return { prompt: text, valid, actions: valid.map((i) => wording[i]!) };
}

/** Food Preparation (heat the pancake in the microwave), `policy_v1.obs2text`. */
export function foodPreparationText(f: FoodPreparationFeatures): VhText {
  let text = `There are four rooms: the kitchen, bathroom, bedroom, and living room. You are in the ${roomName(f)}. `;
  let objects = "";
  let valid: number[] = [];
  if (f.in_kitchen) {
    objects += f.see_pancake ? "You notice pancake and microwave. " : "The pancake is in the microwave. ";
    if (f.hold_pancake) {
      objects += "Currently, you have grabbed the pancake in hand. ";
      if (f.close_to_microwave) {
        objects += "The microwave is within your immediate reach. ";
        valid = [0, 2, 3, 4, 7, 8, 9];
      } else {
        objects += "The microwave is not within your immediate reach. ";
        valid = [0, 2, 3, 4, 5];
      }
    } else if (f.close_to_pancake && !f.close_to_microwave) {
      objects += "Currently, you are not grabbing anything in hand. The pancake is within your immediate reach. ";
      valid = [0, 2, 3, 5, 6];
    } else if (f.close_to_microwave && !f.close_to_pancake) {
      objects += "Currently, you are not grabbing anything in hand. The microwave is within your immediate reach. ";
      valid = [0, 2, 3, 4, 8, 9];
    } else if (!f.close_to_pancake && !f.close_to_microwave) {
      objects += "Currently, you are not grabbing anything in hand. The pancake and the microwave are not within your immediate reach. ";
      valid = [0, 2, 3, 4, 5];
    } else {
      valid = f.is_microwave_open ? [0, 2, 3, 8, 9] : [0, 2, 3, 9];
    }
    if (f.see_pancake && f.is_microwave_open) objects += "The microwave is opened. ";
    else if (f.see_pancake && !f.is_microwave_open) objects += "The microwave is not opend. ";
    else {
      objects += "The microwave is closed. ";
      valid = [0, 2, 3];
    }
  } else {
    objects += f.hold_pancake
      ? "and notice nothing useful. Currently, you have grabbed the pancake in hand. "
      : "and notice nothing useful. Currently, you are not grabbing anything in hand. ";
    valid = f.in_bathroom ? [0, 1, 3] : f.in_bedroom ? [0, 1, 2] : [1, 2, 3];
  }
  text += objects + "In order to heat up the pancake in the microwave, " + "your next step is to";
  return finish(text, valid, FOOD_PREPARATION_ACTIONS);
}

/** What the character holds, as the Entertainment templates word it (empty when nothing). */
function handText(f: EntertainmentFeatures, tvOn: boolean): string {
  const on = tvOn ? "Currently, the TV is turned on, you" : "Currently, you";
  if (f.hold_chips && f.hold_milk) return `${on} have grabbed the chips and the milk in hand. `;
  if (!f.hold_chips && f.hold_milk) {
    return f.chips_on_coffeetable ? `${on} have the chips on the coffee table and the milk in your hand. ` : `${on} have grabbed the milk in hand. `;
  }
  if (f.hold_chips && !f.hold_milk) {
    // The reference says the chips sentence twice when the milk is not on the table.
    return (
      `${on} have grabbed the chips in hand. ` +
      (f.milk_on_coffeetable ? `${on} have the milk on the coffee table and the chips in your hand. ` : `${on} have grabbed the chips in hand. `)
    );
  }
  return "";
}

/** Entertainment (watch TV on the sofa with chips and milk), `policy_v2.obs2text`. */
export function entertainmentText(f: EntertainmentFeatures): VhText {
  let text = `There are four rooms: the kitchen, bathroom, bedroom, and living room. You are in the ${roomName(f)} `;
  let objects = "";
  let valid: number[] = [];
  if (f.in_kitchen) {
    if (f.see_chips && f.see_milk) {
      objects += "and notice chips and milk. ";
      if (f.hold_chips && f.hold_milk) {
        objects += "Currently, you have grabbed the chips and the milk in hand. ";
        valid = [0, 2, 3];
      } else if (f.hold_chips && !f.hold_milk) {
        if (f.close_to_milk) {
          objects += "The milk is within your immediate reach. But you have not grabbed the milk. Currently, you have grabbed the chips in hand. ";
          valid = [0, 2, 3, 10];
        } else {
          objects += "The milk is not within your immediate reach. Currently, you have grabbed the chips in hand. ";
          valid = [0, 2, 3, 5];
        }
      } else if (!f.hold_chips && f.hold_milk) {
        if (f.close_to_chips) {
          objects += "The chips is within your immediate reach. But you have not grabbed the chips. Currently, you have grabbed the milk in hand. ";
          valid = [0, 2, 3, 9];
        } else {
          objects += "The chips is not within your immediate reach. Currently, you have grabbed the milk in hand. ";
          valid = [0, 2, 3, 4];
        }
      } else {
        if (f.close_to_chips && f.close_to_milk) {
          objects += "They are within your immediate reach. But you have not grabbed the them. ";
          valid = [0, 2, 3, 9, 10];
        } else if (f.close_to_chips && !f.close_to_milk) {
          objects += "The chips is within your immediate reach. But you have not grabbed the chips. ";
          valid = [0, 2, 3, 5, 9];
        } else if (!f.close_to_chips && f.close_to_milk) {
          objects += "The milk is within your immediate reach. But you have not grabbed the milk. ";
          valid = [0, 2, 3, 4, 10];
        } else {
          objects += "But they are not within your immediate reach. ";
          valid = [0, 2, 3, 4, 5];
        }
        objects += "Currently, you are not grabbing anything in hand. ";
      }
    } else if (f.see_chips && !f.see_milk) {
      objects += "and only notice chips. ";
      if (f.hold_chips) {
        objects += "Currently, you have grabbed the chips in hand. ";
        valid = [0, 2, 3];
      } else if (f.close_to_chips) {
        objects += "The chips is within your immediate reach. But you have not grabbed the chips. ";
        valid = [0, 2, 3, 9];
      } else {
        objects += "The chips is not within your immediate reach. ";
        valid = [0, 2, 3, 5];
      }
    } else if (!f.see_chips && f.see_milk) {
      objects += "and notice milk. ";
      if (f.hold_milk) {
        objects += "Currently, you have grabbed the milk in hand. ";
        valid = [0, 2, 3];
      } else if (f.close_to_milk) {
        objects += "The milk is within your immediate reach. But you have not grabbed the milk. ";
        valid = [0, 2, 3, 10];
      } else {
        objects += "The milk is not within your immediate reach. ";
        valid = [0, 2, 3, 4];
      }
    } else {
      objects += "and notice nothing. ";
      valid = [0, 2, 3];
    }
  } else if (f.in_livingroom) {
    objects += "and you notice a coffee table, a TV and a sofa. ";
    const closeCount = Number(f.close_to_coffeetable) + Number(f.close_to_tv) + Number(f.close_to_sofa);
    if (closeCount > 1) throw new Error("VirtualHome text: next to more than one of the coffee table, the TV and the sofa");
    if (Number(f.see_coffeetable) + Number(f.see_tv) + Number(f.see_sofa) < 3) throw new Error("VirtualHome text: in the living room without seeing the coffee table, the TV and the sofa");
    if (!f.close_to_coffeetable && !f.close_to_tv && !f.close_to_sofa) {
      objects += "They are not close to you. ";
      if (f.hold_chips && f.hold_milk) objects += "Currently, you have grabbed the chips and the milk in hand. ";
      else if (!f.hold_chips && f.hold_milk) objects += "Currently, you have grabbed the milk in hand. ";
      else if (f.hold_chips && !f.hold_milk) objects += "Currently, you have grabbed the chips in hand. ";
      else objects += "Currently, you are not grabbing anything in hand. ";
      valid = [1, 2, 3, 6, 7, 8];
    }
    if (f.close_to_coffeetable) {
      objects += (f.chips_on_coffeetable && f.hold_milk) || (f.milk_on_coffeetable && f.hold_chips) ? "The TV is not close to you. " : "The coffee table is close to you. ";
      if (f.hold_chips && f.hold_milk) {
        objects += "Currently, you have grabbed the chips and the milk in hand. ";
        valid = [1, 2, 3, 7, 8, 11, 12];
      } else if (!f.hold_chips && f.hold_milk) {
        if (!f.chips_on_coffeetable) {
          objects += "Currently, you have grabbed the milk in hand. ";
          valid = [1, 2, 3, 7, 8, 12];
        } else {
          objects += "Currently, you have the chips on the coffee table and the milk in your hand. ";
          valid = [1, 2, 3, 7, 8];
        }
      } else if (f.hold_chips && !f.hold_milk) {
        objects += "Currently, you have grabbed the chips in hand. ";
        if (!f.milk_on_coffeetable) {
          objects += "Currently, you have grabbed the chips in hand. ";
          valid = [1, 2, 3, 7, 8, 11];
        } else {
          objects += "Currently, you have the milk on the coffee table and the chips in your hand. ";
          valid = [1, 2, 3, 7, 8];
        }
      } else {
        objects += "Currently, you are not grabbing anything in hand. ";
        valid = [1, 2, 3];
      }
    }
    if (f.close_to_tv) {
      if (f.is_tv_on) {
        objects += "The sofa is not close to you. " + handText(f, true);
        valid = [1, 2, 3, 6, 8];
      } else {
        objects += "The TV is close to you. " + handText(f, false);
        valid = [1, 2, 3, 6, 8, 13, 14];
      }
    }
    if (f.close_to_sofa) {
      if (!f.is_sit_sofa) {
        objects += "The sofa is close to you. " + handText(f, f.is_tv_on);
        valid = f.is_tv_on ? [1, 2, 3, 6, 7, 15, 16] : [1, 2, 3, 6, 7];
      } else {
        objects += "You are sitting on the sofa. " + handText(f, f.is_tv_on);
        valid = [1, 2, 3];
      }
    }
  } else {
    if (f.hold_chips && f.hold_milk) objects += "and notice nothing. Currently, you have grabbed the chips and the milk in hand. ";
    else if (f.hold_chips && !f.hold_milk) objects += "and notice nothing. Currently, you have grabbed the chips in hand. ";
    else if (!f.hold_chips && f.hold_milk) objects += "and notice nothing. Currently, you have grabbed the milk in hand. ";
    else objects += "and notice nothing. Currently, you are not grabbing anything in hand. ";
    valid = f.in_bedroom ? [0, 1, 2] : [0, 1, 3];
  }
  text += objects + "In order to enjoy the chips and the milk while watching TV, " + "your next step is to";
  return finish(text, valid, ENTERTAINMENT_ACTIONS);
}
