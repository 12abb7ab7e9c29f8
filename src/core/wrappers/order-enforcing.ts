/** `OrderEnforcing`: stepping before `reset`, or after the episode ended, throws `ResetNeededError`. */
import type { ResetArgs, ResetResult, StepResult } from '../env.js';
import { ResetNeededError } from '../errors.js';
import { Wrapper } from './wrapper.js';

/**
 * Enforces the episode order: `reset` → `step`* until `terminated` or `truncated` → `reset`. `observe` and `render`
 * before the first `reset` throw too. Unlike Gymnasium (which only checks the first `reset`), stepping a finished
 * episode is also an error, because the environment's state after the end is undefined.
 */
export class OrderEnforcing<Obs, Act> extends Wrapper<Obs, Act> {
  #hasReset = false;
  #episodeOver = false;

  /** Whether `reset` has been called at least once. */
  get hasReset(): boolean {
    return this.#hasReset;
  }

  override async reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(args);
    this.#hasReset = true;
    this.#episodeOver = false;
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    if (!this.#hasReset) {
      throw new ResetNeededError(
        'cannot call step() before reset(): call env.reset({ seed }) to start an episode',
      );
    }
    if (this.#episodeOver) {
      throw new ResetNeededError(
        'cannot call step() after the episode ended (terminated or truncated): call env.reset() to start a new one',
      );
    }
    const result = await this.env.step(action);
    if (result.terminated || result.truncated) this.#episodeOver = true;
    return result;
  }

  override observe(): Obs {
    if (!this.#hasReset)
      throw new ResetNeededError('cannot call observe() before reset(): call env.reset() first');
    return this.env.observe();
  }

  override render(): string {
    if (!this.#hasReset)
      throw new ResetNeededError('cannot call render() before reset(): call env.reset() first');
    return super.render();
  }
}
