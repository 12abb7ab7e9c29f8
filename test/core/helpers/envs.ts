/** Small environments for contract tests: a well-behaved one and deliberately broken ones. */
import { BaseEnv, type ResetArgs, type ResetResult, type StepResult } from '../../../src/core/env.js';
import { Box } from '../../../src/core/spaces/box.js';
import { Discrete } from '../../../src/core/spaces/discrete.js';

/**
 * A random walk on 0…10 starting at a seeded position; action 0 moves left, 1 right, 2 stays. Terminates at either
 * end. Rewards +1 at 10 and -1 at 0. Reports `info.position`.
 */
export class WalkEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 10, shape: [1], dtype: 'float32' });
  readonly actionSpace = new Discrete(3);
  protected position = 5;
  closeCount = 0;

  async reset(args: ResetArgs = {}): Promise<ResetResult<Float32Array>> {
    this.reseed(args.seed);
    this.position = this.rng.integer(2, 9);
    return { observation: this.observe(), info: { position: this.position } };
  }

  async step(action: number): Promise<StepResult<Float32Array>> {
    this.position += action === 0 ? -1 : action === 1 ? 1 : 0;
    const terminated = this.position <= 0 || this.position >= 10;
    const reward = this.position >= 10 ? 1 : this.position <= 0 ? -1 : 0;
    return {
      observation: this.observe(),
      reward,
      terminated,
      truncated: false,
      info: { position: this.position },
    };
  }

  observe(): Float32Array {
    return Float32Array.of(this.position);
  }

  protected override async onClose(): Promise<void> {
    this.closeCount += 1;
  }
}

/** Ignores the seed: every reset starts from a position drawn from a counter, so seeds do not reproduce episodes. */
export class SeedIgnoringEnv extends WalkEnv {
  #resets = 0;

  override async reset(): Promise<ResetResult<Float32Array>> {
    this.#resets += 1;
    this.position = 2 + (this.#resets % 7);
    return { observation: this.observe(), info: {} };
  }
}

/** Returns observations outside its space and a NaN reward. */
export class OutOfSpaceEnv extends WalkEnv {
  override observe(): Float32Array {
    return Float32Array.of(42);
  }

  override async step(action: number): Promise<StepResult<Float32Array>> {
    const result = await super.step(action);
    return { ...result, reward: Number.NaN };
  }
}

/** Every `observe()` moves the walker: a side effect the checker must catch. */
export class SideEffectObserveEnv extends WalkEnv {
  override observe(): Float32Array {
    this.position = Math.min(10, this.position + 1);
    return Float32Array.of(this.position);
  }
}

/** Ignores the seed entirely: always starts at 5 and never randomises. */
export class ConstantEnv extends WalkEnv {
  override async reset(): Promise<ResetResult<Float32Array>> {
    this.position = 5;
    return { observation: this.observe(), info: {} };
  }
}
