import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Hover, MarkupContent } from "vscode-languageserver-protocol";
import { marked } from "marked";
import { CARTPOLE_EXPERIMENT, LspTestClient, positionOf, textAt } from "./lsp-client.js";

let client: LspTestClient;
let workspace: string;
let n = 0;
before(async () => {
  client = await LspTestClient.start();
  workspace = mkdtempSync(join(tmpdir(), "rl-studio-hover-"));
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
  rmSync(workspace, { recursive: true, force: true });
});

function writeRun(id: string, name: string, createdAt: string, episodes: object[]): void {
  const dir = join(workspace, ".rl-studio", "runs", id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "experiment.json"), JSON.stringify({ name, createdAt }));
  writeFileSync(join(dir, "episodes.jsonl"), episodes.map((e) => JSON.stringify(e) + "\n").join(""));
}

const episode = (episodicReturn: number, components: Record<string, number>) => ({
  globalStep: 1000,
  wallSeconds: 1,
  envIndex: 0,
  episodicReturn,
  episodicLength: 100,
  terminated: true,
  truncated: false,
  components,
});

async function hoverAt(text: string, needle: string, delta = 1, uri = `file:///tmp/hover-${n++}.rl.ts`): Promise<{ hover: Hover | null; markdown: string }> {
  await client.open(uri, text);
  const hover = await client.hover(uri, positionOf(text, needle, delta));
  return { hover, markdown: (hover?.contents as MarkupContent | undefined)?.value ?? "" };
}

test("hyperparameter key: meaning, default, valid range, effect, CleanRL and RL Zoo values", async () => {
  const { hover, markdown } = await hoverAt(CARTPOLE_EXPERIMENT, "learningRate");
  assert.equal(textAt(CARTPOLE_EXPERIMENT, hover!.range!), "learningRate");
  assert.match(markdown, /^\*\*learningRate\*\* — Adam step size\./);
  assert.match(markdown, /Default: `0\.00025` \(discrete actions\)/);
  assert.match(markdown, /Valid: a finite number > 0 and ≤ 1/);
  assert.match(markdown, /Raising it: Faster but less stable learning\./);
  assert.match(markdown, /CleanRL `ppo.py`: `0\.00025`; RL Zoo \(CartPole-v1\): `0\.001`/);
});

test("annealClip's hover says whose schedule it is and which library turns it on", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learningRate: 1e-3, annealClip: true");
  const { markdown } = await hoverAt(text, "annealClip");
  assert.match(markdown, /^\*\*annealClip\*\* — Linearly decay the clipping coefficient ε .* Stable-Baselines3's `clip_range` schedule \(RL Zoo's `lin_0\.2`\)/);
  assert.match(markdown, /Default: `false`/);
  assert.match(markdown, /CleanRL `ppo.py`: `false`; RL Zoo \(CartPole-v1\): `true`/);
});

test("numLearners' hover says what the learners share and whose multi-GPU script it follows", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learningRate: 1e-3, numLearners: 2");
  const { markdown } = await hoverAt(text, "numLearners");
  assert.match(markdown, /^\*\*numLearners\*\* — Data-parallel learners, each in its own thread .* gradients averaged every minibatch, as CleanRL's ppo_atari_multigpu\.py/);
  assert.match(markdown, /Default: `1`/);
  assert.match(markdown, /Valid: an integer ≥ 1 and ≤ 64/);
});

