/**
 * The one interface every LLM feature talks to. The product implementation is node-llama-cpp
 * (`node-llama.ts`); tests put a scripted double behind the same interface to check meaning,
 * since the test model's text is nonsense.
 */

/** A JSON schema in the subset node-llama-cpp turns into a GBNF grammar (`createGrammarForJsonSchema`). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface GenerateJsonOptions {
  /** The whole prompt: instructions, context and the request. */
  prompt: string;
  /** The output is constrained to this schema while it is generated, then parsed against it. */
  schema: JsonSchema;
  /**
   * A GBNF grammar (root rule `root`) whose sentences are JSON of `schema`'s shape, tighter than
   * the schema can say (reward code drawn from an expression language: reward-design/grammar.ts).
   * When given, generation is constrained by it instead of by the schema's grammar.
   */
  grammar?: string;
  /** Generation stops after this many tokens (default 512); JSON cut short fails to parse. */
  maxTokens?: number;
  /** Sampling temperature; 0 is greedy (default 0.7: candidates should differ). */
  temperature?: number;
  /** Sampling seed, for repeatable generations. */
  seed?: number;
  /** Aborting stops generation at the next token and rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called with each piece of text as it is generated (for streaming ghost text). */
  onText?: (text: string) => void;
}

/** What one generation cost, for the bench and the status bar. */
export interface GenerationStats {
  promptTokens: number;
  generatedTokens: number;
  /** Wall time of the whole call, prompt evaluation included. */
  seconds: number;
  /** generatedTokens / seconds. */
  tokensPerSecond: number;
}

export interface JsonGeneration {
  /** The parsed output (it matched the schema's grammar). */
  value: unknown;
  /** The raw text generated. */
  text: string;
  stats: GenerationStats;
}

export interface LlmProvider {
  /** Shown in reports: the model file or the double's name. */
  readonly name: string;
  /** Generate JSON constrained by `options.schema`. Rejects with `LlmUnavailableError` when no model can be had. */
  generateJson(options: GenerateJsonOptions): Promise<JsonGeneration>;
  /** Releases what the provider owns (not the shared model: the ModelManager owns that). */
  dispose(): Promise<void>;
}

/** The message every LLM feature shows when there is no model (the grounded, non-LLM part still works). */
export const NO_MODEL_MESSAGE = "no model: set rlStudio.llm.model to a .gguf path or run Download Model";

/** No model, a model that failed to load, node-llama-cpp missing: the LLM feature cannot run. */
export class LlmUnavailableError extends Error {
  override name = "LlmUnavailableError";
  constructor(
    /** "no-model": nothing configured or found; "failed": configured but unusable (reason in the message). */
    readonly reason: "no-model" | "failed",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The output did not parse as JSON matching the schema (generation cut short, or a grammar the model escaped). */
export class LlmOutputError extends Error {
  override name = "LlmOutputError";
  constructor(
    message: string,
    readonly text: string,
    options?: { cause?: unknown },
    /** What the failed generation cost (it still counts in token and latency figures). */
    readonly stats?: GenerationStats,
  ) {
    super(message, options);
  }
}

/** An AbortError as `AbortSignal.throwIfAborted` makes, carrying the signal's reason. */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === "string" ? reason : "the operation was aborted");
  err.name = "AbortError";
  return err;
}

/**
 * Race `promise` against a timeout and an abort signal: whatever hangs (a DNS lookup with no
 * network, a stuck load) becomes an error naming `what`, instead of a spinner forever.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  // Whoever stops waiting, the promise may still reject later: that must not be an unhandled rejection.
  promise.catch(() => {});
  if (signal?.aborted) throw abortError(signal);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
        onAbort = () => reject(abortError(signal));
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
