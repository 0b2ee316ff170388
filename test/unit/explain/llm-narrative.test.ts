/**
 * The real narrative path, through the provider interface the node-llama-cpp provider implements:
 * LlmNarrativeWriter builds the prompt, asks for JSON against its schema, reads the narrative out,
 * and addNarrative keeps it beside the facts only when its numbers check out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureBehaviour } from "../../../runtime/src/explain/facts.js";
import { LlmNarrativeWriter } from "../../../runtime/src/explain/llm-narrative.js";
import { addNarrative } from "../../../runtime/src/explain/explain.js";
import { summarize } from "../../../runtime/src/explain/summary.js";
import { formatCount, formatNumber, formatPercent } from "../../../runtime/src/explain/format.js";
import { LlmOutputError, type GenerateJsonOptions, type JsonGeneration, type LlmProvider } from "../../../runtime/src/llm/provider.js";
import type { BehaviourExplanation, BehaviourFacts } from "../../../protocol/src/explain.js";
import { ScriptedProvider } from "../reward-design/scripted-provider.js";
import { CARTPOLE_EXPERIMENT, thetaOnlyPolicy } from "./helpers.js";

const measured = measureBehaviour(thetaOnlyPolicy(), CARTPOLE_EXPERIMENT, { episodes: 6 });
const explanationOf = (facts: BehaviourFacts): BehaviourExplanation => ({ format: "rl-studio/explanation@1", createdAt: "", facts, summary: summarize(facts), narrative: null });

/** What a faithful model writes: the summary's figures, in words. */
function faithful(facts: BehaviourFacts): string {
  const d = facts.deterministic;
  const right = d.conditioning.find((c) => c.field === "theta")!.signSplit!.above;
  return (
    `The policy watches the pole: where theta ≥ 0 (n = ${formatCount(right.n)}) it pushes the cart to the right in ` +
    `${formatPercent(right.actionFrequency![1]!, right.actionCounts![1], right.n)} of states. Its ${d.episodes} deterministic episodes ` +
    `return ${formatNumber(d.return.mean)} on average and all end by the pole angle.`
  );
}

/** Records the options of each call (the scripted provider keeps only the prompts). */
class Recording implements LlmProvider {
  readonly name = "recording";
  readonly calls: GenerateJsonOptions[] = [];
  constructor(private readonly inner: LlmProvider) {}
  generateJson(options: GenerateJsonOptions): Promise<JsonGeneration> {
    this.calls.push(options);
    return this.inner.generateJson(options);
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

test("a faithful scripted narrative goes through the provider and is kept beside the facts", async () => {
  const { facts } = await measured;
  const provider = new Recording(new ScriptedProvider(() => ({ narrative: `  ${faithful(facts)}\n` })));
  const e = explanationOf(facts);
  const summary = [...e.summary];
  await addNarrative(e, new LlmNarrativeWriter(provider));
  assert.equal(e.narrative, faithful(facts));
  assert.equal(e.narrativeNote, undefined);
  assert.equal(e.narrativeRejected, undefined);
  assert.equal(e.facts, facts, "the facts stay beside the narrative");
  assert.deepEqual(e.summary, summary);
  // One call: the prompt holds every summary sentence, the output is constrained to {narrative: string}.
  assert.equal(provider.calls.length, 1);
  const call = provider.calls[0]!;
  for (const s of summary) assert.ok(call.prompt.includes(s), s);
  assert.deepEqual(call.schema, { type: "object", properties: { narrative: { type: "string" } }, required: ["narrative"], additionalProperties: false });
  assert.equal(call.maxTokens, 320);
  assert.ok(call.temperature! <= 0.3, "a faithful paraphrase, not variety");
});

test("a scripted narrative with an invented number is rejected and the summary is shown", async () => {
  const { facts } = await measured;
  const e = explanationOf(facts);
  await addNarrative(e, new LlmNarrativeWriter(new ScriptedProvider(() => ({ narrative: `${faithful(facts)} It recovers in 37% of the leaning states.` }))));
  assert.equal(e.narrative, null);
  assert.deepEqual(e.narrativeRejected, ["37%"]);
  assert.match(e.narrativeNote!, /rejected: it states 37%.*showing the measured summary/);
  assert.deepEqual(e.summary, summarize(facts));
});

test("malformed model output leaves the summary, with the reason", async () => {
  const { facts } = await measured;
  const run = async (answer: () => unknown) => {
    const e = explanationOf(facts);
    await addNarrative(e, new LlmNarrativeWriter(new ScriptedProvider(answer)));
    assert.equal(e.narrative, null);
    assert.equal(e.narrativeRejected, undefined);
    return e.narrativeNote!;
  };
  // The wrong shape (a grammar the model escaped, or a provider without one): named, with what came back.
  assert.match(await run(() => ({ text: "It pushes right." })), /^the language model's output could not be read \(the output is not \{"narrative": string\}: \{"text":"It pushes right\."\}\): showing the measured summary$/);
  assert.match(await run(() => ({ narrative: 42 })), /could not be read .*\{"narrative":42\}/);
  assert.match(await run(() => null), /could not be read .*: null\)/);
  // JSON cut short: the provider's own LlmOutputError, with its reason.
  const cut = () => {
    throw new LlmOutputError("generation stopped after 320 tokens before the JSON was complete", '{"narrative": "It pus');
  };
  assert.match(await run(cut), /could not be read \(generation stopped after 320 tokens before the JSON was complete\)/);
  // An empty narrative is not malformed, just nothing to show.
  assert.match(await run(() => ({ narrative: "   " })), /wrote nothing/);
  // A provider that cannot run at all is a failure, not bad output.
  assert.match(await run(() => { throw new Error("model not loaded"); }), /^the language model failed \(model not loaded\)/);
});

test("aborting the narrative aborts, instead of falling back to the summary", async () => {
  const { facts } = await measured;
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  const e = explanationOf(facts);
  await assert.rejects(addNarrative(e, new LlmNarrativeWriter(new ScriptedProvider(() => ({ narrative: faithful(facts) }))), controller.signal), /stop/);
});
