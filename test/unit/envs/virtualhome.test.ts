/**
 * The VirtualHome tasks against hand-traced runs of the reference: the evolving-graph executors
 * of virtual-home/.../evolving_graph/execution.py on the scene turn_on_tv.json, the features of
 * graph_environment_v1/v2.py, and the prompts and valid actions of twosome/virtualhome/
 * policy_v1.py / policy_v2.py. Expected features, rewards and strings were worked out by following
 * that code by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EntertainmentEnv, FoodPreparationEnv } from "../../../runtime/src/envs/text/virtualhome-env.js";
import { pythonSetOrder } from "../../../runtime/src/envs/text/virtualhome-graph.js";
import { CHARACTER, CHIPS, KITCHEN } from "../../../runtime/src/envs/text/virtualhome-scene.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { Rng } from "../../../runtime/src/rng.js";

const ROOMS = "There are four rooms: the kitchen, bathroom, bedroom, and living room.";
const HEAT = "In order to heat up the pancake in the microwave, your next step is to";
const WATCH = "In order to enjoy the chips and the milk while watching TV, your next step is to";
const bits = (obs: Float32Array) => Array.from(obs).join("");

test("Food Preparation: reach, grab, go to the microwave, open, put in, close; +1 when the pancake disappears into it", () => {
  const env = makeEnv("VirtualHome-FoodPreparation-v0");
  // Features: in_kitchen in_bathroom in_bedroom in_livingroom | see close hold pancake | see close open microwave | pancake_in_microwave.
  assert.equal(bits(env.reset().obs), "10001001000");
  assert.equal(
    env.text!.prompt(),
    `${ROOMS} You are in the kitchen. You notice pancake and microwave. Currently, you are not grabbing anything in hand. The pancake and the microwave are not within your immediate reach. The microwave is not opend. ${HEAT}`,
  );
  assert.deepEqual(env.text!.actions(), ["walk to the living room", "walk to the bathroom", "walk to the bedroom", "reach for the pancake", "move to the microwave"]);
  assert.deepEqual(env.text!.validActions(), [0, 2, 3, 4, 5]);
  const plan: [action: number, features: string, valid: number[]][] = [
    [4, "10001101000", [0, 2, 3, 5, 6]], // close to the pancake (and to the kitchen table it lies on)
    [6, "10001111000", [0, 2, 3, 4, 5]], // in hand
    [5, "10001111100", [0, 2, 3, 4, 7, 8, 9]], // at the microwave, still close to what is in hand
    [8, "10001111110", [0, 2, 3, 4, 7, 8, 9]], // open (one hand is free)
    [7, "10001101111", [0, 2, 3, 8, 9]], // inside the open microwave: still seen
    [9, "10000001100", [0, 2, 3]], // closed: the pancake is out of sight → reward
  ];
  plan.forEach(([action, features, valid], i) => {
    const r = env.step(action);
    assert.equal(r.info.executed, true, `step ${i}`);
    assert.equal(bits(r.obs), features, `features after step ${i}`);
    assert.deepEqual(env.text!.validActions(), valid, `valid actions after step ${i}`);
    assert.deepEqual(Array.from(r.info.actionMask as Uint8Array).flatMap((m, a) => (m ? [a] : [])), valid, `action mask after step ${i}`);
    const last = i === plan.length - 1;
    assert.equal(r.reward, last ? 1 : 0);
    assert.equal(r.terminated, last);
    if (last) {
      assert.equal(r.info.success, true);
      assert.equal(r.info.terminationCause, "pancake heated");
    }
  });
  assert.equal(
    env.text!.prompt(),
    `${ROOMS} You are in the kitchen. The pancake is in the microwave. Currently, you are not grabbing anything in hand. The microwave is within your immediate reach. The microwave is closed. ${HEAT}`,
  );
});

test("Food Preparation prompts: holding the pancake at the open microwave; the other rooms", () => {
  const env = new FoodPreparationEnv();
  env.reset();
  for (const a of [4, 6, 5, 8]) env.step(a);
  assert.equal(
    env.text.prompt(),
    `${ROOMS} You are in the kitchen. You notice pancake and microwave. Currently, you have grabbed the pancake in hand. The microwave is within your immediate reach. The microwave is opened. ${HEAT}`,
  );
  assert.deepEqual(env.text.actions(), [
    "walk to the living room", "walk to the bathroom", "walk to the bedroom", "reach for the pancake",
    "put the pancake in the microwave", "open the microwave", "close the microwave",
  ]);
  const r = env.step(2); // to the bathroom, pancake in hand
  // Walking with something in hand keeps the character close to it (WalkExecutor's "close to object in hands").
  assert.equal(bits(r.obs), "01001110000", "in the bathroom, still holding, seeing and close to the pancake; the microwave is out of sight");
  assert.equal(env.text.prompt(), `${ROOMS} You are in the bathroom. and notice nothing useful. Currently, you have grabbed the pancake in hand. ${HEAT}`);
  assert.deepEqual(env.text.validActions(), [0, 1, 3]);
});

test("Entertainment: chips and milk to the living room, chips on the table, TV on, sit: +1", () => {
  const env = makeEnv("VirtualHome-Entertainment-v0");
  // kitchen … | see close hold on-table chips | see close hold on-table milk | see close face on tv | see close sit sofa | see close table
  assert.equal(bits(env.reset().obs), "100010001000000000000");
  assert.equal(env.text!.prompt(), `${ROOMS} You are in the kitchen and notice chips and milk. But they are not within your immediate reach. Currently, you are not grabbing anything in hand. ${WATCH}`);
  const plan: [action: number, features: string][] = [
    [4, "100011001000000000000"], // reach for the chips
    [9, "100011101000000000000"], // grab them (right hand)
    [5, "100011101100000000000"], // reach for the milk, chips in hand (and close)
    [10, "100011101110000000000"], // grab it (left hand)
    [0, "000111101110100010010"], // the living room: TV, sofa, coffee table in sight
    [6, "000111101110100010011"], // the coffee table
    [11, "000111011110100010011"], // chips on the coffee table
    [7, "000110011110110010010"], // the TV
    [13, "000110011110110110010"], // on (the left hand is free)
    [8, "000110011110100111010"], // the sofa
    [15, "000110011110101111110"], // sit: on the sofa, facing the TV → reward
  ];
  plan.forEach(([action, features], i) => {
    const r = env.step(action);
    assert.equal(r.info.executed, true, `step ${i}`);
    assert.equal(bits(r.obs), features, `features after step ${i}`);
    assert.equal(r.reward, i === plan.length - 1 ? 1 : 0);
    assert.equal(r.terminated, i === plan.length - 1);
    if (i === 6) {
      // The reference's wording at the coffee table once the chips are on it and the milk in hand.
      assert.equal(
        env.text!.prompt(),
        `${ROOMS} You are in the living room and you notice a coffee table, a TV and a sofa. The TV is not close to you. Currently, you have the chips on the coffee table and the milk in your hand. ${WATCH}`,
      );
      assert.deepEqual(env.text!.validActions(), [1, 2, 3, 7, 8]);
    }
    if (i === 9) {
      assert.equal(
        env.text!.prompt(),
        `${ROOMS} You are in the living room and you notice a coffee table, a TV and a sofa. The sofa is close to you. Currently, the TV is turned on, you have the chips on the coffee table and the milk in your hand. ${WATCH}`,
      );
      assert.deepEqual(env.text!.actions(), ["walk to the kitchen", "walk to the bathroom", "walk to the bedroom", "move to the coffee table", "move to the TV", "take a seat on the sofa", "stand up from the sofa"]);
    }
  });
});

test("invalid actions change nothing and cost a step: out of sight, out of reach, closed microwave", () => {
  const env = new FoodPreparationEnv();
  const start = bits(env.reset().obs);
  for (const action of [6, 7, 8, 9]) {
    // grab / put in / open / close: nothing is within reach yet.
    const r = env.step(action);
    assert.equal(r.info.executed, false, `action ${action}`);
    assert.equal(bits(r.obs), start);
  }
  env.step(4);
  env.step(6);
  env.step(5);
  assert.equal(env.step(7).info.executed, false, "the microwave is closed: the pancake cannot go in");
  env.step(3); // bedroom
  assert.equal(env.step(5).info.executed, false, "the microwave is not in sight from the bedroom");
});

test("VirtualHome rules the port keeps: sitting blocks walking, the 'on the sofa' edge outlives standing up, full hands cannot switch", () => {
  const env = new EntertainmentEnv();
  env.reset();
  for (const a of [4, 9, 5, 10, 0, 7]) env.step(a);
  assert.equal(env.step(13).info.executed, false, "both hands hold something: no free hand for the switch");
  const full = new EntertainmentEnv();
  full.reset();
  for (const a of [0, 8, 15]) assert.equal(full.step(a).info.executed, true);
  assert.equal(full.step(1).info.executed, false, "sitting: walking is refused");
  assert.equal(full.step(16).info.executed, true, "stand up");
  let r = full.step(1);
  assert.equal(r.info.executed, true, "walks again after standing up");
  r = full.step(0);
  // Back in the living room: is_sit_sofa (index 18) is still 1, facing the TV (14) was reset by the walk.
  assert.equal(r.obs[18], 1);
  assert.equal(r.obs[14], 0);
  assert.equal(full.text.prompt().includes("They are not close to you."), true);
});

test("a held object stays inside the room the agent walked from until the next walk; putting down needs reach", () => {
  const env = new EntertainmentEnv();
  env.reset();
  for (const a of [4, 9, 0]) env.step(a);
  assert.ok(env.graph.has(CHIPS, "INSIDE", KITCHEN), "carried from the kitchen into the living room: still INSIDE the kitchen");
  assert.equal(env.step(11).info.executed, false, "the coffee table is not within reach from the door");
  env.step(6);
  assert.ok(!env.graph.has(CHIPS, "INSIDE", KITCHEN), "walking to the coffee table re-homed it in the living room");
  assert.equal(env.step(11).info.executed, true);
});

test("grabbing remembers the first support in CPython's set order: the chips lie on {92, 104}, iterated 104 first", () => {
  const env = new EntertainmentEnv();
  env.reset();
  env.step(4);
  // Walking to the chips brings the character close to both supports.
  assert.ok(env.graph.has(CHARACTER, "CLOSE", 92) && env.graph.has(CHARACTER, "CLOSE", 104));
  env.step(9);
  assert.deepEqual(env.graph.grabbedFrom.get(CHIPS), { node: 104, relation: "ON" });
  assert.equal(env.step(9).info.executed, false, "grabbed already (the executor's memory), so a second grab is refused");
});

test("pythonSetOrder matches CPython 3.11's iteration order of small int sets (values from `list(set)`)", () => {
  // python3.11: s = set(); [s.add(i) for i in ids]; list(s)
  const cases: [number[], number[]][] = [
    [[11, 109], [11, 109]],
    [[109, 11], [11, 109]],
    [[92, 104], [104, 92]],
    [[271, 273], [273, 271]],
    [[1, 9], [1, 9]],
    [[9, 1], [9, 1]],
    [[3, 11, 19, 27], [11, 19, 3, 27]],
  ];
  for (const [ids, expected] of cases) assert.deepEqual(pythonSetOrder(ids), expected, JSON.stringify(ids));
  assert.throws(() => pythonSetOrder([1, 2, 3, 4, 5]), /8-slot table/);
});

test("time limit: truncated after 50 steps without success", () => {
  const env = makeEnv("VirtualHome-FoodPreparation-v0");
  env.reset();
  for (let i = 0; i < 49; i++) assert.equal(env.step(i % 2 === 0 ? 2 : 1).truncated, false);
  const r = env.step(2);
  assert.equal(r.truncated, true);
  assert.equal(r.terminated, false);
  assert.equal(r.info.success, false);
  assert.equal(r.info.truncationCause, "time limit");
  assert.throws(() => env.step(0), /call reset\(\) first/);
});

test("random policies on the VirtualHome tasks: success rates (printed), uniform and among the valid actions", (t) => {
  for (const id of ["VirtualHome-FoodPreparation-v0", "VirtualHome-Entertainment-v0"]) {
    for (const mode of ["uniform", "valid"] as const) {
      const env = makeEnv(id);
      const rng = new Rng(2);
      let episodes = 0;
      let successes = 0;
      env.reset();
      while (episodes < 100) {
        const valid = env.text!.validActions();
        const r = env.step(mode === "uniform" ? rng.integer((env.actionSpace as { n: number }).n) : valid[rng.integer(valid.length)]!);
        if (r.terminated || r.truncated) {
          episodes++;
          if (r.info.success) successes++;
          env.reset();
        }
      }
      t.diagnostic(`${id}: random policy (${mode}) succeeds in ${successes}/${episodes} episodes`);
      assert.ok(successes / episodes < 0.1);
    }
  }
});
