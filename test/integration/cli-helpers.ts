/**
 * Running the `rl-studio` CLI as a user does, for the integration tests: a child process
 * (`node --import tsx runtime/src/cli/main.ts`), checked by exit code, stdout (the last line is the
 * `--json` result) and stderr; and a throwaway workspace for its run folders.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const REPO = resolve(__dirname, "..", "..");
export const CLI = join(REPO, "runtime", "src", "cli", "main.ts");
// By URL: the children run in temporary workspaces, where a bare "tsx" would not resolve.
const TSX = pathToFileURL(require.resolve("tsx")).href;

export interface CliResult {
  code: number | null;
  /** The signal that ended the CLI, when one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI in `cwd` and returns the child (to signal it) and its result; `env` entries set to undefined are removed. */
export function spawnCli(args: string[], cwd = REPO, env: Record<string, string | undefined> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, RL_STUDIO_DEBUG: "" };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, ["--import", TSX, CLI, ...args], { cwd, env: childEnv });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI in `cwd` to the end; `env` entries set to undefined are removed from the child's environment. */
export function runCli(args: string[], cwd = REPO, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return spawnCli(args, cwd, env).done;
}

/** Polls `check` every 50 ms until it returns a value other than undefined; fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function lastJsonLine(stdout: string): Record<string, any> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, any>;
}

/** A temporary workspace root (a package.json, so runs land in <dir>/.rl-studio/runs), removed after the test. */
export function workspace(t: { after(fn: () => void): void }, prefix = "rls-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), "{}\n");
  return dir;
}
