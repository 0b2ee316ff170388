/**
 * The algorithms the runtime trains: one table, read by the runtime's resolve (which ids are
 * accepted, and for which action spaces) and by the language server (diagnostics, completion and
 * hover on `algorithm: "…"`). Adding an algorithm means adding a row here and its trainer.
 */

/** The action-space kinds of the env registry (`EnvSpec.actionSpace.kind`). */
export type ActionKind = "discrete" | "box";

export interface AlgorithmSpec {
  /** The value of `algorithm:` in an experiment file. */
  readonly id: string;
  /** The action spaces it handles. */
  readonly actionKinds: readonly ActionKind[];
  /** One line for completion and hover. */
  readonly doc: string;
  /** True when it trains on the env's text view (`env.text`, `spec.text`) only. */
  readonly textEnvOnly?: boolean;
}

export const ALGORITHMS = [
  {
    id: "ppo",
    actionKinds: ["discrete", "box"],
    doc: "Proximal Policy Optimization with a clipped surrogate objective and GAE, following CleanRL's `ppo.py` (Discrete) and `ppo_continuous_action.py` (Box).",
  },
  {
    id: "twosome",
    actionKinds: ["discrete"],
    textEnvOnly: true,
    doc: "TWOSOME (Tan et al., ICLR 2024): a GGUF language model is the policy (π(a|s) = softmax over the valid actions' normalised log-likelihoods after the text observation), fine-tuned with LoRA by PPO; the critic is the frozen model with a value head. Needs a text env and an `llm` block.",
  },
] as const satisfies readonly AlgorithmSpec[];

/** An id the runtime trains. */
export type AlgorithmId = (typeof ALGORITHMS)[number]["id"];

/** The algorithm of an experiment that does not name one. */
export const DEFAULT_ALGORITHM: AlgorithmId = "ppo";

export function findAlgorithm(id: unknown, table: readonly AlgorithmSpec[] = ALGORITHMS): AlgorithmSpec | undefined {
  return typeof id === "string" ? table.find((a) => a.id === id) : undefined;
}

/** "discrete" → "discrete", "box" → "continuous (Box)": how messages name an action space. */
export function actionKindWords(kind: ActionKind): string {
  return kind === "box" ? "continuous (Box)" : "discrete";
}

/** `"ppo"`, or `"a", "b"`: the allowed ids, quoted, for messages. */
export function allowedAlgorithmsText(table: readonly AlgorithmSpec[] = ALGORITHMS): string {
  return table.map((a) => `"${a.id}"`).join(", ");
}
