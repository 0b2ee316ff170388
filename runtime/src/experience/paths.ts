/**
 * Where the lifelong experience store lives: `<workspace>/.rl-studio/experience/<env>/`, one
 * folder per env id, beside the workspace's runs.
 */
import { join } from "node:path";
import { findWorkspaceRoot, STATE_DIR } from "../runs/run-id.js";

export const SEGMENT_SUFFIX = ".rlx";

/** `<workspace>/.rl-studio/experience` for the workspace of `experimentPath`. */
export function defaultExperienceRoot(experimentPath: string): string {
  return join(findWorkspaceRoot(experimentPath), STATE_DIR, "experience");
}

/** The env's folder: its id with anything but letters, digits, `.`, `_` and `-` replaced (env ids are Gymnasium-style already). */
export function envFolder(root: string, envId: string): string {
  const safe = envId.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_");
  return join(root, safe.length > 0 ? safe : "_");
}

/** The writer session a segment file belongs to (`<start ms>-<session>-<seq>.rlx`), or null for a foreign name. */
export function sessionOfSegment(name: string): string | null {
  const m = /^\d+-([0-9a-f]+)-\d+\.rlx$/.exec(name);
  return m ? m[1]! : null;
}
