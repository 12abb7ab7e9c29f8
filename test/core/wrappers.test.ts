import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CartPoleEnv } from '../../envs/classic-control/cart-pole.js';
import { BaseEnv, type ResetArgs } from '../../src/core/env.js';
import { EnvCheckError, InvalidActionError, ResetNeededError, SpaceError } from '../../src/core/errors.js';
import { Box } from '../../src/core/spaces/box.js';
import { Dict } from '../../src/core/spaces/dict.js';
import { Discrete } from '../../src/core/spaces/discrete.js';
import { Structured } from '../../src/core/spaces/structured.js';
import { DiscreteActions } from '../../src/core/wrappers/discrete-actions.js';
import { FlattenObservation } from '../../src/core/wrappers/flatten-observation.js';
import { NormalizeObservation } from '../../src/core/wrappers/normalize-observation.js';
import { OrderEnforcing } from '../../src/core/wrappers/order-enforcing.js';
import { PassiveEnvChecker } from '../../src/core/wrappers/passive-env-checker.js';
import { RecordEpisodeStatistics } from '../../src/core/wrappers/record-episode-statistics.js';
import { TimeLimit } from '../../src/core/wrappers/time-limit.js';
import { OutOfSpaceEnv, WalkEnv } from './helpers/envs.js';

const command = z.object({ type: z.enum(['left', 'right', 'stay']), steps: z.number().int().min(1).max(2) });
type Command = z.infer<typeof command>;

/** A walk with structured actions and a Dict observation; "left" is forbidden at position 1 (masked). */
class CommandWalkEnv extends BaseEnv<{ position: number; side: Float32Array }, Command> {
  readonly observationSpace = new Dict({
    position: new Discrete(11),
    side: new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' }),
  });
  readonly actionSpace = new Structured(command, { name: 'command' });
  #position = 5;

  enumerateActions(): readonly Command[] {
    return (['left', 'right', 'stay'] as const).flatMap((type) => [1, 2].map((steps) => ({ type, steps })));
  }

