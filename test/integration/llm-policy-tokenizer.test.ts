/**
 * Our tokenizer against llama.cpp's (node-llama-cpp's `LlamaModel.tokenize`, which is llama.cpp's
 * tokenizer with add_special = false) on the corpus of test/unit/llm-policy/tokenizer-corpus.ts,
 * with and without special-token parsing: stories260K (llama, SentencePiece-BPE) and a tiny qwen2
 * GGUF written by our own writer (byte-level BPE, qwen2 pre-tokenizer, control and user-defined tokens).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readGgufHeader } from "../../runtime/src/llm-policy/gguf.js";
import { Tokenizer } from "../../runtime/src/llm-policy/tokenizer.js";
import { vocabularyFromGguf } from "../../runtime/src/llm-policy/vocabulary.js";
import { tokenizerCorpus } from "../unit/llm-policy/tokenizer-corpus.js";
import { QWEN2_SPECIAL, QWEN2_USER_DEFINED, writeTinyQwen2 } from "../unit/llm-policy/tiny-qwen2.js";
import { requireTestModel } from "../test-model.mjs";
import { requireNodeLlamaCpp, withLlamaModel } from "./llm-policy-llama.js";

async function compareOnCorpus(path: string, extra: string[] = []): Promise<{ strings: number; checked: number; tokens: number }> {
  const tokenizer = new Tokenizer(vocabularyFromGguf(await readGgufHeader(path)));
  const corpus = [...tokenizerCorpus(), ...extra];
  return withLlamaModel(path, async (model) => {
    let tokens = 0;
    const mismatches: string[] = [];
    for (const text of corpus) {
      for (const parseSpecial of [false, true]) {
        const want = Array.from(model.tokenize(text, parseSpecial));
        const got = tokenizer.tokenize(text, { parseSpecial });
        tokens += want.length;
        if (JSON.stringify(want) !== JSON.stringify(got)) mismatches.push(`${JSON.stringify(text)} (parseSpecial ${parseSpecial}): llama.cpp [${want}] ours [${got}]`);
      }
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${2 * corpus.length} tokenisations differ`);
    // BOS: llama.cpp's own add-BOS decision for the model.
    assert.equal(tokenizer.vocab.addBos, model.tokens.shouldPrependBosToken);
    if (tokenizer.vocab.addBos) assert.equal(tokenizer.tokenize("x", { addSpecial: true })[0], model.tokens.bos);
    return { strings: corpus.length, checked: 2 * corpus.length, tokens };
  });
}

test("stories260K (llama SPM): our tokenizer equals llama.cpp's on the corpus", async (t) => {
  const model = requireTestModel(t);
  if (!model || !requireNodeLlamaCpp(t)) return;
  const r = await compareOnCorpus(model);
  t.diagnostic(`${r.checked} tokenisations (${r.strings} strings × parseSpecial off/on), ${r.tokens} tokens, all equal`);
});

test("tiny qwen2 (byte-level BPE): our tokenizer equals llama.cpp's on the corpus", async (t) => {
  if (!requireNodeLlamaCpp(t)) return;
  const { path } = writeTinyQwen2();
  const specials = [...QWEN2_SPECIAL, QWEN2_USER_DEFINED];
  const extra = specials.flatMap((s) => [`${s}pick up the tomato${s}`, `a ${s} b`, `${s}${s}`]);
  const r = await compareOnCorpus(path, extra);
  t.diagnostic(`${r.checked} tokenisations (${r.strings} strings × parseSpecial off/on), ${r.tokens} tokens, all equal`);
});
