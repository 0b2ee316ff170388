/**
 * What a command registered from its own module (export-tb, sweep) needs from `runCli`: the
 * streams, the `--json` switch and the exit code it reports, and Ctrl-C handling.
 */
import type { CliIo } from "./program.js";

export interface CommandContext {
  io: CliIo;
  /** A line (or lines) on stdout: the result. */
  out: (text: string) => void;
  /** A line on stderr: progress and notices. */
  err: (text: string) => void;
  /** The command was given `--json`: errors are reported as JSON too. */
  setJson: (json: boolean) => void;
  setExitCode: (code: number) => void;
  /** First Ctrl-C aborts `controller` (printing `message`); a second exits at once. Returns the unhook. */
  interruptible: (controller: AbortController, message: string) => () => void;
}
