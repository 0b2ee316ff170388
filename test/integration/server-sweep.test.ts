/**
 * The runtime server's sweeps, spoken to as the extension does (fork + JSON-RPC over IPC): a bad
 * grid value is refused naming field and value; a sweep runs in the pool reporting sweep/status
 * until done; listSweeps, readSweep (the table per configuration) and listRuns (members carry
 * their sweep, seeds of a configuration share a group key) agree; cancel stops running members.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from "vscode-jsonrpc/node";
import { ListRunsRequest, ShutdownRequest } from "../../protocol/src/runtime.js";
import { CancelSweepRequest, ListSweepsRequest, ReadSweepRequest, RunSweepRequest, SweepStatusNotification, type SweepStatusParams } from "../../protocol/src/sweep.js";

const EXPERIMENT = `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "server-sweep",
  env: "CartPole-v1",
  hyperparameters: { totalTimesteps: 640, numEnvs: 2, numSteps: 16 },
});
`;

async function until(what: string, pred: () => boolean, ms = 240_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("runtime server: runSweep validates, runs the pool with sweep/status, and list/read/cancel agree", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-sweep-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), "{}\n");
  const experimentPath = join(dir, "exp.rl.ts");
  writeFileSync(experimentPath, EXPERIMENT);
  const runsRoot = join(dir, ".rl-studio", "runs");
  const sweepsRoot = join(dir, ".rl-studio", "sweeps");
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const statuses: SweepStatusParams[] = [];
  connection.onNotification(SweepStatusNotification.type, (p) => void statuses.push(p));
  connection.listen();
  try {
    await assert.rejects(
      connection.sendRequest(RunSweepRequest.type, { experimentPath, seeds: "1-2", grid: [{ field: "learningRate", values: "1e-3,7" }], runsRoot, backend: "js" }),
      /--set learningRate=7: learningRate = 7 is out of range/,
    );
    assert.ok(!existsSync(sweepsRoot), "nothing written for a bad grid");

    const started = await connection.sendRequest(RunSweepRequest.type, {
      experimentPath,
      seeds: "1-2",
      grid: [{ field: "learningRate", values: "1e-3,3e-4" }],
      runsRoot,
      parallel: 2,
      backend: "js",
    });
    assert.equal(started.members, 4);
    await until("the final sweep/status", () => statuses.some((s) => s.sweepDir === started.sweepDir && s.done));
    const last = statuses.filter((s) => s.sweepDir === started.sweepDir).at(-1)!;
    assert.deepEqual(last.members.map((m) => m.state), ["completed", "completed", "completed", "completed"]);
    assert.ok(statuses.length >= 2, "progress while it ran, then the end");

    const { sweeps } = await connection.sendRequest(ListSweepsRequest.type, { sweepsRoot });
    assert.deepEqual(sweeps.map((s) => [s.id, s.members, s.counts]), [[started.sweepId, 4, { completed: 4 }]]);

    const view = await connection.sendRequest(ReadSweepRequest.type, { sweepDir: started.sweepDir });
    assert.deepEqual(view.fields, ["learningRate"]);
    assert.deepEqual(view.rows.map((r) => [r.values, r.seeds, r.completed, r.finalMeanReturn.n]), [
      [{ learningRate: 0.001 }, 2, 2, 2],
      [{ learningRate: 0.0003 }, 2, 2, 2],
    ]);
    assert.ok(view.rows.every((r) => r.finalMeanReturn.mean! > 0 && r.finalMeanReturn.std !== null));
    assert.equal(view.rewardThreshold, 475);

    const { runs } = await connection.sendRequest(ListRunsRequest.type, { runsRoot });
    const members = runs.filter((r) => r.sweep?.id === started.sweepId).sort((a, b) => a.sweep!.index - b.sweep!.index);
    assert.equal(members.length, 4);
    assert.deepEqual(members.map((m) => m.sweep!.configText), ["learningRate=0.001", "learningRate=0.001", "learningRate=0.0003", "learningRate=0.0003"]);
    assert.equal(members[0]!.groupKey, members[1]!.groupKey, "the seeds of one configuration are one group");
    assert.notEqual(members[1]!.groupKey, members[2]!.groupKey, "configurations are separate groups");

    // Cancel: a long sweep, stopped while its members train.
    const long = await connection.sendRequest(RunSweepRequest.type, { experimentPath, seeds: "3-4", grid: [{ field: "totalTimesteps", values: "640000" }], runsRoot, parallel: 2, backend: "js" });
    await until("both members training", () =>
      [0, 1].every((i) => {
        const f = join(runsRoot, `${long.sweepId}-c0-s${i + 3}`, "metrics.jsonl");
        return existsSync(f) && readFileSync(f, "utf8").split("\n").length > 2;
      }),
    );
    const { cancelled } = await connection.sendRequest(CancelSweepRequest.type, { sweepDir: long.sweepDir });
    assert.deepEqual(cancelled, ["member 0", "member 1"]);
    await until("the cancelled sweep's final status", () => statuses.some((s) => s.sweepDir === long.sweepDir && s.done));
    assert.deepEqual(statuses.filter((s) => s.sweepDir === long.sweepDir).at(-1)!.members.map((m) => m.state), ["stopped", "stopped"]);
  } finally {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    connection.dispose();
  }
});
