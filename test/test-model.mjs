// The test model every suite uses: stories260K (llama2.c TinyStories, 1.2 MB GGUF), found at
// RL_STUDIO_TEST_MODEL or, by default, `<repo>/../shared/models/stories260K.gguf`. One lookup for
// the integration tests (TypeScript), the end-to-end tests (.mjs) and the benchmarks.
//
// The rule (README, "Test"): under CI=true a missing test model FAILS the test that needs it; elsewhere
// that test is skipped with a message saying where the model was looked for. Tests that do not need
// the model never depend on it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Absolute path of the test model (it may not exist: see `missingTestModel`). */
export const TEST_MODEL = path.resolve(process.env.RL_STUDIO_TEST_MODEL || path.join(REPO, "..", "shared", "models", "stories260K.gguf"));

/** True under CI (`CI=true`), where nothing a test needs may be missing. */
export const IN_CI = process.env.CI === "true";

/** Why the test model cannot be used, or null when it is there. */
export function missingTestModel() {
  return fs.existsSync(TEST_MODEL) ? null : `test model not found at ${TEST_MODEL} (set RL_STUDIO_TEST_MODEL to the path of stories260K.gguf)`;
}

/**
 * Call at the start of a test that needs the model: returns its path. When it is missing, throws
 * under CI=true (the test fails), and otherwise marks the test skipped with the reason and returns
 * null (the caller leaves out what needs the model).
 */
export function requireTestModel(t) {
  const why = missingTestModel();
  if (why === null) return TEST_MODEL;
  if (IN_CI) throw new Error(`${why}; under CI=true a missing test model is a failure, not a skip`);
  t.skip(why);
  return null;
}
