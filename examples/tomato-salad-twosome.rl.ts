/**
 * Overcooked Tomato Salad with TWOSOME (Tan et al., ICLR 2024): a language model is the policy. At
 * each macro-step it reads the text observation ("There is a fixed cutting board in the room. …, you
 * should first") and scores the 5 action texts ("pick up the tomato", "chop nothing", …) by their
 * log-likelihood after it; PPO fine-tunes a LoRA adapter on its q and v projections, and the frozen
 * model with a value head is the critic.
 *
 * The model is a local GGUF file (llama or qwen2 architecture): set llm.model below, or leave it out
 * and pass `--model <gguf>` (CLI) or set `rlStudio.llm.model` (editor). Train it:
 *   npx rl-studio train examples/tomato-salad-twosome.rl.ts --model path/to/model.gguf
 * Measure the untrained model first (the zero-shot prior):
 *   npx rl-studio eval examples/tomato-salad-twosome.rl.ts --prior --model path/to/model.gguf
 *
 * The hyperparameters not written here are TWOSOME's own (scripts/tomato_salad_ppo_llm.sh): policy
 * learning rate 5e-7, value 1e-5, 4 envs × 32 steps, 32 policy / 4 value minibatches, gradient
 * accumulation 8, one epoch, target KL 0.02. This file trains a shorter run with a larger policy step,
 * sized for a small model on a CPU.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "tomato-salad-twosome",
  env: "Overcooked-TomatoSalad-v0",
  task: "Serve a bowl of chopped tomato: pick up the tomato, chop it on the cutting board, put it in the bowl, deliver the bowl.",
  algorithm: "twosome",
  llm: {
    normalization: "word",
    lora: { rank: 8, alpha: 16, targets: ["q", "v"] },
  },
  hyperparameters: {
    totalTimesteps: 5_120,
    learningRate: 1e-4,
    valueLearningRate: 1e-3,
  },
  seed: 1,
});
