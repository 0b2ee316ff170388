import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  checkTrust,
  decideTrust,
  MANAGE_TRUST_BUTTON,
  MANAGE_TRUST_COMMAND,
  untrustedMessage,
  type TrustedAction,
  type TrustHost,
} from "../../../extension/src/trust.js";

const ACTIONS: TrustedAction[] = ["train", "resume", "evalPrior", "explain", "suggestReward", "proposeSubgoals", "evolveReward", "applyEvolvedReward"];
/** The command of each action, as package.json declares it. */
const COMMANDS: Record<TrustedAction, string> = {
  train: "rlStudio.train",
  resume: "rlStudio.resumeRun",
  evalPrior: "rlStudio.evalPrior",
  explain: "rlStudio.explain",
  suggestReward: "rlStudio.suggestReward",
  proposeSubgoals: "rlStudio.proposeSubgoals",
  evolveReward: "rlStudio.evolveReward",
  applyEvolvedReward: "rlStudio.applyEvolvedReward",
};

function fakeHost(trusted: boolean, pick: string | undefined) {
  const shown: { message: string; items: string[] }[] = [];
  const executed: string[] = [];
  const host: TrustHost = {
    isTrusted: () => trusted,
    showWarningMessage: async (message, ...items) => {
      shown.push({ message, items });
      return pick;
    },
    executeCommand: async (command) => {
      executed.push(command);
    },
  };
  return { host, shown, executed };
}

const settle = () => new Promise((r) => setImmediate(r));

test("decideTrust: a trusted workspace proceeds", () => {
  for (const a of ACTIONS) assert.deepEqual(decideTrust(true, a), { proceed: true });
});

test("decideTrust: an untrusted workspace gets a message saying why and how, with the Manage Workspace Trust button", () => {
  for (const a of ACTIONS) {
    const d = decideTrust(false, a);
    assert.equal(d.proceed, false);
    if (d.proceed) continue;
    assert.equal(d.message, untrustedMessage(a));
    assert.match(d.message, /untrusted workspace/, a);
    assert.match(d.message, /runs its code/, `${a}: says why (the experiment's code runs)`);
    assert.match(d.message, /Manage Workspace Trust/, `${a}: says how`);
    assert.equal(d.button, "Manage Workspace Trust");
    assert.equal(d.command, "workbench.trust.manage");
  }
});

/** What every gated command does: start only when checkTrust says so. */
async function gated<T>(host: TrustHost, action: TrustedAction, start: () => Promise<T>): Promise<T | undefined> {
  return checkTrust(host, action) ? start() : undefined;
}

test("checkTrust: trusted → the action starts, no message", async () => {
  const { host, shown } = fakeHost(true, undefined);
  let started = 0;
  const result = await gated(host, "train", async () => {
    started++;
    return "run-1";
  });
  assert.equal(result, "run-1");
  assert.equal(started, 1);
  assert.equal(shown.length, 0);
});

test("checkTrust: untrusted → the message, nothing started; its button opens Manage Workspace Trust", async () => {
  for (const a of ACTIONS) {
    const { host, shown, executed } = fakeHost(false, MANAGE_TRUST_BUTTON);
    let started = 0;
    const result = await gated(host, a, async () => {
      started++;
    });
    await settle();
    assert.equal(result, undefined);
    assert.equal(started, 0, `${a}: nothing started`);
    assert.deepEqual(shown, [{ message: untrustedMessage(a), items: [MANAGE_TRUST_BUTTON] }]);
    assert.deepEqual(executed, [MANAGE_TRUST_COMMAND]);
  }
});

test("checkTrust: dismissing the message runs nothing", async () => {
  const { host, shown, executed } = fakeHost(false, undefined);
  assert.equal(checkTrust(host, "resume"), false);
  await settle();
  assert.equal(shown.length, 1);
  assert.deepEqual(executed, []);
});

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  contributes: { commands: { command: string; enablement?: string }[]; menus: Record<string, { command: string; when?: string }[]> };
  capabilities: { untrustedWorkspaces: { supported: string; description?: string } };
};

