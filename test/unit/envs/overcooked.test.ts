/**
 * The Overcooked kitchens against hand-traced runs of the reference (gym-macro-overcooked's
 * overcooked_LLMA_V4.py / _V3.py, map A, one agent, radius 2; TWOSOME's obs2text in
 * twosome/overcooked/policy_pomdp.py). Every expected number and string below was worked out by
 * following the reference's code by hand: A* paths on the 5×5 floor, the primitive rewards of each
 * step (−0.001, +0.2 on the finishing chop, +1 / −0.1 on delivery) summed with 0.99ᵏ inside a
 * macro-action, the raw observation, and the prompt templates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TomatoLettuceSaladEnv, TomatoSaladEnv } from "../../../runtime/src/envs/text/overcooked-env.js";
import { navigate } from "../../../runtime/src/envs/text/overcooked-macro.js";
import { capitalize } from "../../../runtime/src/envs/text/overcooked-text.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { Rng } from "../../../runtime/src/rng.js";
import { assertClose } from "./helpers.js";

/** Σₖ 0.99ᵏ rₖ: the reward `run` returns for a macro-action with these primitive rewards. */
function macroReward(rewards: readonly number[]): number {
  return rewards.reduce((sum, r, k) => sum + 0.99 ** k * r, 0);
}

const P = -0.001;
const steps = (n: number) => new Array<number>(n).fill(P);
/** The one-hot task block: tomato salad is TASKLIST[0], lettuce-tomato salad TASKLIST[3]. */
const TASK0 = [1, 0, 0, 0, 0, 0, 0];
const TASK3 = [0, 0, 0, 1, 0, 0, 0];
const TOMATO_SALAD_GOAL = "To serve the dish of a bowl only containing chopped tomato, you should first";
const TL_GOAL = "To serve the dish of a bowl only containing chopped tomato and lettuce, you should first";

