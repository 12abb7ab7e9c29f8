/** `TimeLimit`: truncates the episode after a maximum number of steps. */
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { InvalidArgumentError } from '../errors.js';
import { Wrapper } from './wrapper.js';

/**
 * Sets `truncated = true` on the step that reaches `maxEpisodeSteps` (a step that also terminates stays terminated;
 * both flags may then be true, as in Gymnasium).
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  /** The step limit. */
  readonly maxEpisodeSteps: number;
  #elapsed = 0;

  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new InvalidArgumentError(
        `TimeLimit needs a positive integer maxEpisodeSteps, got ${maxEpisodeSteps}`,
      );
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.#elapsed;
  }

  override reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    this.#elapsed = 0;
    return this.env.reset(args);
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    this.#elapsed += 1;
    if (this.#elapsed >= this.maxEpisodeSteps) return { ...result, truncated: true };
    return result;
  }
}
