/** `SyncVectorEnv`: copies of an environment stepped one after the other in this thread. */
import type { Env, ResetResult, StepResult } from '../env.js';
import { VectorEnvError } from '../errors.js';
import { AutoresetCopy, type AutoresetMode } from './autoreset.js';
import { VectorEnv } from './vector-env.js';

/** Options shared by the vector environments. */
export interface VectorEnvOptions {
  /** What happens when a copy's episode ends; default `next-step`. */
  autoresetMode?: AutoresetMode;
}

/**
 * Runs every copy in the calling thread. Cheapest for fast environments (no message passing); `send`/`recv` still
 * work, with copies finishing in the order they were sent.
 */
export class SyncVectorEnv<Obs = unknown, Act = unknown> extends VectorEnv<Obs, Act> {
  readonly #copies: AutoresetCopy<Obs, Act>[];

  /** Wraps already built environments; all must have equal spaces. */
  constructor(envs: readonly Env<Obs, Act>[], options: VectorEnvOptions = {}) {
    const first = envs[0];
    if (first === undefined)
      throw new VectorEnvError('INVALID_ARGUMENT', 'a vector environment needs at least one copy');
    envs.forEach((env, i) => {
      if (
        !env.observationSpace.equals(first.observationSpace) ||
        !env.actionSpace.equals(first.actionSpace)
      ) {
        throw new VectorEnvError(
          'SPACE_MISMATCH',
          `copy ${i} has other spaces than copy 0: every copy must be the same environment`,
        );
      }
    });
    const mode = options.autoresetMode ?? 'next-step';
    super(envs.length, first.observationSpace, first.actionSpace, mode);
    this.#copies = envs.map((env, i) => new AutoresetCopy(env, mode, i));
  }

  /** Builds the copies from factories (Gymnasium's `env_fns`), in order. */
  static async create<Obs, Act>(
    envFns: readonly (() => Env<Obs, Act> | Promise<Env<Obs, Act>>)[],
    options: VectorEnvOptions = {},
  ): Promise<SyncVectorEnv<Obs, Act>> {
    const envs: Env<Obs, Act>[] = [];
    for (const envFn of envFns) envs.push(await envFn());
    return new SyncVectorEnv(envs, options);
  }

  /** The wrapped environments, in copy order. */
  get envs(): Env<Obs, Act>[] {
    return this.#copies.map((copy) => copy.env);
  }

  protected resetCopy(
    index: number,
    seed: number | undefined,
    options: Record<string, unknown> | undefined,
  ): Promise<ResetResult<Obs>> {
    return this.#copy(index).reset(seed, options);
  }

  protected stepCopy(index: number, action: Act): Promise<StepResult<Obs>> {
    return this.#copy(index).step(action);
  }

  protected async observeCopy(index: number): Promise<Obs> {
    return this.#copy(index).env.observe();
  }

  protected async closeCopies(): Promise<void> {
    await Promise.all(this.#copies.map((copy) => copy.env.close()));
  }

  #copy(index: number): AutoresetCopy<Obs, Act> {
    return this.#copies[index] as AutoresetCopy<Obs, Act>;
  }
}
