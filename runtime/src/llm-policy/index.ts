/**
 * The LLM as the policy (TWOSOME, Tan et al., ICLR 2024): a GGUF decoder-only transformer in
 * TensorFlow.js with LoRA, TWOSOME's action scoring and critic, and its PPO update. The trainer
 * (`algorithm: "twosome"`) uses `TwosomePolicy`; see policy.ts for the API.
 */
export { TwosomePolicy, type ActionDistribution, type TwosomeAdapterState, type TwosomeBatch, type TwosomePolicyOptions, type TwosomeUpdateOptions, type TwosomeUpdateStats } from "./policy.js";
export { TWOSOME_PPO, type TwosomePpoCoefficients } from "./ppo-loss.js";
export { TWOSOME_LORA, LORA_TARGETS, type LoraConfig, type LoraTarget } from "./lora.js";
export { NORMALIZATIONS, type Normalization } from "./scoring.js";
export { SUPPORTED_ARCHITECTURES, type ModelConfig } from "./model-config.js";
export { defaultValueHeadSizes } from "./value-head.js";
