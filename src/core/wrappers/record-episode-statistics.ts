/** `RecordEpisodeStatistics`: adds `info.episode = { return, length, timeMs }` to the last step of each episode. */
import { performance } from 'node:perf_hooks';
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { Wrapper } from './wrapper.js';

/** The statistics of one finished episode. */
export interface EpisodeStatistics {
  /** The sum of the episode's rewards. */
  return: number;
  /** The number of steps of the episode. */
  length: number;
  /** Wall-clock milliseconds from `reset` to the last step. */
  timeMs: number;
}

/**
 * Tracks the running return and length of the episode; on the step that terminates or truncates it, sets
 * `info.episode` and appends the statistics to bounded queues of recent episodes (`returnQueue`, `lengthQueue`).
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  /** The returns of the most recent episodes (at most `bufferLength`). */
  readonly returnQueue: number[] = [];
  /** The lengths of the most recent episodes (at most `bufferLength`). */
  readonly lengthQueue: number[] = [];
  /** How many finished episodes the queues keep. */
  readonly bufferLength: number;
  #return = 0;
  #length = 0;
  #startedAt = 0;

  constructor(env: Env<Obs, Act>, options: { bufferLength?: number } = {}) {
    super(env);
    this.bufferLength = options.bufferLength ?? 100;
  }

  override async reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(args);
    this.#return = 0;
    this.#length = 0;
    this.#startedAt = performance.now();
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    this.#return += result.reward;
    this.#length += 1;
    if (!result.terminated && !result.truncated) return result;
    const episode: EpisodeStatistics = {
      return: this.#return,
      length: this.#length,
      timeMs: performance.now() - this.#startedAt,
    };
    pushBounded(this.returnQueue, episode.return, this.bufferLength);
    pushBounded(this.lengthQueue, episode.length, this.bufferLength);
    return { ...result, info: { ...result.info, episode } };
  }
}

function pushBounded(queue: number[], value: number, bound: number): void {
  queue.push(value);
  if (queue.length > bound) queue.shift();
}
