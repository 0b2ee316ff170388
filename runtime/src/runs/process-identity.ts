/**
 * Which process wrote a run's status.json, recorded so that another process (the editor, a
 * second terminal) can tell "the trainer is still alive" from "its pid now belongs to some other
 * program", and knows whether the trainer stops gracefully on Ctrl-C.
 *
 * Why the start time. A pid alone is not an identity: once the trainer exits, the OS may hand the
 * same number to an unrelated process, and signalling that one would be a real harm. The pair
 * (pid, the OS's record of when that process started) is unique for the life of the machine: a
 * reused pid has a later start time. The writer reads its own start time through exactly the
 * same OS interface the checker later uses and the checker compares the two strings for equality,
 * so no clock conversion, time zone, suspend or NTP adjustment can make them differ:
 *
 *   Linux     `/proc/<pid>/stat` field 22 (start time in clock ticks since boot) with the boot id
 *             (`/proc/sys/kernel/random/boot_id`), so a pid and tick count from before a reboot
 *             never match; a trainer in another pid namespace (a container) never matches either.
 *   macOS/BSD `ps -o lstart= -p <pid>` with LC_ALL=C and TZ=UTC (one-second resolution: a pid
 *             would have to be recycled within the same second as the trainer's start).
 *   Windows   none (null): RL Studio cannot signal another process gracefully there anyway.
 *
 * The other choices were weaker: a random token in status.json cannot be read back from the
 * live process; the files a process holds open (`/proc/<pid>/fd`) exist only between appends and
 * only on Linux; a command line (`rl-studio train …`) is shared by every run started the same way.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** What status.json records about its writer (`RunStatus.writer`). */
export interface WriterIdentity {
  /** The OS's start time of the writer's process (`processStartToken`); null where it cannot be read. */
  startToken: string | null;
  /**
   * The writer stops its run gracefully on SIGINT (the CLI while it trains: checkpoint, status
   * "stopped", exit 130). The editor's runtime process does not: SIGINT would kill it.
   */
  stopsOnSigint: boolean;
  /** The script the process runs (e.g. "cli.js", "runtime.js"), for messages. */
  entry: string;
}

/**
 * The start time field of a `/proc/<pid>/stat` line, or null. The command name (field 2) is in
 * parentheses and may itself hold spaces and parentheses, so fields are counted after the last ")".
 */
export function parseProcStatStartTime(stat: string): string | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  // After ")": field 3 (state) is index 0, so field 22 (starttime) is index 19.
  const fields = stat.slice(close + 1).trim().split(/\s+/);
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

let bootId: string | null | undefined;

/** The OS's record of when process `pid` started, as an opaque string; null when it cannot be read (no such process, Windows, no /proc). */
export function processStartToken(pid: number, platform: NodeJS.Platform = process.platform): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (platform === "win32") return null;
  if (platform === "linux") {
    try {
      const start = parseProcStatStartTime(readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (start === null) return null;
      if (bootId === undefined) {
        try {
          bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
        } catch {
          bootId = null;
        }
      }
      return `linux:${bootId ?? "?"}:${start}`;
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      env: { ...process.env, LC_ALL: "C", TZ: "UTC" },
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2000,
    }).trim();
    return out === "" ? null : `ps:${out}`;
  } catch {
    // ps exits 1 when there is no such process.
    return null;
  }
}

let selfToken: string | null | undefined;
let sigintStops = 0;

/**
 * Declare that this process now stops its training gracefully on SIGINT (the CLI calls it when
 * it hooks Ctrl-C); status.json written meanwhile says so. Returns the function that withdraws it.
 */
export function declareSigintStop(): () => void {
  sigintStops++;
  let withdrawn = false;
  return () => {
    if (withdrawn) return;
    withdrawn = true;
    sigintStops--;
  };
}

let inherited: WriterIdentity | null = null;

/**
 * In a worker thread that writes status.json for its owner (the trainer worker): record the owning
 * thread's identity — the process is the same, but the script and the Ctrl-C handling are the owner's.
 */
export function inheritWriter(owner: WriterIdentity): void {
  inherited = owner;
}

/** This process as status.json records it. */
export function currentWriter(): WriterIdentity {
  if (inherited) return inherited;
  if (selfToken === undefined) selfToken = processStartToken(process.pid);
  return { startToken: selfToken, stopsOnSigint: sigintStops > 0, entry: basename(process.argv[1] ?? process.argv0) };
}

/**
 * Whether `pid` is still the process `writer` describes: true (same start time), false (the pid
 * now names another process, or none), null when it cannot be told (nothing recorded, or the OS
 * does not say).
 */
export function isSameProcess(pid: number, writer: WriterIdentity | undefined, probe: (pid: number) => string | null = processStartToken): boolean | null {
  if (!writer?.startToken) return null;
  const now = probe(pid);
  if (now === null) return null;
  return now === writer.startToken;
}

/** Linux reports /proc times in USER_HZ ticks, fixed at 100 per second by the kernel's user ABI. */
const USER_HZ = 100;
let bootTimeMs: number | null | undefined;

/**
 * When process `pid` started, in milliseconds since the epoch (to about a second: the boot time
 * Linux gives is whole seconds), or null when it cannot be read. Unlike `processStartToken` this is
 * comparable with times written in files (status.json's `updatedAt`), which is what an older
 * status.json without a writer token can be checked against: a process that started after the file
 * was last written did not write it.
 */
export function processStartTimeMs(pid: number, platform: NodeJS.Platform = process.platform): number | null {
  if (!Number.isInteger(pid) || pid <= 0 || platform === "win32") return null;
  if (platform === "linux") {
    try {
      const ticks = parseProcStatStartTime(readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (ticks === null) return null;
      if (bootTimeMs === undefined) {
        const m = /^btime\s+(\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
        bootTimeMs = m ? Number(m[1]) * 1000 : null;
      }
      return bootTimeMs === null ? null : bootTimeMs + (Number(ticks) / USER_HZ) * 1000;
    } catch {
      return null;
    }
  }
  const token = processStartToken(pid, platform);
  // `ps -o lstart=` under TZ=UTC, LC_ALL=C: "Mon Jan  1 12:00:00 2024".
  const m = token === null ? null : /^ps:\w+\s+(\w+)\s+(\d+)\s+(\d+:\d+:\d+)\s+(\d+)$/.exec(token);
  if (!m) return null;
  const ms = Date.parse(`${m[1]} ${m[2]} ${m[4]} ${m[3]} UTC`);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Whether the live process `pid` started after `writtenAt` (an ISO time a writer recorded), so it
 * cannot be that writer: true, false, or null when either time is unknown. `slackMs` absorbs the
 * start time's resolution.
 */
export function startedAfter(pid: number, writtenAt: string | undefined, startTime: (pid: number) => number | null = processStartTimeMs, slackMs = 2_000): boolean | null {
  const written = writtenAt ? Date.parse(writtenAt) : NaN;
  if (!Number.isFinite(written)) return null;
  const started = startTime(pid);
  if (started === null) return null;
  return started > written + slackMs;
}
