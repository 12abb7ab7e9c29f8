/** `FlattenObservation`: structured observations → one `Float32Array`, for neural policies. */
import type { Env } from '../env.js';
import { SpaceError } from '../errors.js';
import { Box } from '../spaces/box.js';
import type { Space } from '../spaces/space.js';
import { ObservationWrapper } from './wrapper.js';

/**
 * Flattens every observation with its space's `flattenInto` (Box values as they are, Discrete one-hot, Dict and
 * Tuple concatenated in declaration order). The new observation space is `Box(-inf, inf, [flatDim], float32)`:
 * bounds are not carried over, since one-hot parts and unbounded parts mix.
 */
export class FlattenObservation<Obs, Act> extends ObservationWrapper<Float32Array, Act, Obs> {
  readonly #flatSpace: Box;
  readonly #inner: Space<Obs>;

  constructor(env: Env<Obs, Act>) {
    super(env);
    this.#inner = env.observationSpace;
    if (!this.#inner.isFlattenable) {
      throw new SpaceError(
        'SPACE_NOT_FLATTENABLE',
        `FlattenObservation cannot flatten ${this.#inner.toString()}: the environment must offer a numeric observation layout`,
      );
    }
    this.#flatSpace = new Box({
      low: -Infinity,
      high: Infinity,
      shape: [this.#inner.flatDim],
      dtype: 'float32',
    });
  }

  override get observationSpace(): Space<Float32Array> {
    return this.#flatSpace as unknown as Space<Float32Array>;
  }

  observation(inner: Obs): Float32Array {
    const out = new Float32Array(this.#flatSpace.size);
    this.#inner.flattenInto(inner, out, 0);
    return out;
  }
}
