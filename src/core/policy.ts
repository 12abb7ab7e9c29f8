/**
 * The policy contract and the policy registry. A policy maps an observation (and the step's info, the action space
 * and a seeded generator) to an action; learning agents also receive each transition through `update`. Policies are
 * registered by name so that the CLI and the runner can find them (`--policy random`).
 */
import type { Info } from './env.js';
import { PolicyError } from './errors.js';
import { globalSingleton } from './global-singleton.js';
import type { Rng } from './rng.js';
import type { Space } from './spaces/space.js';
import { closestNames } from './suggest.js';

/** What a policy sees besides the observation when it acts. */
export interface ActContext<Act> {
  /** The info of the last `reset` or `step` (e.g. `actionMask`). */
  info: Info;
  /** The action space of the environment. */
  actionSpace: Space<Act>;
  /** A generator seeded from the episode's seed: a policy's randomness must come from it. */
  rng: Rng;
}

/** One step of experience, handed to learning policies. */
export interface Transition<Obs, Act> {
  observation: Obs;
  action: Act;
  reward: number;
  nextObservation: Obs;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/** A policy: anything with a name and an `act` method. */
export interface Policy<Obs = unknown, Act = unknown> {
  /** The registered name (or a descriptive one for ad-hoc policies). */
  readonly name: string;
  /** Called at the start of each episode with the episode's seed. */
  reset?(seed: number | undefined): void | Promise<void>;
  /** Chooses the next action. */
  act(observation: Obs, context: ActContext<Act>): Act | Promise<Act>;
  /** Learns from one transition (learning agents only). */
  update?(transition: Transition<Obs, Act>): void | Promise<void>;
  /** Releases resources (model clients, worker threads…). */
  close?(): void | Promise<void>;
}

/** How a named policy is built. */
export interface PolicyRegistration {
  /** The name used by `makePolicy` and `--policy`. */
  name: string;
  /** One sentence shown by `sim-arena policies`. */
  description: string;
  /** Builds a fresh policy from options. */
  create(options: Record<string, unknown>): Policy | Promise<Policy>;
}

/** Shared through `globalThis` so that the ESM and CJS builds loaded together see the same policies. */
const policies = globalSingleton('sim-arena.policies', () => new Map<string, PolicyRegistration>());

/** Registers a named policy; a name can be registered once. */
export function registerPolicy(registration: PolicyRegistration): void {
  if (policies.has(registration.name)) {
    throw new PolicyError(
      'DUPLICATE_POLICY',
      `a policy named ${JSON.stringify(registration.name)} is already registered`,
    );
  }
  policies.set(registration.name, registration);
}

/** Builds a registered policy; an unknown name fails with the closest names suggested. */
export async function makePolicy(name: string, options: Record<string, unknown> = {}): Promise<Policy> {
  const registration = policies.get(name);
  if (registration) return registration.create(options);
  const closest = closestNames(policies.keys(), name);
  const hint = closest.length > 0 ? ` Did you mean ${closest.join(', ')}?` : ' No policy is registered yet.';
  throw new PolicyError('UNKNOWN_POLICY', `no policy is registered as ${JSON.stringify(name)}.${hint}`);
}

/** Every registered policy, sorted by name. */
export function listPolicies(): PolicyRegistration[] {
  return [...policies.values()].sort((a, b) => a.name.localeCompare(b.name));
}