test("Tomato Salad: the optimal macro-actions, with the reference's rewards, step counts, observations and prompts", () => {
  const env = makeEnv("Overcooked-TomatoSalad-v0");
  const start = env.reset({ seed: 5 });
  // Agent at (1,4); the tomato at (0,5) is the only item within 2 cells.
  assert.deepEqual(Array.from(start.obs), [0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 4, ...TASK0]);
  assert.equal(env.text!.prompt(), `There is a fixed cutting board in the room. You notice a tomato on the table. Currently you don't have anything in hand. ${TOMATO_SALAD_GOAL}`);
  assert.deepEqual(env.text!.actions(), ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop nothing"]);

  const plan: { action: number; primitive: number[]; obs: number[]; prompt: string; actions: string[] }[] = [
    {
      // Right to (1,5), then up into the tomato: picked up.
      action: 0,
      primitive: steps(2),
      obs: [1, 5, 0, 0, 0, 0, 0, 0, 0, 1, 5],
      prompt: `There is a fixed cutting board in the room. Currently you are carrying an unchopped tomato in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["pick up the tomato", "take the bowl", "put the tomato on the cutting board", "serve the dish", "chop nothing"],
    },
    {
      // Left along row 1 to (1,1) (4 moves), then left into the knife: the tomato goes on the board.
      action: 2,
      primitive: steps(5),
      obs: [1, 0, 0, 0, 0, 1, 0, 3, 0, 1, 1],
      prompt: `There is a fixed cutting board in the room. An unchopped tomato is on the cutting board. Currently you are standing in front of the cutting board without anything in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop the tomato"],
    },
    {
      // Three chops; the third finishes the tomato: +0.2.
      action: 4,
      primitive: [P, P, P + 0.2],
      obs: [1, 0, 3, 0, 0, 1, 0, 3, 0, 1, 1],
      prompt: `There is a fixed cutting board in the room. A chopped tomato is on the cutting board. Currently you are standing in front of the cutting board without anything in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop the tomato"],
    },
    {
      // To (5,5) (8 moves), then down into the plate: picked up. Nothing else in sight there.
      action: 1,
      primitive: steps(9),
      obs: [0, 0, 0, 5, 5, 0, 0, 0, 0, 5, 5],
      prompt: `There is a fixed cutting board in the room. Currently you are carrying a bowl in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["put the tomato in the bowl", "take the bowl", "put the bowl on the cutting board", "serve the dish", "chop nothing"],
    },
    {
      // Back to (1,1) (8 moves), then into the knife holding the plate: the chopped tomato goes into it.
      action: 0,
      primitive: steps(9),
      obs: [1, 1, 3, 1, 1, 1, 0, 3, 0, 1, 1],
      prompt: `There is a fixed cutting board in the room. Currently you are standing in front of the cutting board, carrying a bowl containing chopped tomato in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["put the tomato in the bowl", "take the bowl", "put the bowl on the cutting board", "serve the dish", "chop nothing"],
    },
    {
      // Down to (3,1) (2 moves), then left into the delivery: "tomato salad", +1, episode over.
      action: 3,
      primitive: [P, P, P + 1],
      obs: [3, 0, 3, 3, 0, 1, 0, 3, 0, 3, 1],
      prompt: `There is a fixed cutting board in the room. Currently you don't have anything in hand. ${TOMATO_SALAD_GOAL}`,
      actions: ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop nothing"],
    },
  ];
  let episodeReturn = 0;
  let primitiveSteps = 0;
  plan.forEach((p, i) => {
    const r = env.step(p.action);
    assert.equal(r.info.primitiveSteps, p.primitive.length, `macro-action ${i}: primitive steps`);
    (r.info.primitiveRewards as number[]).forEach((v, k) => assertClose(v, p.primitive[k]!, 1e-12, `macro-action ${i} primitive reward ${k}`));
    assertClose(r.reward, macroReward(p.primitive), 1e-12, `macro-action ${i} reward`);
    assert.deepEqual(Array.from(r.obs), [...p.obs, ...TASK0], `macro-action ${i} observation`);
    assert.equal(env.text!.prompt(), p.prompt, `macro-action ${i} prompt`);
    assert.deepEqual(env.text!.actions(), p.actions, `macro-action ${i} action texts`);
    const last = i === plan.length - 1;
    assert.equal(r.terminated, last);
    assert.equal(r.truncated, false);
    episodeReturn += r.reward;
    primitiveSteps += r.info.primitiveSteps as number;
    if (last) {
      assert.equal(r.info.success, true);
      assert.equal(r.info.terminationCause, "correct delivery");
    } else assert.equal(r.info.success, undefined, "success is reported at the end of the episode only");
  });
  assert.equal(primitiveSteps, 31);
  assertClose(episodeReturn, 1.145992254486728, 1e-12, "episode return");
  assert.throws(() => env.step(0), /call reset\(\) first/);
});

test("Tomato-lettuce Salad: the optimal macro-actions, with the reference's rewards, step counts and prompts", () => {
  const env = new TomatoLettuceSaladEnv();
  const start = env.reset();
  // Tomato (0,5), lettuce (1,6) and onion (2,6) in sight of the agent at (1,4); the rest is not.
  assert.deepEqual(Array.from(start.obs), [0, 5, 0, 1, 6, 0, 2, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, ...TASK3]);
  assert.equal(
    env.text.prompt(),
    `There are two fixed cutting boards in the room. You notice a tomato, a lettuce and an onion on the different tables. Currently you don't have anything in hand. ${TL_GOAL}`,
  );
  assert.deepEqual(env.text.actions(), [
    "pick up the tomato", "pick up the lettuce", "pick up the onion", "take the empty bowl",
    "walk to the first cutting board", "walk to the second cutting board", "serve nothing", "chop nothing",
  ]);
  // tomato → first board → chop → lettuce → second board → chop → bowl → tomato in bowl → lettuce in bowl → serve.
  const plan: [action: number, primitive: number[]][] = [
    [0, steps(2)],
    [4, steps(5)],
    [7, [P, P, P + 0.2]],
    [1, steps(5)],
    [5, steps(6)],
    [7, [P, P, P + 0.2]],
    [3, steps(8)],
    [0, steps(9)],
    [1, steps(2)],
    [6, [P, P + 1]],
  ];
  const prompts = new Map<number, string>([
    [0, `There are two fixed cutting boards in the room. You notice a lettuce and an onion on the different tables. Currently you are carrying an unchopped tomato in hand. ${TL_GOAL}`],
    [4, `There are two fixed cutting boards in the room. A chopped tomato is on the first cutting board. An unchopped lettuce is on the second cutting board. Currently you are standing in front of the second cutting board without anything in hand. ${TL_GOAL}`],
    [8, `There are two fixed cutting boards in the room. Currently you are standing in front of the second cutting board, carrying a bowl containing chopped tomato and lettuce in hand. ${TL_GOAL}`],
  ]);
  let total = 0;
  plan.forEach(([action, primitive], i) => {
    const r = env.step(action);
    assert.equal(r.info.primitiveSteps, primitive.length, `macro-action ${i}: primitive steps`);
    assertClose(r.reward, macroReward(primitive), 1e-12, `macro-action ${i} reward`);
    if (prompts.has(i)) assert.equal(env.text.prompt(), prompts.get(i), `prompt after macro-action ${i}`);
    total += primitive.length;
    assert.equal(r.terminated, i === plan.length - 1);
  });
  assert.equal(total, 45);
  // After the lettuce went into the bowl (macro-action 8) the wording was "take the bowl": food and bowl overlap.
  assert.deepEqual(env.text.actions().slice(0, 4), ["pick up the tomato", "pick up the lettuce", "pick up the onion", "take the empty bowl"]);
});

test("Tomato-lettuce Salad: carrying the bowl with chopped tomato away from the boards; the onion is no salad food", () => {
  const env = new TomatoLettuceSaladEnv();
  env.reset();
  for (const a of [0, 4, 7, 1, 5, 7, 3, 0]) env.step(a); // as above, up to the chopped tomato in the bowl at (1,1)
  // "pick up the onion" holding the bowl: to (2,5) (5 moves), then into the unchopped onion, which does not go in.
  const r = env.step(2);
  assert.equal(r.info.primitiveSteps, 6);
  assertClose(r.reward, macroReward(steps(6)), 1e-12, "onion");
  assert.equal(
    env.text.prompt(),
    `There are two fixed cutting boards in the room. You notice an onion on the table. Currently you are carrying a bowl containing chopped tomato. ${TL_GOAL}`,
  );
  assert.deepEqual(env.text.actions(), [
    "put the tomato in the bowl", "put the lettuce in the bowl", "put the onion in the bowl", "take the bowl",
    "put the bowl on the first cutting board", "put the bowl on the second cutting board", "serve the dish", "chop nothing",
  ]);
  // Serving now is the wrong dish: −0.1, and the bowl and tomato go back to their counters.
  const served = env.step(6);
  assert.equal(served.terminated, false);
  assertClose((served.info.primitiveRewards as number[]).at(-1)!, P - 0.1, 1e-12, "wrong dish delivered");
  assert.deepEqual([env.kitchen.plates[0]!.x, env.kitchen.plates[0]!.y, env.kitchen.foods[0]!.x, env.kitchen.foods[0]!.y], [6, 5, 0, 5]);
});

test("an impossible macro-action takes one primitive 'stay' step and changes nothing", () => {
  const env = new TomatoSaladEnv();
  const start = Array.from(env.reset().obs);
  // Chop with no food on a cutting board in reach.
  const chop = env.step(4);
  assert.equal(chop.info.primitiveSteps, 1);
  assertClose(chop.reward, -0.001, 1e-15, "chop with nothing to chop");
  assert.deepEqual(Array.from(chop.obs), start);
  // Get the tomato once it lies in the bowl (in sight): nothing to get, one stay step.
  for (const a of [0, 2, 4, 1, 0]) env.step(a);
  const before = Array.from(env.kitchen.observation());
  const again = env.step(0);
  assert.equal(again.info.primitiveSteps, 1);
  assert.deepEqual(Array.from(again.obs), before);
  // Walk to the cutting board with empty hands while standing in front of it: one stay step.
  const fresh = new TomatoSaladEnv();
  fresh.reset();
  for (const a of [0, 2]) fresh.step(a);
  const walk = fresh.step(2);
  assert.equal(walk.info.primitiveSteps, 1);
  assert.deepEqual([fresh.kitchen.agent.x, fresh.kitchen.agent.y], [1, 1]);
});

test("a wrong delivery costs 0.1 and sends the food back to its counter, unchopped; the agent remembers it there", () => {
  const env = new TomatoSaladEnv();
  env.reset();
  env.step(0); // pick up the (unchopped) tomato
  const r = env.step(3); // serve it: from (1,5) to (3,1) is 6 moves, then into the delivery counter
  assert.equal(r.info.primitiveSteps, 7);
  assertClose(r.reward, macroReward([...steps(6), P - 0.1]), 1e-12, "wrong delivery");
  assert.equal(r.terminated, false);
  const tomato = env.kitchen.foods[0]!;
  assert.deepEqual([tomato.x, tomato.y, tomato.chopped], [0, 5, false]);
  assert.equal(env.kitchen.cellName(0, 5), "tomato");
  // Out of sight from (3,1); its remembered spot (the agent's hand) is in sight and empty, so it is remembered at its start.
  assert.deepEqual(env.kitchen.memory[0], [0, 5]);
  assert.equal(env.text.prompt(), `There is a fixed cutting board in the room. Currently you don't have anything in hand. ${TOMATO_SALAD_GOAL}`);
});

test("time limit: the episode ends at the end of the macro-action during which the 200th primitive step is taken", () => {
  const env = makeEnv("Overcooked-TomatoSalad-v0");
  env.reset();
  // 196 impossible chops (one primitive step each), then "take the bowl": from (1,4) to (5,5) is 5
  // moves, then the pick-up: 6 primitive steps, ending at the 202nd.
  for (let i = 0; i < 196; i++) assert.equal(env.step(4).truncated, false);
  const r = env.step(1);
  assert.equal(r.info.primitiveSteps, 6);
  assert.equal(r.truncated, true);
  assert.equal(r.terminated, false);
  assert.equal(r.info.truncationCause, "time limit");
  assert.equal(r.info.success, false);
  assert.throws(() => env.step(0), /call reset\(\) first/);

  // Exactly 200 one-step macro-actions: truncated on the 200th.
  env.reset();
  for (let i = 0; i < 199; i++) assert.equal(env.step(4).truncated, false);
  assert.equal(env.step(4).truncated, true);
});

test("A* takes the reference's first step (ties broken as Python's heapq with the reference's <= comparison)", () => {
  const env = new TomatoSaladEnv();
  env.reset();
  const k = env.kitchen;
  assert.equal(navigate(k, 0, 5), 0, "(1,4) → tomato (0,5): right first, via (1,5)");
  assert.equal(navigate(k, 1, 0), 2, "(1,4) → knife (1,0): left");
  assert.equal(navigate(k, 6, 5), 1, "(1,4) → plate (6,5): down");
  // Left (1,3) and down (2,4) tie at f = 6; with `<=` the later push sifts above the earlier one: down.
  assert.equal(navigate(k, 3, 0), 1, "(1,4) → delivery (3,0): down first");
  // No path: a target walled in by counters on the agent's map.
  for (const [x, y] of [[1, 3], [2, 4], [1, 5]] as const) k.pomap[x]![y] = 1;
  assert.equal(navigate(k, 0, 5), 4, "boxed in: stay");
});

test("capitalize is Python's str.capitalize", () => {
  assert.equal(capitalize("a bowl containing a chopped tomato is on the cutting board."), "A bowl containing a chopped tomato is on the cutting board.");
  assert.equal(capitalize("You Notice"), "You notice");
  assert.equal(capitalize(""), "");
});

test("reset is deterministic and ignores the seed (the reference's start never varies); info carries an all-ones action mask", () => {
  const a = makeEnv("Overcooked-TomatoLettuceSalad-v0");
  const b = makeEnv("Overcooked-TomatoLettuceSalad-v0");
  const ra = a.reset({ seed: 1 });
  const rb = b.reset({ seed: 999 });
  assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs));
  assert.deepEqual(Array.from(ra.info.actionMask as Uint8Array), [1, 1, 1, 1, 1, 1, 1, 1]);
  const rng = new Rng(3);
  for (let t = 0; t < 300; t++) {
    const action = rng.integer(8);
    const sa = a.step(action);
    const sb = b.step(action);
    assert.deepEqual(Array.from(sa.obs), Array.from(sb.obs));
    assert.equal(sa.reward, sb.reward);
    assert.equal(a.text!.prompt(), b.text!.prompt());
    if (sa.terminated || sa.truncated) {
      a.reset();
      b.reset({ seed: t });
    }
  }
});

test("random policies on the kitchens: success rates (printed), well below what PPO reaches", (t) => {
  for (const [id, episodes] of [["Overcooked-TomatoSalad-v0", 200], ["Overcooked-TomatoLettuceSalad-v0", 100]] as const) {
    const env = makeEnv(id);
    const rng = new Rng(11);
    let done = 0;
    let successes = 0;
    env.reset();
    while (done < episodes) {
      const r = env.step(rng.integer((env.actionSpace as { n: number }).n));
      if (r.terminated || r.truncated) {
        done++;
        if (r.info.success) successes++;
        env.reset();
      }
    }
    t.diagnostic(`${id}: uniform random policy succeeds in ${successes}/${episodes} episodes`);
    assert.ok(successes / episodes < (id === "Overcooked-TomatoSalad-v0" ? 0.7 : 0.1), `${id}: ${successes}/${episodes}`);
  }
});
