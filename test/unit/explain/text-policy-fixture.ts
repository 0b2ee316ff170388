// Hand-made facts of a TWOSOME run's explanation (not measured), shared by the hover and panel tests.
import type { TextPolicyFacts } from "../../../protocol/src/explain.js";

export const LONG_PROMPT = `There are a tomato, a lettuce and an onion in the kitchen. ${"You see a counter. ".repeat(6)}You hold nothing. What should you do next?`;

export const facts: TextPolicyFacts = {
  runId: "salad-20260101-s1",
  experimentName: "tomato-salad",
  envId: "Overcooked-TomatoSalad-v0",
  globalStep: 1024,
  model: "/models/stories260K.gguf",
  episodes: 4,
  steps: 20,
  successRate: 0.75,
  distinctStates: 5,
  states: [
    {
      prompt: LONG_PROMPT,
      visits: 8,
      actions: [
        { text: "pick up the tomato", probability: 0.625 },
        { text: "pick up the lettuce", probability: 0.25 },
        { text: "serve nothing", probability: 0.0625 },
        { text: "chop nothing", probability: 0.0625 },
      ],
    },
    { prompt: "You hold a chopped tomato.", visits: 6, actions: [{ text: "serve", probability: 0.875 }, { text: "wait", probability: 0.125 }] },
    { prompt: "You hold a [tomato](command:x).", visits: 3, actions: [{ text: "chop *it*", probability: 0.5 }, { text: "wait", probability: 0.5 }] },
    { prompt: "Fourth state.", visits: 2, actions: [{ text: "wait", probability: 1 }] },
  ],
};