  actionMask(actions: readonly Command[]): Uint8Array {
    return Uint8Array.from(actions, (a) => (a.type === 'left' && this.#position - a.steps < 1 ? 0 : 1));
  }

  async reset(args: ResetArgs = {}) {
    this.reseed(args.seed);
    this.#position = this.rng.integer(3, 8);
    return { observation: this.observe(), info: {} };
  }

  async step(action: Command) {
    const delta = action.type === 'left' ? -action.steps : action.type === 'right' ? action.steps : 0;
    this.#position = Math.max(0, Math.min(10, this.#position + delta));
    const terminated = this.#position === 10;
    return {
      observation: this.observe(),
      reward: terminated ? 1 : 0,
      terminated,
      truncated: false,
      info: {},
    };
  }

  observe() {
    return { position: this.#position, side: Float32Array.of(this.#position < 5 ? -1 : 1, 0) };
  }
}

describe('TimeLimit', () => {
  it('truncates at the limit and counts from each reset', async () => {
    const env = new TimeLimit(new WalkEnv(), 3);
    await env.reset({ seed: 0 });
    const flags = [];
    for (let i = 0; i < 3; i++) flags.push((await env.step(2)).truncated);
    expect(flags).toEqual([false, false, true]);
    expect(env.elapsedSteps).toBe(3);
    await env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(() => new TimeLimit(new WalkEnv(), 0)).toThrow(/positive integer/);
  });

  it('keeps terminated when the last step also ends the task', async () => {
    const env = new TimeLimit(new WalkEnv(), 100);
    await env.reset({ seed: 0 });
    let result = await env.step(1);
    while (!result.terminated) result = await env.step(1);
    expect(result).toMatchObject({ terminated: true, truncated: false });
  });
});

describe('OrderEnforcing', () => {
  it('throws ResetNeededError before reset and after the episode ends', async () => {
    const env = new OrderEnforcing(new TimeLimit(new WalkEnv(), 2));
    await expect(env.step(0)).rejects.toThrow(ResetNeededError);
    expect(() => env.observe()).toThrow(/before reset/);
    expect(() => env.render()).toThrow(ResetNeededError);
    await env.reset({ seed: 1 });
    expect(env.hasReset).toBe(true);
    await env.step(2);
    expect((await env.step(2)).truncated).toBe(true);
    await expect(env.step(2)).rejects.toThrow(/after the episode ended/);
    await env.reset();
    await expect(env.step(2)).resolves.toBeDefined();
  });
});

describe('PassiveEnvChecker', () => {
  it('rejects observations outside the space and non-finite rewards on first use', async () => {
    const env = new PassiveEnvChecker(new OutOfSpaceEnv());
    await expect(env.reset({ seed: 0 })).rejects.toThrow(EnvCheckError);
    const stepping = new PassiveEnvChecker(new OutOfSpaceEnv());
    const error = await stepping
      .reset({ seed: 0 })
      .catch(() => stepping.step(0))
      .catch((e: unknown) => e);
    expect((error as EnvCheckError).failures.join('\n')).toMatch(/reward NaN/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('adds info.episode on the final step and keeps bounded queues', async () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new WalkEnv(), 4), { bufferLength: 2 });
    for (let episode = 0; episode < 3; episode++) {
      await env.reset({ seed: episode });
      let result = await env.step(2);
      expect(result.info.episode).toBeUndefined();
      while (!result.terminated && !result.truncated) result = await env.step(2);
      expect(result.info.episode).toMatchObject({ return: 0, length: 4 });
      expect((result.info.episode as { timeMs: number }).timeMs).toBeGreaterThanOrEqual(0);
    }
    expect(env.returnQueue).toEqual([0, 0]);
    expect(env.lengthQueue).toEqual([4, 4]);
  });
});

describe('FlattenObservation', () => {
  it('flattens a Dict observation (one-hot Discrete + Box) into a Float32Array', async () => {
    const env = new FlattenObservation(new CommandWalkEnv());
    expect(env.observationSpace.toString()).toMatch(/Box/);
    const { observation } = await env.reset({ seed: 2 });
    expect(observation).toBeInstanceOf(Float32Array);
    expect(observation.length).toBe(13);
    expect(observation.slice(0, 11).reduce((a, b) => a + b, 0)).toBe(1);
    expect(env.observationSpace.contains(observation)).toBe(true);
    expect(Array.from(env.observe())).toEqual(Array.from(observation));
  });

  it('refuses spaces that cannot be flattened', () => {
    const env = new CommandWalkEnv();
    const structuredObs = { ...env, observationSpace: env.actionSpace } as unknown as CommandWalkEnv;
    expect(() => new FlattenObservation(structuredObs)).toThrow(SpaceError);
  });
});

describe('DiscreteActions', () => {
  it('enumerates structured actions as Discrete(n) and reports the mask', async () => {
    const env = new DiscreteActions(new CommandWalkEnv());
    expect(env.actionSpace.toString()).toBe('Discrete(6)');
    const { info } = await env.reset({ seed: 0 });
    const mask = info.actionMask as Uint8Array;
    expect(mask).toHaveLength(6);
    expect(env.action(2)).toEqual({ type: 'right', steps: 1 });
    const result = await env.step(3);
    expect(result.info.actionMask).toBeInstanceOf(Uint8Array);
    expect(() => env.action(6)).toThrow(InvalidActionError);
  });

  it('masks actions the environment forbids', async () => {
    const env = new DiscreteActions(new CommandWalkEnv());
    await env.reset({ seed: 0 });
    while ((env.unwrapped as CommandWalkEnv).observe().position > 1) await env.step(1);
    expect(Array.from(env.actionMask())).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it('accepts an explicit action list and needs one for plain environments', () => {
    const env = new DiscreteActions(new WalkEnv(), { actions: [0, 2, 5] });
    expect(Array.from(env.actionMask())).toEqual([1, 1, 0]);
    expect(() => new DiscreteActions(new WalkEnv())).toThrow(/enumerateActions/);
  });
});

describe('NormalizeObservation', () => {
  it('converges to zero mean and unit variance', async () => {
    const env = new NormalizeObservation(new CartPoleEnv());
    const normalized: Float32Array[] = [];
    for (let seed = 0; seed < 200; seed++) normalized.push((await env.reset({ seed })).observation);
    expect(env.count).toBeCloseTo(200, 3);
    const late = normalized.slice(100);
    for (let i = 0; i < 4; i++) {
      const mean = late.reduce((s, o) => s + (o[i] as number), 0) / late.length;
      expect(Math.abs(mean)).toBeLessThan(0.3);
    }
  });

  it('does not update statistics in observe() or when frozen', async () => {
    const env = new NormalizeObservation(new CartPoleEnv());
    await env.reset({ seed: 0 });
    const count = env.count;
    env.observe();
    expect(env.count).toBe(count);
    env.updateStatistics = false;
    await env.reset({ seed: 1 });
    expect(env.count).toBe(count);
  });

  it('needs a Box observation space', () => {
    expect(() => new NormalizeObservation(new CommandWalkEnv() as never)).toThrow(/FlattenObservation/);
  });
});

describe('Wrapper', () => {
  it('forwards close once to the environment and names the chain', async () => {
    const walk = new WalkEnv();
    const env = new TimeLimit(new OrderEnforcing(walk), 5);
    await env.close();
    await env.close();
    expect(walk.closeCount).toBe(1);
    expect(String(env)).toMatch(/^TimeLimit<OrderEnforcing</);
  });
});
