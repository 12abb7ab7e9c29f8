import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../src/core/check-env.js';
import { EnvCheckError } from '../../src/core/errors.js';
import {
  ConstantEnv,
  OutOfSpaceEnv,
  SeedIgnoringEnv,
  SideEffectObserveEnv,
  WalkEnv,
} from './helpers/envs.js';

async function failuresOf(env: Parameters<typeof checkEnv>[0], options = {}): Promise<string> {
  const error = await checkEnv(env, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EnvCheckError);
  return (error as EnvCheckError).failures.join('\n');
}

describe('checkEnv', () => {
  it('passes a well-behaved environment', async () => {
    const report = await checkEnv(new WalkEnv());
    expect(report.passed).toEqual([
      'spaces',
      'reset',
      'reset seeding',
      'step',
      'observe',
      'determinism',
      'seed divergence',
    ]);
  });

  it('catches an environment that ignores its seed', async () => {
    const failures = await failuresOf(new SeedIgnoringEnv());
    expect(failures).toMatch(/reset seeding: reset\(\{ seed: 123 \}\) twice gave different observations/);
    expect(failures).toMatch(/determinism: two runs with seed 0/);
  });

  it('catches observations outside the space and non-finite rewards', async () => {
    const failures = await failuresOf(new OutOfSpaceEnv());
    expect(failures).toMatch(/observation of reset\(\) is not in observationSpace/);
    expect(failures).toMatch(/reward NaN/);
  });

  it('catches observe() with side effects', async () => {
    expect(await failuresOf(new SideEffectObserveEnv())).toMatch(/observe\(\) is not free of side effects/);
  });

  it('catches seeds that never change the episode, unless told it is intended', async () => {
    expect(await failuresOf(new ConstantEnv())).toMatch(
      /seed divergence: seeds 0…8 all gave identical episodes/,
    );
    await expect(checkEnv(new ConstantEnv(), { skipDivergence: true })).resolves.toBeDefined();
  });

  it('rejects objects whose spaces are not spaces', async () => {
    const fake = { ...new WalkEnv(), observationSpace: {}, actionSpace: {} } as unknown as WalkEnv;
    expect(await failuresOf(fake)).toMatch(/observationSpace is not a Space/);
  });
});
