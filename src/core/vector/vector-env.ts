/**
 * The vector-environment contract: `numEnvs` copies of one environment stepped as a batch. `step(actions)` steps
 * every copy and returns results in copy order; `send(actions, envIds)` / `recv({ batchSize })` step a subset and
 * return whichever copies finish first, so slow copies do not hold fast ones back.
 *
 * Seeds: `reset({ seed })` resets copy i with `seed + i` (or with `seed[i]` when an array is given).
 */
import type { Info, ResetResult, StepResult } from '../env.js';
import { VectorEnvError } from '../errors.js';
import type { Space } from '../spaces/space.js';
import { Tuple } from '../spaces/tuple.js';
import type { AutoresetMode } from './autoreset.js';
import { type BatchedInfo, batchInfos } from './batch-info.js';

/** Arguments of {@link VectorEnv.reset}. */
export interface VectorResetArgs {
  /** Copy i is reset with `seed + i`, or `seed[i]` when an array of `numEnvs` seeds is given. */
  seed?: number | readonly number[];
  /**
   * Options handed to every copy's `reset`. `resetMask` (booleans, one per copy) resets only the marked copies; the
   * others keep their current episode (their current observation is returned).
   */
  options?: Record<string, unknown> & { resetMask?: readonly boolean[] };
}

/** What {@link VectorEnv.reset} returns: one observation per copy and the batched infos. */
export interface VectorResetResult<Obs> {
  observations: Obs[];
  infos: BatchedInfo;
}

/** What `step` and `recv` return. For `recv`, arrays follow `envIds`; for `step`, copy order. */
export interface VectorStepResult<Obs> {
  /** The copies these results belong to, in the order of the other arrays. */
  envIds: number[];
  observations: Obs[];
  rewards: Float64Array;
  terminations: boolean[];
  truncations: boolean[];
  /** Batched per {@link batchInfos}, with one slot per entry of `envIds`. */
  infos: BatchedInfo;
}

/**
 * The machinery shared by the synchronous and asynchronous vector environments; subclasses say how one copy is
 * reset, stepped, observed and closed.
 */
export abstract class VectorEnv<Obs = unknown, Act = unknown> {
  /** The number of copies. */
  readonly numEnvs: number;
  /** The observation space of one copy. */
  readonly singleObservationSpace: Space<Obs>;
  /** The action space of one copy. */
  readonly singleActionSpace: Space<Act>;
  /** `Tuple` of `numEnvs` single observation spaces. */
  readonly observationSpace: Tuple;
  /** `Tuple` of `numEnvs` single action spaces: `step` takes one action per copy. */
  readonly actionSpace: Tuple;
  /** The autoreset rule of every copy. */
  readonly autoresetMode: AutoresetMode;
  readonly #pending = new Map<number, Promise<StepSettled<Obs>>>();
  #closed = false;

  protected constructor(
    numEnvs: number,
    observationSpace: Space<Obs>,
    actionSpace: Space<Act>,
    mode: AutoresetMode,
  ) {
    this.numEnvs = numEnvs;
    this.singleObservationSpace = observationSpace;
    this.singleActionSpace = actionSpace;
    this.observationSpace = new Tuple(Array.from({ length: numEnvs }, () => observationSpace));
    this.actionSpace = new Tuple(Array.from({ length: numEnvs }, () => actionSpace));
    this.autoresetMode = mode;
  }

  /** Resets one copy. */
  protected abstract resetCopy(
    index: number,
    seed: number | undefined,
    options: Record<string, unknown> | undefined,
  ): Promise<ResetResult<Obs>>;
  /** Steps one copy (with autoreset applied). */
  protected abstract stepCopy(index: number, action: Act): Promise<StepResult<Obs>>;
  /** The current observation of one copy. */
  protected abstract observeCopy(index: number): Promise<Obs>;
  /** Closes every copy. */
  protected abstract closeCopies(): Promise<void>;

