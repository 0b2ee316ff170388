/**
 * `LlmProvider` on node-llama-cpp: the prompt goes through the model's own chat template
 * (`LlamaChatSession` picks it from the GGUF metadata), the output through a grammar made from
 * the JSON schema (`createGrammarForJsonSchema`) or the caller's own GBNF, so it is JSON of the
 * right shape by construction unless generation is cut short by `maxTokens`.
 */
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ModelManager } from "./model-manager.js";
import { LlmOutputError, abortError, type GenerateJsonOptions, type JsonGeneration, type LlmProvider } from "./provider.js";

export class LlamaProvider implements LlmProvider {
  /** Grammars by schema or GBNF text: building one compiles GBNF, and a round asks for the same one again and again. */
  private readonly grammars = new Map<string, Promise<L.LlamaGrammar>>();

  constructor(private readonly manager: ModelManager) {}

  get name(): string {
    const s = this.manager.state;
    return s.state === "ready" || s.state === "loading" ? s.path : (this.manager.model ?? "no model");
  }

  async generateJson(options: GenerateJsonOptions): Promise<JsonGeneration> {
    const { signal } = options;
    const started = performance.now();
    return this.manager.withSequence(signal, async (loaded, sequence) => {
      const grammar = await this.grammar(loaded, options);
      const session = new loaded.module.LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
      let generatedTokens = 0;
      let text: string;
      try {
        text = await session.prompt(options.prompt, {
          grammar,
          maxTokens: options.maxTokens ?? 512,
          temperature: options.temperature ?? 0.7,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(signal ? { signal } : {}),
          onToken: (tokens) => {
            generatedTokens += tokens.length;
          },
          ...(options.onText ? { onTextChunk: options.onText } : {}),
        });
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        throw err;
      } finally {
        session.dispose({ disposeSequence: false });
      }
      const seconds = (performance.now() - started) / 1000;
      const promptTokens = loaded.model.tokenize(options.prompt).length;
      const stats = { promptTokens, generatedTokens, seconds, tokensPerSecond: seconds > 0 ? generatedTokens / seconds : 0 };
      let value: unknown;
      try {
        // A schema grammar checks the value against its schema as it parses; a caller's GBNF promises JSON only (callers read it defensively).
        value = options.grammar !== undefined ? (JSON.parse(text) as unknown) : (grammar as L.LlamaJsonSchemaGrammar<never>).parse(text);
      } catch (err) {
        throw new LlmOutputError(
          `the model's output is not JSON matching the schema (${generatedTokens} tokens; ${generatedTokens >= (options.maxTokens ?? 512) ? "cut short by maxTokens" : (err as Error).message})`,
          text,
          { cause: err },
          stats,
        );
      }
      return { value, text, stats };
    });
  }

  /** Grammars belong to the Llama instance, which the manager owns and disposes. */
  async dispose(): Promise<void> {
    this.grammars.clear();
  }

  private grammar(loaded: { llama: L.Llama }, options: GenerateJsonOptions): Promise<L.LlamaGrammar> {
    const key = options.grammar ?? JSON.stringify(options.schema);
    let g = this.grammars.get(key);
    if (!g) {
      g = options.grammar !== undefined ? loaded.llama.createGrammar({ grammar: options.grammar }) : loaded.llama.createGrammarForJsonSchema(options.schema as never);
      g.catch(() => this.grammars.delete(key));
      this.grammars.set(key, g);
    }
    return g;
  }
}
