/**
 * One copy of a vector environment with its autoreset rule applied. Both vector environments use it: the synchronous
 * one in-process, the asynchronous one inside each worker thread, so the two behave identically.
 */
import type { Env, Info, ResetResult, StepResult } from '../env.js';
import { VectorEnvError } from '../errors.js';

/**
 * What happens when a copy's episode ends (Gymnasium 1.x `AutoresetMode`):
 * - `next-step` (default): the finishing step returns the final observation; the copy's next `step` ignores its action,
 *   resets the copy and returns the first observation of the new episode with reward 0 and both flags false.
 * - `same-step`: the finishing step resets at once and returns the new episode's first observation; the final
 *   observation and info are in `info.finalObservation` and `info.finalInfo`.
 * - `disabled`: nothing is reset; stepping a finished copy is an error until `reset({ options: { resetMask } })`.
 */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** The autoreset modes, for validation and help texts. */
export const AUTORESET_MODES: readonly AutoresetMode[] = ['next-step', 'same-step', 'disabled'];

/** A single environment driven with an autoreset rule. */
export class AutoresetCopy<Obs, Act> {
  readonly env: Env<Obs, Act>;
  readonly mode: AutoresetMode;
  readonly index: number;
  #needsReset = true;
  #hasReset = false;

  constructor(env: Env<Obs, Act>, mode: AutoresetMode, index: number) {
    this.env = env;
    this.mode = mode;
    this.index = index;
  }

  /** Resets the copy (with a seed when given). */
  async reset(
    seed: number | undefined,
    options: Record<string, unknown> | undefined,
  ): Promise<ResetResult<Obs>> {
    const result = await this.env.reset({
      ...(seed === undefined ? {} : { seed }),
      ...(options ? { options } : {}),
    });
    this.#needsReset = false;
    this.#hasReset = true;
    return result;
  }

  /** Steps the copy, applying the autoreset rule. */
  async step(action: Act): Promise<StepResult<Obs>> {
    if (!this.#hasReset) {
      throw new VectorEnvError(
        'RESET_NEEDED',
        `copy ${this.index}: call reset() on the vector environment before step()`,
      );
    }
    if (this.#needsReset) {
      if (this.mode === 'disabled') {
        throw new VectorEnvError(
          'RESET_NEEDED',
          `copy ${this.index} finished its episode and autoreset is disabled: reset it with reset({ options: { resetMask } })`,
        );
      }
      const { observation, info } = await this.reset(undefined, undefined);
      return { observation, reward: 0, terminated: false, truncated: false, info };
    }
    const result = await this.env.step(action);
    if (!result.terminated && !result.truncated) return result;
    if (this.mode !== 'same-step') {
      this.#needsReset = true;
      return result;
    }
    const next = await this.reset(undefined, undefined);
    const info: Info = { ...next.info, finalObservation: result.observation, finalInfo: result.info };
    return { ...result, observation: next.observation, info };
  }
}
