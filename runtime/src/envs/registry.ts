/**
 * The built-in environments, as Gymnasium registers them: each id maps to its spec and a
 * constructor, and `makeEnv` wraps the env in `TimeLimit` with the spec's `maxEpisodeSteps`
 * (what `gymnasium.make` does for these ids).
 */
import type { Env, EnvSpec } from "./types.js";
import { CARTPOLE_SPEC, CartPoleEnv } from "./cartpole.js";
import { ACROBOT_SPEC, AcrobotEnv } from "./acrobot.js";
import { MOUNTAIN_CAR_SPEC, MountainCarEnv } from "./mountain-car.js";
import { MOUNTAIN_CAR_CONTINUOUS_SPEC, MountainCarContinuousEnv } from "./mountain-car-continuous.js";
import { PENDULUM_SPEC, PendulumEnv } from "./pendulum.js";
import { TOMATO_LETTUCE_SALAD_SPEC, TOMATO_SALAD_SPEC, TomatoLettuceSaladEnv, TomatoSaladEnv } from "./text/overcooked-env.js";
import { ENTERTAINMENT_SPEC, EntertainmentEnv, FOOD_PREPARATION_SPEC, FoodPreparationEnv } from "./text/virtualhome-env.js";
import { TimeLimit } from "./time-limit.js";
import { levenshtein } from "../util/levenshtein.js";

interface Registration {
  spec: EnvSpec;
  /** The bare env, without TimeLimit. */
  create: () => Env;
}

const REGISTRATIONS: readonly Registration[] = [
  { spec: CARTPOLE_SPEC, create: () => new CartPoleEnv() as Env },
  { spec: ACROBOT_SPEC, create: () => new AcrobotEnv() as Env },
  { spec: MOUNTAIN_CAR_SPEC, create: () => new MountainCarEnv() as Env },
  { spec: MOUNTAIN_CAR_CONTINUOUS_SPEC, create: () => new MountainCarContinuousEnv() as Env },
  { spec: PENDULUM_SPEC, create: () => new PendulumEnv() as Env },
  // TWOSOME's text tasks (Tan et al., ICLR 2024): a vector observation and a text view (env.text).
  { spec: TOMATO_SALAD_SPEC, create: () => new TomatoSaladEnv() as Env },
  { spec: TOMATO_LETTUCE_SALAD_SPEC, create: () => new TomatoLettuceSaladEnv() as Env },
  { spec: FOOD_PREPARATION_SPEC, create: () => new FoodPreparationEnv() as Env },
  { spec: ENTERTAINMENT_SPEC, create: () => new EntertainmentEnv() as Env },
];

const BY_ID = new Map(REGISTRATIONS.map((r) => [r.spec.id, r]));

/** Specs of every built-in env, in registration order. */
export const ENV_SPECS: readonly EnvSpec[] = REGISTRATIONS.map((r) => r.spec);

/** The built-in env ids, in registration order. */
export function envIds(): string[] {
  return REGISTRATIONS.map((r) => r.spec.id);
}

/** The spec registered under exactly this id, or undefined. */
export function getEnvSpec(id: string): EnvSpec | undefined {
  return BY_ID.get(id)?.spec;
}

/**
 * A new instance of the built-in env `id`, wrapped in `TimeLimit(spec.maxEpisodeSteps)`.
 * Throws on an unknown id with the known ids and, when one is close, a "did you mean".
 */
export function makeEnv(id: string): Env {
  const registration = BY_ID.get(id);
  if (!registration) {
    const suggestion = suggestEnvId(id);
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : "";
    throw new Error(`Unknown environment id "${id}".${hint} Known ids: ${envIds().join(", ")}.`);
  }
  return new TimeLimit(registration.create(), registration.spec.maxEpisodeSteps);
}

/**
 * The registered id closest to `id` by edit distance, ignoring case and allowing the version
 * suffix to be left out ("cartpole" → "CartPole-v1"); undefined when nothing is close
 * (more than max(2, ⌈length/3⌉) edits away).
 */
export function suggestEnvId(id: string): string | undefined {
  const query = id.trim().toLowerCase();
  if (query.length === 0) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of envIds()) {
    const lower = known.toLowerCase();
    const unversioned = lower.replace(/-v\d+$/, "");
    const distance = Math.min(levenshtein(query, lower), levenshtein(query, unversioned));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = known;
    }
  }
  const allowed = Math.max(2, Math.ceil(query.length / 3));
  return bestDistance <= allowed ? best : undefined;
}