test("hyperparameter default follows the env's action kind (Pendulum-v1 is continuous)", async () => {
  const { markdown } = await hoverAt(CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"Pendulum-v1"').replace("nextObs.theta", "nextObs.thetaDot"), "numSteps");
  assert.match(markdown, /Default: `2048` \(continuous actions\)/);
});

test("env id: Gymnasium's sections and the observation table", async () => {
  const { hover, markdown } = await hoverAt(CARTPOLE_EXPERIMENT, '"CartPole-v1"', 3);
  assert.equal(textAt(CARTPOLE_EXPERIMENT, hover!.range!), '"CartPole-v1"');
  for (const section of ["### Action Space", "### Observation Space", "### Rewards", "### Starting State", "### Episode End"]) {
    assert.ok(markdown.includes(section), section);
  }
  assert.match(markdown, /- `1`: push cart to the right/);
  assert.match(markdown, /\| `theta` \| pole angle from vertical \(rad, positive leans right\) \| -0\.4189 \| 0\.4189 \| \[-0\.2094, 0\.2094\] \|/);
  assert.match(markdown, /\| `xDot` \| cart velocity \(m\/s\) \| −∞ \| ∞ \|/);
  assert.match(markdown, /Time limit: 500 steps\. Solved at a mean return of 475\./);
});

test("reward component with no run yet says so", async () => {
  const uri = pathToFileURL(join(workspace, "cartpole.rl.ts")).href;
  const { hover, markdown } = await hoverAt(CARTPOLE_EXPERIMENT, "upright:", 2, uri);
  assert.equal(textAt(CARTPOLE_EXPERIMENT, hover!.range!), "upright");
  assert.match(markdown, /No run yet of "cartpole-ppo"/);
});

test("reward component: measured contribution in the latest run of this experiment", async () => {
  writeRun("cartpole-ppo-old", "cartpole-ppo", "2026-01-01T00:00:00Z", [episode(10, { alive: 10, upright: 9 })]);
  writeRun("cartpole-ppo-new", "cartpole-ppo", "2026-01-02T00:00:00Z", [
    episode(100, { alive: 100, upright: 50 }),
    episode(200, { alive: 200, upright: 30 }),
  ]);
  // Newer, but another experiment: ignored.
  writeRun("other-new", "other", "2026-01-03T00:00:00Z", [episode(1, { upright: 1 })]);
  const uri = pathToFileURL(join(workspace, "cartpole.rl.ts")).href;
  const { markdown } = await hoverAt(CARTPOLE_EXPERIMENT, "upright:", 2, uri);
  // upright: (50 + 30) / 2 = 40 per episode; alive: 150; share 40 / (150 + 40) = 21 %.
  assert.match(markdown, /latest run `cartpole-ppo-new` \(2 episodes\): mean 40\.00 per episode, 21% of the shaped return's magnitude\. Mean episodic return 150\./);
  assert.match(markdown, /Other components per episode: `alive` 150\./);
  const alive = await hoverAt(CARTPOLE_EXPERIMENT, "alive:", 2, uri);
  assert.match(alive.markdown, /mean 150 per episode, 79% of the shaped return's magnitude/);
});

test("reward component hovers keep folder names, component names and the experiment name as text (no live link)", async () => {
  // A run folder, an experiment name and component names written to open a command link.
  const hostileRun = "run`[x](command:workbench.action.terminal.new)`";
  const name = "n`[y](command:rlStudio.deleteRun)`";
  const component = "c`[z](command:workbench.action.openSettings)`";
  const text = CARTPOLE_EXPERIMENT.replace('name: "cartpole-ppo"', `name: ${JSON.stringify(name)}`).replace("upright:", `${JSON.stringify(component)}:`);
  const uri = pathToFileURL(join(workspace, "hostile.rl.ts")).href;
  const links = (md: string) => [...(marked.parse(md, { async: false }) as string).matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]);
  const noRun = await hoverAt(text, component, 2, uri);
  assert.match(noRun.markdown, /No run yet of/);
  assert.deepEqual(links(noRun.markdown), []);
  writeRun(hostileRun, name, "2026-02-01T00:00:00Z", [episode(10, { alive: 10, [component]: 2, "[w](command:x)": 1 })]);
  const measured = await hoverAt(text, component, 2, uri);
  assert.match(measured.markdown, /In the latest run/);
  assert.ok(measured.markdown.includes("`` run`[x](command:workbench.action.terminal.new)` ``"), measured.markdown);
  assert.deepEqual(links(measured.markdown), [], measured.markdown);
  const other = await hoverAt(text.replace(`${JSON.stringify(component)}:`, '"unmeasured":'), '"unmeasured"', 2, pathToFileURL(join(workspace, "hostile-2.rl.ts")).href);
  assert.match(other.markdown, /Not measured in run/);
  assert.deepEqual(links(other.markdown), [], other.markdown);
});

test("observation field read by the reward: description and ranges", async () => {
  const { markdown } = await hoverAt(CARTPOLE_EXPERIMENT, "nextObs.theta", "nextObs.".length + 1);
  assert.match(markdown, /\*\*CartPole-v1\*\* observation `theta`: pole angle from vertical/);
});

test("algorithm: its one-line doc and action spaces from the runtime's table, and whether it fits the env", async () => {
  const { hover, markdown } = await hoverAt(CARTPOLE_EXPERIMENT, '"ppo"', 2);
  assert.equal(textAt(CARTPOLE_EXPERIMENT, hover!.range!), '"ppo"');
  assert.match(markdown, /^\*\*ppo\*\* — Proximal Policy Optimization/);
  assert.match(markdown, /Action spaces: Discrete and continuous \(Box\) actions\./);
  assert.match(markdown, /Fits CartPole-v1's discrete action space\./);
});

test("nothing to say elsewhere", async () => {
  const { hover } = await hoverAt(CARTPOLE_EXPERIMENT, "Balance the pole");
  assert.equal(hover, null);
});
