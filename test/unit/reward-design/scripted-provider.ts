/**
 * Test double for `LlmProvider`: answers each prompt with what `answer` returns for it, and records
 * the prompts. Tests (and the bench) use it to check the reward designer's semantics, which the
 * nonsense-speaking test model cannot.
 */
import type { GenerateJsonOptions, JsonGeneration, LlmProvider } from "../../../runtime/src/llm/provider.js";

export class ScriptedProvider implements LlmProvider {
  readonly name = "scripted";
  readonly prompts: string[] = [];

  constructor(private readonly answer: (prompt: string, call: number) => unknown) {}

  async generateJson(options: GenerateJsonOptions): Promise<JsonGeneration> {
    options.signal?.throwIfAborted();
    this.prompts.push(options.prompt);
    const value = this.answer(options.prompt, this.prompts.length - 1);
    const text = JSON.stringify(value);
    // Token counts are approximations (4 characters a token): the double has no tokenizer.
    return { value, text, stats: { promptTokens: Math.ceil(options.prompt.length / 4), generatedTokens: Math.ceil(text.length / 4), seconds: 0, tokensPerSecond: 0 } };
  }

  async dispose(): Promise<void> {}
}

export const cand = (rationale: string, ...components: [string, string][]) => ({ rationale, components: components.map(([name, code]) => ({ name, code })) });
