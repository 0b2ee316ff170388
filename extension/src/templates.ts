/**
 * New Experiment templates: the experiment files in `examples/` (shipped in the VSIX), so what
 * `RL Studio: New Experiment` writes is exactly what the runtime's tests and benchmarks train —
 * hyperparameters tuned for wall time included. Only the experiment's `name` is replaced.
 */
export interface ExperimentTemplate {
  id: "cartpole" | "acrobot" | "pendulum" | "custom";
  label: string;
  detail: string;
  defaultName: string;
  /** File under `examples/`. */
  file: string;
}

export const TEMPLATES: readonly ExperimentTemplate[] = [
  { id: "cartpole", label: "CartPole-v1", detail: "Balance a pole on a cart (discrete actions). Solved at a mean return of 475.", defaultName: "cartpole", file: "cartpole.rl.ts" },
  { id: "acrobot", label: "Acrobot-v1", detail: "Swing a two-link chain above the bar (discrete torque). Solved at −100.", defaultName: "acrobot", file: "acrobot.rl.ts" },
  { id: "pendulum", label: "Pendulum-v1", detail: "Swing up and hold an inverted pendulum (continuous torque).", defaultName: "pendulum", file: "pendulum.rl.ts" },
  { id: "custom", label: "Custom environment", detail: "A skeleton with an environment class written in the experiment file itself.", defaultName: "my-env", file: "custom-env.rl.ts" },
];

/** The example's source with its experiment `name` set to `name` (the first `name: "…"` property). */
export function renderTemplate(source: string, name: string): string {
  const pattern = /^(\s*name:\s*)(["'])[^"'\n]*\2/m;
  if (!pattern.test(source)) throw new Error("template has no `name: \"…\"` property");
  return source.replace(pattern, (_m, prefix: string) => `${prefix}${JSON.stringify(name)}`);
}

export function validateExperimentName(name: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return "Use 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit.";
  return null;
}
