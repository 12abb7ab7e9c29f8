/**
 * The environment contract, following Gymnasium 1.x.
 *
 * An episode starts with {@link Env.reset} and advances with {@link Env.step} until the step reports
 * `terminated` (the task reached a true end state: success or failure, as the environment defines it) or
 * `truncated` (the episode was cut off from outside, by a time limit for instance). After either, the episode is
 * over and the next call must be `reset`; stepping a finished episode is an error (see `OrderEnforcing`).
 *
 * Seeding: `reset({ seed })` reseeds the environment's generator; `reset()` without a seed keeps drawing from the
 * current generator (or seeds from the OS entropy on the very first reset). The same seed and the same actions give
 * identical episodes, step after step.
 */
import type { EnvSpec } from './env-spec.js';
import { createRng, entropySeed, type Rng } from './rng.js';
import type { Space } from './spaces/space.js';

/** Extra information an environment reports next to an observation: diagnostics, never needed to act. */
export type Info = Record<string, unknown>;

/** Arguments of {@link Env.reset}. */
export interface ResetArgs {
  /** Reseeds the environment; omit it to continue the current random stream. */
  seed?: number;
  /** Environment-specific options for this episode (which task, which trace…). */
  options?: Record<string, unknown>;
}

/** What {@link Env.reset} returns. */
export interface ResetResult<Obs> {
  observation: Obs;
  info: Info;
}

/** What {@link Env.step} returns. */
export interface StepResult<Obs> {
  observation: Obs;
  /** The reward of this transition. */
  reward: number;
  /** The episode reached a terminal state of the task (success or failure). */
  terminated: boolean;
  /** The episode was cut off from outside the task (time limit…). */
  truncated: boolean;
  info: Info;
}

/** Static facts about an environment (Gymnasium's `metadata`). */
export interface EnvMetadata {
  /** Render modes the environment supports (`ansi` for text). */
  renderModes?: readonly string[];
  /** Any other static fact the environment wants to publish. */
  [key: string]: unknown;
}

/**
 * A reinforcement-learning environment with observations of type `Obs` and actions of type `Act`.
 */
export interface Env<Obs = unknown, Act = unknown> {
  /** The space every observation belongs to. */
  readonly observationSpace: Space<Obs>;
  /** The space every valid action belongs to. */
  readonly actionSpace: Space<Act>;
  /** Static facts about the environment. */
  readonly metadata: EnvMetadata;
  /** The registration this environment was made from, when it came from `make`. */
  spec: EnvSpec | undefined;
  /** Starts a new episode and returns its first observation. */
  reset(args?: ResetArgs): Promise<ResetResult<Obs>>;
  /** Applies one action and returns the transition. */
  step(action: Act): Promise<StepResult<Obs>>;
  /** The current observation, without side effect (after `reset`). */
  observe(): Obs;
  /** A text rendering of the current state, when the environment supports `ansi`. */
  render?(): string;
  /** Releases resources; calling it again does nothing. */
  close(): Promise<void>;
  /** The innermost environment under all wrappers (the environment itself when unwrapped). */
  readonly unwrapped: Env;
}

/**
 * A convenient base for environments: holds the seeded generator ({@link BaseEnv.rng}) and implements `unwrapped`,
 * `spec`, `metadata` and an idempotent `close`. Subclasses call `this.reseed(args.seed)` first in their `reset`.
 */
export abstract class BaseEnv<Obs, Act> implements Env<Obs, Act> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata = {};
  spec: EnvSpec | undefined = undefined;
  #rng: Rng | undefined;
  #closed = false;

  /** The environment's seeded generator; reseeded by `reset({ seed })`. */
  protected get rng(): Rng {
    if (this.#rng === undefined) this.#rng = createRng(entropySeed());
    return this.#rng;
  }

  /** Seeds the generator when a seed is given (Gymnasium's `super().reset(seed=seed)`). */
  protected reseed(seed: number | undefined): void {
    if (seed !== undefined) this.#rng = createRng(seed);
  }

  abstract reset(args?: ResetArgs): Promise<ResetResult<Obs>>;
  abstract step(action: Act): Promise<StepResult<Obs>>;
  abstract observe(): Obs;

  get unwrapped(): Env {
    return this as Env;
  }

  /** Whether `close` has been called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.onClose();
  }

  /** Releases the subclass's resources; called once by `close`. */
  protected async onClose(): Promise<void> {}
}
