/**
 * `rl-studio` command-line entry point (bundled to dist/cli.js, the package's `bin`).
 * All behaviour lives in program.ts; this file only connects it to the process.
 */
import { runCli } from "./program.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain (a piped `--json` line must not be cut off), then exit: a backend may hold handles open.
    process.stdout.write("", () => process.exit(code));
  },
  (err: unknown) => {
    // runCli reports every error itself; reaching here is a bug in the CLI.
    process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