test("package.json: the code-running commands are not disabled by enablement or hidden in untrusted workspaces (they explain instead)", () => {
  for (const a of ACTIONS) {
    const c = pkg.contributes.commands.find((x) => x.command === COMMANDS[a]);
    assert.ok(c, `${COMMANDS[a]} is declared`);
    assert.equal(c.enablement, undefined, `${COMMANDS[a]} has no enablement: a disabled command cannot say why`);
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items.filter((i) => i.command === COMMANDS[a])) {
        assert.doesNotMatch(item.when ?? "", /isWorkspaceTrusted/, `${menu}: ${COMMANDS[a]} stays visible`);
      }
    }
  }
});

test("package.json: untrustedWorkspaces is limited, with a description", () => {
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, "limited");
  assert.ok(u.description && u.description.length > 40);
  assert.match(u.description, /Manage Workspace Trust/);
});

test("every code-running command checks trust with its own action before it starts anything", () => {
  const src = (f: string) => readFileSync(`extension/src/${f}`, "utf8");
  const commands = src("commands.ts");
  const train = commands.slice(commands.indexOf("reg(CodeLensCommands.train"), commands.indexOf('reg("rlStudio.stopRun"'));
  assert.ok(train.indexOf('checkTrusted("train")') >= 0 && train.indexOf('checkTrusted("train")') < train.indexOf("ctx.train("));
  const resume = commands.slice(commands.indexOf('reg("rlStudio.resumeRun"'), commands.indexOf('reg("rlStudio.openDashboard"'));
  assert.ok(resume.indexOf('checkTrusted("resume")') >= 0 && resume.indexOf('checkTrusted("resume")') < resume.indexOf("pickRun("), "resume refuses before picking a run");
  assert.match(resume, /if \(run && \(await ctx\.resume\(/, "the dashboard opens only for a resumed run");
  const ctx = src("ctx.ts");
  assert.match(ctx, /async train\(file: vscode\.Uri\)[^]*?if \(!this\.checkTrusted\(\)\) return undefined;/);
  assert.match(ctx, /async resume\(runDir: string\)[^]*?if \(!this\.checkTrusted\("resume"\)\) return undefined;/);
  const explain = src("explain-commands.ts");
  assert.match(explain, /return this\.ctx\.checkTrusted\("explain"\)/);
  assert.match(explain, /async explain\(arg: unknown\): Promise<void> \{[^}]*?if \(!this\.checkTrusted\(\)\) return;[^}]*?this\.targetRun\(arg\)/);
  assert.match(src("prior-command.ts"), /evalPrior\(ctx: Ctx, file: vscode\.Uri\)[^{]*\{\s*if \(!ctx\.checkTrusted\("evalPrior"\)\) return undefined;/, "Zero-shot Prior refuses before it saves or sends anything");
  assert.match(src("llm/suggest-reward.ts"), /checkTrusted\("suggestReward"\)/);
  assert.match(src("llm/evolve-view.ts"), /checkTrusted\("evolveReward"\)/);
});

test("Apply Evolved Reward (the command and the page's Apply winner) checks trust first, then writes only what the runtime re-validated", () => {
  const view = readFileSync("extension/src/llm/evolve-view.ts", "utf8");
  // Both the command (applyEvolved) and the page's button end in applyWinner.
  assert.match(view, /async applyEvolved\(arg: unknown\)[^]*?await this\.applyWinner\(picked\)/);
  assert.match(view, /m\.type === "applyWinner"\) await this\.applyWinner\(/);
  const apply = view.slice(view.indexOf("async applyWinner("), view.indexOf("private async pickEvolution("));
  const trust = apply.indexOf('checkTrusted("applyEvolvedReward")');
  const check = apply.indexOf("sendRequest(CheckRewardRequest.type");
  const write = apply.indexOf("previewAndApply(");
  assert.ok(trust >= 0 && check > trust && write > check, "trust, then the runtime's re-validation, then the preview and write");
  assert.match(apply, /^async applyWinner\([^]*?\): Promise<void> \{\s*if \(!this\.feature\.ctx\.checkTrusted\("applyEvolvedReward"\)\) return;/, "nothing happens before the trust check");
  assert.match(apply.slice(write), /^previewAndApply\([^)]*checked\.code,/, "the re-validated snippet is written");
  assert.doesNotMatch(apply, /best\.code/, "evolution.json's saved snippet is never written");
  assert.match(apply, /if \(!checked\.ok\) \{\s*void (?:vscode\.window\.)?showErrorMessage\([^]*?nothing was applied[^]*?\);\s*return;\s*\}/);
});