  /** Resets the copies (all of them, or those of `options.resetMask`). */
  async reset(args: VectorResetArgs = {}): Promise<VectorResetResult<Obs>> {
    this.#assertOpen();
    if (this.#pending.size > 0) {
      throw new VectorEnvError('PENDING_STEPS', 'reset() while steps are pending: recv() them first');
    }
    const seeds = this.#seeds(args.seed);
    const { resetMask, ...options } = args.options ?? {};
    if (resetMask !== undefined && resetMask.length !== this.numEnvs) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `resetMask must have ${this.numEnvs} entries, got ${resetMask.length}`,
      );
    }
    const hasOptions = args.options !== undefined && Object.keys(options).length > 0;
    const results = await Promise.all(
      Array.from({ length: this.numEnvs }, async (_, i) => {
        if (resetMask && !resetMask[i]) return { observation: await this.observeCopy(i), info: undefined };
        return this.resetCopy(i, seeds?.[i], hasOptions ? options : undefined);
      }),
    );
    return {
      observations: results.map((r) => r.observation),
      infos: batchInfos(results.map((r) => r.info as Info | undefined)),
    };
  }

  /** Steps every copy with its action and returns the results in copy order. */
  async step(actions: readonly Act[]): Promise<VectorStepResult<Obs>> {
    if (actions.length !== this.numEnvs) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `step() needs ${this.numEnvs} actions (one per copy), got ${actions.length}`,
      );
    }
    this.send(actions);
    const settled = await this.#collect(this.numEnvs);
    return toStepResult(settled.sort((a, b) => a.id - b.id));
  }

  /**
   * Starts stepping the copies `envIds` (default: all) with `actions[k]` for `envIds[k]`. A copy that is already
   * stepping is an error. Results are collected with {@link VectorEnv.recv}.
   */
  send(actions: readonly Act[], envIds?: readonly number[]): void {
    this.#assertOpen();
    const ids = envIds ?? Array.from({ length: this.numEnvs }, (_, i) => i);
    if (ids.length !== actions.length) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `send() got ${actions.length} actions for ${ids.length} env ids`,
      );
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.numEnvs) {
        throw new VectorEnvError('INVALID_ARGUMENT', `env id ${id} is out of range [0, ${this.numEnvs})`);
      }
      if (this.#pending.has(id)) {
        throw new VectorEnvError(
          'PENDING_STEPS',
          `copy ${id} is still stepping: recv() its result before sending again`,
        );
      }
    }
    ids.forEach((id, k) => {
      const started = this.stepCopy(id, actions[k] as Act).then(
        (result): StepSettled<Obs> => ({ id, result }),
        (error: unknown): StepSettled<Obs> => ({ id, error }),
      );
      this.#pending.set(id, started);
    });
  }

  /**
   * Waits until `batchSize` of the pending copies (default: all of them) have finished stepping and returns their
   * results in the order they finished. An error of any copy in the batch is thrown after the batch is collected.
   */
  async recv(options: { batchSize?: number } = {}): Promise<VectorStepResult<Obs>> {
    this.#assertOpen();
    return toStepResult(await this.#collect(options.batchSize ?? this.#pending.size));
  }

  async #collect(batchSize: number): Promise<StepSettled<Obs>[]> {
    if (this.#pending.size === 0)
      throw new VectorEnvError('NOTHING_PENDING', 'recv() without a pending send()');
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > this.#pending.size) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `recv() batchSize must be between 1 and the ${this.#pending.size} pending copies, got ${batchSize}`,
      );
    }
    const settled: StepSettled<Obs>[] = [];
    while (settled.length < batchSize) {
      const next = await Promise.race(this.#pending.values());
      this.#pending.delete(next.id);
      settled.push(next);
    }
    return settled;
  }

  /** Closes every copy; calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#pending.values());
    this.#pending.clear();
    await this.closeCopies();
  }

  #seeds(seed: VectorResetArgs['seed']): readonly number[] | undefined {
    if (seed === undefined) return undefined;
    if (typeof seed === 'number') return Array.from({ length: this.numEnvs }, (_, i) => seed + i);
    if (seed.length !== this.numEnvs) {
      throw new VectorEnvError(
        'INVALID_ARGUMENT',
        `reset() got ${seed.length} seeds for ${this.numEnvs} copies`,
      );
    }
    return seed;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new VectorEnvError('CLOSED', 'this vector environment is closed: create a new one');
  }
}

interface StepSettled<Obs> {
  id: number;
  result?: StepResult<Obs>;
  error?: unknown;
}

function toStepResult<Obs>(settled: readonly StepSettled<Obs>[]): VectorStepResult<Obs> {
  const failed = settled.find((s) => s.error !== undefined);
  if (failed) throw failed.error;
  const results = settled.map((s) => s.result as StepResult<Obs>);
  return {
    envIds: settled.map((s) => s.id),
    observations: results.map((r) => r.observation),
    rewards: Float64Array.from(results, (r) => r.reward),
    terminations: results.map((r) => r.terminated),
    truncations: results.map((r) => r.truncated),
    infos: batchInfos(results.map((r) => r.info)),
  };
}
