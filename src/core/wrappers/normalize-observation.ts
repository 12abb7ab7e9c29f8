/** `NormalizeObservation`: scales numeric observations to roughly zero mean and unit variance, online. */
import type { Env } from '../env.js';
import { SpaceError } from '../errors.js';
import { Box } from '../spaces/box.js';
import type { Space } from '../spaces/space.js';
import { ObservationWrapper } from './wrapper.js';

/**
 * Keeps a running mean and variance of each observation element (Welford/Chan's parallel update, as Gymnasium's
 * `RunningMeanStd`, starting from a count of `epsilon`) and returns `(obs - mean) / sqrt(var + epsilon)` as a
 * `Float32Array`. Needs a `Box` observation space (wrap in `FlattenObservation` first for structured ones). Set
 * `updateStatistics = false` to freeze the statistics for evaluation.
 */
export class NormalizeObservation<Act> extends ObservationWrapper<Float32Array, Act, ArrayLike<number>> {
  /** Whether new observations update the running statistics. */
  updateStatistics = true;
  readonly epsilon: number;
  readonly #mean: Float64Array;
  readonly #var: Float64Array;
  #count: number;
  readonly #space: Box;

  constructor(env: Env<ArrayLike<number>, Act>, options: { epsilon?: number } = {}) {
    super(env);
    const inner = env.observationSpace as Space;
    if (!(inner instanceof Box)) {
      throw new SpaceError(
        'NOT_A_BOX',
        `NormalizeObservation needs a Box observation space, got ${inner.toString()}: wrap the env in FlattenObservation first`,
      );
    }
    this.epsilon = options.epsilon ?? 1e-8;
    this.#mean = new Float64Array(inner.size);
    this.#var = new Float64Array(inner.size).fill(1);
    this.#count = this.epsilon;
    this.#space = new Box({ low: -Infinity, high: Infinity, shape: [...inner.shape], dtype: 'float32' });
  }

  override get observationSpace(): Space<Float32Array> {
    return this.#space as unknown as Space<Float32Array>;
  }

  /** The running mean of each element. */
  get mean(): Float64Array {
    return this.#mean;
  }

  /** The running variance of each element. */
  get variance(): Float64Array {
    return this.#var;
  }

  /** How many observations the statistics hold (plus `epsilon`). */
  get count(): number {
    return this.#count;
  }

  observation(inner: ArrayLike<number>): Float32Array {
    if (this.updateStatistics) this.#update(inner);
    const out = new Float32Array(inner.length);
    for (let i = 0; i < inner.length; i++) {
      out[i] =
        ((inner[i] as number) - (this.#mean[i] as number)) /
        Math.sqrt((this.#var[i] as number) + this.epsilon);
    }
    return out;
  }

  override observe(): Float32Array {
    // observe() has no side effect: it normalises with the current statistics without updating them.
    const frozen = this.updateStatistics;
    this.updateStatistics = false;
    try {
      return super.observe();
    } finally {
      this.updateStatistics = frozen;
    }
  }

  #update(x: ArrayLike<number>): void {
    const total = this.#count + 1;
    for (let i = 0; i < x.length; i++) {
      const mean = this.#mean[i] as number;
      const delta = (x[i] as number) - mean;
      this.#mean[i] = mean + delta / total;
      const m2 = (this.#var[i] as number) * this.#count + delta * delta * (this.#count / total);
      this.#var[i] = m2 / total;
    }
    this.#count = total;
  }
}
