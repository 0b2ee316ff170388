/**
 * The real test model (stories260K, llama2.c TinyStories, 1.2 MB) for the integration tests:
 * RL_STUDIO_TEST_MODEL, default `<repo>/../shared/models/stories260K.gguf`. Where it is absent, the
 * tests that need it skip with `skipNoModel`, which says where it was looked for.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const TEST_MODEL = process.env.RL_STUDIO_TEST_MODEL ?? resolve(__dirname, "..", "..", "..", "shared", "models", "stories260K.gguf");

/** `false` when the test model is there, else the skip reason (node:test's `skip` option). */
export const skipNoModel: false | string = existsSync(TEST_MODEL) ? false : `test model not found at ${TEST_MODEL} (set RL_STUDIO_TEST_MODEL to stories260K.gguf)`;
