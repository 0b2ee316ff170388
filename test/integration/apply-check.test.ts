/**
 * Apply Evolved Reward writes only what passes validation again (issue 9, item 9): the runtime
 * re-checks the saved winner's components against the experiment (static checks, then the sandbox
 * on its sample transitions) and makes the snippet from them; a tampered evolution.json gets a reason,
 * never its own text written. Through the function and through the runtime server's `reward/check`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import { ShutdownRequest } from "../../protocol/src/runtime.js";
import { CheckRewardRequest } from "../../protocol/src/reward-design.js";
import { checkRewardForApply } from "../../runtime/src/reward-design/apply-check.js";
import { rewardSnippet } from "../../runtime/src/reward-design/snippet.js";
import { minimalExploit } from "../unit/reward-design/escape-battery.js";

function workspace(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "rl-apply-check-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  const file = join(dir, "cartpole.rl.ts");
  writeFileSync(file, `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "apply", env: "CartPole-v1", algorithm: "ppo", seed: 1 });\n`);
  return { dir, file };
}

const WINNER = [
  { name: "alive", code: "envReward" },
  { name: "centred", code: "-Math.abs(nextObs.x) / 2.4" },
];

test("checkRewardForApply: a valid winner becomes the snippet of its components; tampered or malformed ones get a reason", async () => {
  const { dir, file } = workspace();
  try {
    assert.deepEqual(await checkRewardForApply(file, WINNER), { ok: true, code: rewardSnippet(WINNER) });
    const refused = async (components: unknown, reason: RegExp) => {
      const r = await checkRewardForApply(file, components);
      assert.equal(r.ok, false, JSON.stringify(components));
      if (!r.ok) assert.match(r.reason, reason);
    };
    await refused([...WINNER, { name: "x", code: minimalExploit(join(dir, "escaped")) }], /HTML-like comments/);
    await refused([{ name: "io", code: "require('fs').writeFileSync('/tmp/x', '')" }], /"require" is not defined/);
    await refused([{ name: "upright", code: "nextObs.angle" }], /component "upright": nextObs\.angle is not an observation field \(fields: x, xDot, theta, thetaDot\)/);
    await refused([{ name: "boom", code: "(() => { throw new Error('no') })()" }], /component "boom" failed on sample transition 1 of 128: Error: no/);
    await refused("envReward", /the saved reward is malformed: .*no components/);
    await refused([{ name: "n", code: 5 }], /the saved reward is malformed: candidate 1: a component needs a string name and a string code/);
    // The editor's text is what is checked against: here it is Pendulum, which has no `x`.
    const pendulum = `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "apply", env: "Pendulum-v1", algorithm: "ppo", seed: 1 });\n`;
    const r = await checkRewardForApply(file, WINNER, { sourceText: pendulum });
    assert.ok(!r.ok && /nextObs\.x is not an observation field/.test(r.reason), JSON.stringify(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runtime server: reward/check answers as checkRewardForApply does", { timeout: 120_000 }, async () => {
  const { dir, file } = workspace();
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  try {
    assert.deepEqual(await connection.sendRequest(CheckRewardRequest.type, { experimentPath: file, components: WINNER }), { ok: true, code: rewardSnippet(WINNER) });
    const tampered = await connection.sendRequest(CheckRewardRequest.type, { experimentPath: file, components: [{ name: "io", code: "process.exit(1)" }] });
    assert.ok(!tampered.ok && /"process" is not defined/.test(tampered.reason), JSON.stringify(tampered));
  } finally {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    connection.dispose();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
