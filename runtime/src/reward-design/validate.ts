/**
 * Validation of candidates before anyone sees them: static checks (one expression, known names,
 * real observation fields), then execution on sample transitions in the sandbox process.
 */
import { checkComponent } from "./check-code.js";
import type { RawCandidate } from "./schema.js";
import type { TransitionLayout } from "./sandbox.js";
import { runInSandbox, type ComponentStats, type SandboxRunOptions } from "./sandbox-worker.js";

export type CandidateCheck =
  | { ok: true; candidate: RawCandidate; stats: Record<string, ComponentStats> }
  | { ok: false; candidate: RawCandidate; reason: string };

/** Check every candidate; one result per candidate, in order. Rejects only on abort, or when the sandbox process cannot start at all. */
export async function validateCandidates(
  candidates: readonly RawCandidate[],
  layout: TransitionLayout,
  samples: readonly (readonly number[])[],
  options: SandboxRunOptions = {},
): Promise<CandidateCheck[]> {
  const results: (CandidateCheck | undefined)[] = candidates.map((candidate) => {
    const problems = candidate.components.flatMap((c) => checkComponent(c.name, c.code, layout.fields));
    const names = candidate.components.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) problems.unshift({ component: duplicate, message: `two components are named "${duplicate}"; names must differ` });
    if (problems.length === 0) return undefined;
    return { ok: false, candidate, reason: problems.map((p) => `component "${p.component}": ${p.message}`).join("; ") };
  });
  const toRun = candidates.map((c, i) => ({ c, i })).filter(({ i }) => results[i] === undefined);
  const sandboxed = await runInSandbox(
    toRun.map(({ c }) => ({ components: c.components, layout, samples })),
    options,
  );
  toRun.forEach(({ c, i }, j) => {
    const r = sandboxed[j]!;
    if (r.ok) {
      results[i] = { ok: true, candidate: c, stats: r.stats };
    } else {
      const who = r.component ? `component "${r.component}"` : "the reward";
      const where = r.sampleIndex !== undefined ? ` on sample transition ${r.sampleIndex + 1} of ${samples.length}` : "";
      results[i] = { ok: false, candidate: c, reason: `${who} failed${where}: ${r.error}` };
    }
  });
  return results as CandidateCheck[];
}
