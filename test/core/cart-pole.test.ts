import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../envs/classic-control/cart-pole.js';
import { CART_POLE_ID } from '../../envs/classic-control/register.js';
import { CartPoleBalancePolicy } from '../../policies/classic/cart-pole-balance.js';
import { RandomPolicy } from '../../policies/random.js';
import { checkEnv } from '../../src/core/check-env.js';
import { InvalidActionError, InvalidArgumentError, ResetNeededError } from '../../src/core/errors.js';
import { make } from '../../src/core/registry.js';
import { createRng } from '../../src/core/rng.js';
import { rolloutEpisode } from '../../src/runner/rollout.js';

async function trajectory(seed: number, steps: number): Promise<string> {
  const env = await make<Float32Array, number>(CART_POLE_ID);
  const rng = createRng(seed);
  const lines = [Array.from((await env.reset({ seed })).observation).join(',')];
  for (let i = 0; i < steps; i++) {
    const { observation, reward, terminated, truncated } = await env.step(env.actionSpace.sample(rng));
    lines.push(`${Array.from(observation).join(',')} ${reward} ${terminated} ${truncated}`);
    if (terminated || truncated) lines.push(Array.from((await env.reset()).observation).join(','));
  }
  await env.close();
  return lines.join('\n');
}

describe('classic/CartPole-v1', () => {
  it('passes checkEnv through make', async () => {
    const env = await make(CART_POLE_ID);
    const report = await checkEnv(env);
    expect(report.passed).toEqual(
      expect.arrayContaining(['reset', 'reset seeding', 'step', 'observe', 'determinism', 'seed divergence']),
    );
  });

  it('is deterministic over 1000 seeds: the same seed and actions give the same 60 steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 40 }), async (seed) => {
        expect(await trajectory(seed, 60)).toBe(await trajectory(seed, 60));
      }),
      { numRuns: 1000 },
    );
  });

  it('starts in [-0.05, 0.05] and different seeds start differently', async () => {
    const env = new CartPoleEnv();
    const starts = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const { observation } = await env.reset({ seed });
      for (const value of observation) expect(Math.abs(value)).toBeLessThanOrEqual(0.05);
      starts.add(Array.from(observation).join(','));
    }
    expect(starts.size).toBe(50);
  });

  it("follows Gymnasium's Euler dynamics for one step", async () => {
    const env = new CartPoleEnv();
    const [x, xDot, theta, thetaDot] = Array.from((await env.reset({ seed: 3 })).observation);
    const { observation } = await env.step(1);
    // x and theta advance by tau times the previous velocities (Euler); xDot grows when pushing right.
    expect(observation[0]).toBeCloseTo((x as number) + 0.02 * (xDot as number), 6);
    expect(observation[2]).toBeCloseTo((theta as number) + 0.02 * (thetaDot as number), 6);
    expect(observation[1] as number).toBeGreaterThan(xDot as number);
    expect(observation[3] as number).toBeLessThan(thetaDot as number);
  });

  it('terminates when the pole falls, rewarding every step including the last', async () => {
    const env = new CartPoleEnv();
    await env.reset({ seed: 1 });
    let steps = 0;
    let result = await env.step(1);
    steps += 1;
    while (!result.terminated) {
      expect(result.reward).toBe(1);
      result = await env.step(1);
      steps += 1;
    }
    expect(result.reward).toBe(1);
    expect(steps).toBeLessThan(60);
    await expect(env.step(1)).rejects.toThrow(ResetNeededError);
  });

  it('scores 0 per step and -1 on failure with suttonBartoReward', async () => {
    const env = await make<Float32Array, number>(CART_POLE_ID, { suttonBartoReward: true });
    await env.reset({ seed: 1 });
    let result = await env.step(0);
    let total = result.reward;
    while (!result.terminated) {
      result = await env.step(0);
      total += result.reward;
    }
    expect(total).toBe(-1);
  });

  it('rejects invalid actions and kwargs with typed errors', async () => {
    const env = new CartPoleEnv();
    await env.reset({ seed: 0 });
    await expect(env.step(2)).rejects.toThrow(InvalidActionError);
    await expect(make(CART_POLE_ID, { suttonBarto: true })).rejects.toThrow(/suttonBarto|Unrecognized key/);
    await expect(make(CART_POLE_ID, { suttonBartoReward: 'yes' })).rejects.toThrow(InvalidArgumentError);
    expect(() => new CartPoleEnv().observe()).toThrow(ResetNeededError);
  });

  it('is balanced for 500 steps by the PD controller and not by random actions', async () => {
    const env = await make<Float32Array, number>(CART_POLE_ID);
    for (let seed = 0; seed < 5; seed++) {
      const balanced = await rolloutEpisode(env, new CartPoleBalancePolicy(), { seed });
      expect(balanced).toMatchObject({ return: 500, length: 500, truncated: true, terminated: false });
    }
    const random = await rolloutEpisode(env, new RandomPolicy<Float32Array, number>(), { seed: 0 });
    expect(random.terminated).toBe(true);
    expect(random.return).toBeLessThan(100);
  });

  it('renders one text line', async () => {
    const env = new CartPoleEnv();
    await env.reset({ seed: 0 });
    expect(env.render()).toMatch(/^\|[─■]{41}\| {2}pole -?\d+\.\d°$/);
  });
});
