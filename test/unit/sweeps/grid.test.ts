/** Sweep grids: seeds and --set parsing checked against the hyperparameter table, expansion order, Slurm array lists. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arraySpec, describeConfig, expandConfigs, expandMembers, parseSeeds, parseSetFlag, SweepGridError } from "../../../runtime/src/sweeps/grid.js";

test("parseSeeds: ranges and lists", () => {
  assert.deepEqual(parseSeeds("1-5"), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseSeeds("1,3,7"), [1, 3, 7]);
  assert.deepEqual(parseSeeds("0-2, 10"), [0, 1, 2, 10]);
  assert.deepEqual(parseSeeds("4"), [4]);
});

test("parseSeeds: bad lists name the problem", () => {
  assert.throws(() => parseSeeds(""), /--seeds "": empty/);
  assert.throws(() => parseSeeds("5-1"), /range 5-1 runs backwards/);
  assert.throws(() => parseSeeds("1,x"), /"x" is not a non-negative integer/);
  assert.throws(() => parseSeeds("-1"), /not a non-negative integer/);
  assert.throws(() => parseSeeds("1-3,2"), /seed 2 is listed twice/);
  assert.throws(() => parseSeeds("0-20000"), /more than 10000 seeds/);
});

test("parseSetFlag converts by the field's type in the table", () => {
  assert.deepEqual(parseSetFlag("learningRate=1e-3,3e-4"), { field: "learningRate", values: [0.001, 0.0003] });
  assert.deepEqual(parseSetFlag("numEnvs=4,8"), { field: "numEnvs", values: [4, 8] });
  assert.deepEqual(parseSetFlag("totalTimesteps=100_000"), { field: "totalTimesteps", values: [100000] });
  assert.deepEqual(parseSetFlag("annealLr=true,false"), { field: "annealLr", values: [true, false] });
  assert.deepEqual(parseSetFlag("targetKl=null,0.02"), { field: "targetKl", values: [null, 0.02] });
  assert.deepEqual(parseSetFlag("hiddenSizes=64x64,[32,32],16"), { field: "hiddenSizes", values: [[64, 64], [32, 32], [16]] });
});

test("parseSetFlag rejects a bad value naming the field and the value", () => {
  const cases: [string, RegExp, string, string][] = [
    ["learningRate=1e-3,2", /--set learningRate=2: learningRate = 2 is out of range: must be > 0 and ≤ 1/, "learningRate", "2"],
    ["learningRate=abc", /--set learningRate="abc": learningRate = "abc" has the wrong type/, "learningRate", "abc"],
    ["numEnvs=4,2.5", /--set numEnvs=2.5: numEnvs = 2.5 is not an integer/, "numEnvs", "2.5"],
    ["annealLr=yes", /--set annealLr="yes": annealLr = "yes" has the wrong type .* true or false/, "annealLr", "yes"],
    ["hiddenSizes=64x0", /hiddenSizes\[1\] = 0 is out of range/, "hiddenSizes", "64x0"],
    ["learningRat=1e-3", /unknown hyperparameter "learningRat": did you mean "learningRate"\?/, "learningRat", "1e-3"],
    ["numEnvs=4,,8", /--set numEnvs: an empty value/, "numEnvs", ""],
    ["numEnvs=4,4", /the value 4 is listed twice/, "numEnvs", "4"],
  ];
  for (const [flag, message, field, value] of cases) {
    assert.throws(
      () => parseSetFlag(flag),
      (err: unknown) => err instanceof SweepGridError && message.test(err.message) && err.field === field && err.value === value,
      flag,
    );
  }
  assert.throws(() => parseSetFlag("learningRate"), /expected field=value1,value2/);
});

test("expandConfigs: the cartesian product, first axis slowest; a field given twice is refused", () => {
  const configs = expandConfigs([parseSetFlag("learningRate=1e-3,3e-4"), parseSetFlag("numEnvs=4,8")]);
  assert.deepEqual(configs, [
    { learningRate: 0.001, numEnvs: 4 },
    { learningRate: 0.001, numEnvs: 8 },
    { learningRate: 0.0003, numEnvs: 4 },
    { learningRate: 0.0003, numEnvs: 8 },
  ]);
  assert.deepEqual(expandConfigs([]), [{}]);
  assert.throws(() => expandConfigs([parseSetFlag("numEnvs=4"), parseSetFlag("numEnvs=8")]), /--set numEnvs is given twice/);
  assert.equal(describeConfig(configs[1]!), "learningRate=0.001 numEnvs=8");
  assert.equal(describeConfig({}), "(the experiment's own hyperparameters)");
});

test("expandMembers: CleanRL's index → (config = i / nSeeds, seed = i % nSeeds)", () => {
  assert.deepEqual(expandMembers(2, [1, 2, 3]), [
    { index: 0, config: 0, seed: 1 },
    { index: 1, config: 0, seed: 2 },
    { index: 2, config: 0, seed: 3 },
    { index: 3, config: 1, seed: 1 },
    { index: 4, config: 1, seed: 2 },
    { index: 5, config: 1, seed: 3 },
  ]);
});

test("arraySpec: ranges, lists and the %K throttle", () => {
  assert.equal(arraySpec([0, 1, 2, 3]), "0-3");
  assert.equal(arraySpec([0, 1, 2, 3], 2), "0-3%2");
  assert.equal(arraySpec([3, 1, 5, 6, 7]), "1,3,5-7");
  assert.equal(arraySpec([4]), "4");
  assert.throws(() => arraySpec([]), /no members/);
});
