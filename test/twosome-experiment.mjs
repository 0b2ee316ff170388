// The source of a tiny TWOSOME experiment on Tomato Salad for the tests that train one with the test
// model: one iteration of 2 envs × 4 macro-steps, LoRA rank 4 on q and v. The model is not named in
// the file (the tests pass it as --model or as the editor's default). One text for the integration
// tests (TypeScript) and the end-to-end tests (.mjs).

/** `name` is the experiment's name (the hover finds its runs by it). */
export function tinyTwosomeExperiment(name, seed = 5) {
  return `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "${name}",
  env: "Overcooked-TomatoSalad-v0",
  algorithm: "twosome",
  llm: { normalization: "word", lora: { rank: 4, alpha: 8, targets: ["q", "v"] } },
  hyperparameters: { totalTimesteps: 8, numEnvs: 2, numSteps: 4, numMinibatches: 2, valueNumMinibatches: 2, gradientAccumulationSteps: 1 },
  seed: ${seed},
});
`;
}
