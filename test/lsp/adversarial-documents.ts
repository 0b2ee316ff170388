/**
 * Hostile experiment documents for the language-server tests and `bench/lsp.ts`: 100 k-character
 * lines of the shapes that made the old completion regexes quadratic, each in an experiment whose
 * env id is misspelt (so each must still get its unknown-env diagnostic).
 */
import { CARTPOLE_EXPERIMENT } from "./lsp-client.js";

export const LINE = 100_000;

/**
 * Each shape in an experiment; `line` is the index of the long line. `env` is the env id written:
 * a misspelt one must still get its diagnostic; a known one makes completion read the context
 * before the cursor (with an unknown env there is nothing to complete, and it returns early).
 */
export function adversarialDocuments(env = "CartPol"): { name: string; text: string; line: number }[] {
  const base = CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', JSON.stringify(env));
  const inReward = (expr: string) => base.replace("upright: 1 - Math.abs(nextObs.theta) / 0.2095,", `upright: ${expr},`);
  const docs = [
    { name: "obs.obs.obs…", text: inReward("obs." + "obs.".repeat((LINE - 4) / 4 - 1) + "x") },
    { name: "aaaa…", text: inReward("a".repeat(LINE)) },
    { name: "((((…", text: inReward("(".repeat(LINE)) },
    { name: "long string", text: base.replace('task: "Balance the pole and keep the cart near the centre."', `task: "${"a".repeat(LINE)}"`) },
    { name: "long template literal", text: base.replace('task: "Balance the pole and keep the cart near the centre."', "task: `" + "${x}a".repeat(LINE / 5) + "`") },
    { name: "action === action === …", text: inReward("action === ".repeat(LINE / 11)) },
  ];
  return docs.map((d) => ({ ...d, line: d.text.split("\n").findIndex((l) => l.length >= LINE / 2) }));
}
