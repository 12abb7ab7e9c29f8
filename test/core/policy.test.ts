import { describe, expect, it } from 'vitest';
import { CART_POLE_ID } from '../../envs/classic-control/register.js';
import { RandomPolicy } from '../../policies/random.js';
import { registerPolicies } from '../../policies/register.js';
import { InvalidActionError, PolicyError } from '../../src/core/errors.js';
import { listPolicies, makePolicy, type Policy, registerPolicy } from '../../src/core/policy.js';
import { make } from '../../src/core/registry.js';
import { createRng } from '../../src/core/rng.js';
import { Discrete } from '../../src/core/spaces/discrete.js';
import { rolloutEpisode } from '../../src/runner/rollout.js';

describe('policies', () => {
  it('finds shipped policies by name and suggests close names', async () => {
    registerPolicies();
    registerPolicies();
    expect(listPolicies().map((p) => p.name)).toEqual(expect.arrayContaining(['random', 'cartpole-balance']));
    expect((await makePolicy('random')).name).toBe('random');
    await expect(makePolicy('rnadom')).rejects.toThrow(/Did you mean random/);
    expect(() =>
      registerPolicy({ name: 'random', description: '', create: () => new RandomPolicy() }),
    ).toThrow(PolicyError);
  });

  it('random honours the action mask and its seeded generator', () => {
    const policy = new RandomPolicy<unknown, number>();
    const actionSpace = new Discrete(5);
    const mask = Uint8Array.of(0, 1, 0, 1, 0);
    const draws = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () =>
        policy.act(null, { actionSpace, info: { actionMask: mask }, rng }),
      );
    };
    expect(new Set(draws(1))).toEqual(new Set([1, 3]));
    expect(draws(1)).toEqual(draws(1));
  });

  it('rollouts feed learning policies every transition and stop on invalid actions', async () => {
    const env = await make<Float32Array, number>(CART_POLE_ID);
    const seen: number[] = [];
    const learner: Policy<Float32Array, number> = {
      name: 'counting',
      act: () => 0,
      update: (t) => {
        seen.push(t.reward);
      },
    };
    const result = await rolloutEpisode(env, learner, { seed: 3 });
    expect(seen).toHaveLength(result.length);
    expect(result.terminated).toBe(true);
    const broken: Policy<Float32Array, number> = { name: 'broken', act: () => 9 };
    await expect(rolloutEpisode(env, broken, { seed: 3 })).rejects.toThrow(InvalidActionError);
    const capped = await rolloutEpisode(
      env,
      { name: 'balance', act: (o) => ((o[2] as number) > 0 ? 1 : 0) },
      { seed: 0, maxSteps: 10 },
    );
    expect(capped).toMatchObject({ length: 10, truncated: true });
  });
});
