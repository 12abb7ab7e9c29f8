import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors.js';
import { parseEnvId, Registry } from '../../src/core/registry.js';
import { OrderEnforcing } from '../../src/core/wrappers/order-enforcing.js';
import { PassiveEnvChecker } from '../../src/core/wrappers/passive-env-checker.js';
import { TimeLimit } from '../../src/core/wrappers/time-limit.js';
import { WalkEnv } from './helpers/envs.js';

function registryWithWalk(): Registry {
  const registry = new Registry();
  registry.register({
    id: 'test/Walk-v0',
    entryPoint: () => new WalkEnv(),
    maxEpisodeSteps: 20,
    description: 'a walk',
  });
  return registry;
}

describe('registry', () => {
  it('parses versioned ids and rejects malformed ones with the expected form', () => {
    expect(parseEnvId('simkube/fix-resources-v0')).toEqual({
      namespace: 'simkube',
      name: 'fix-resources',
      version: 0,
    });
    expect(parseEnvId('classic/CartPole-v12')).toEqual({
      namespace: 'classic',
      name: 'CartPole',
      version: 12,
    });
    for (const bad of ['CartPole-v1', 'classic/CartPole', 'classic/CartPole-v', 'a/b/c-v1', '']) {
      expect(() => parseEnvId(bad)).toThrow(/namespace\/name-vN/);
    }
  });

  it('makes environments wrapped as Gymnasium does: checker, order enforcing, time limit', async () => {
    const registry = registryWithWalk();
    const env = await registry.make('test/Walk-v0');
    expect(env).toBeInstanceOf(TimeLimit);
    const order = (env as TimeLimit<unknown, unknown>).env;
    expect(order).toBeInstanceOf(OrderEnforcing);
    expect((order as OrderEnforcing<unknown, unknown>).env).toBeInstanceOf(PassiveEnvChecker);
    expect(env.unwrapped).toBeInstanceOf(WalkEnv);
    expect(env.spec?.id).toBe('test/Walk-v0');
    expect(env.unwrapped.spec?.maxEpisodeSteps).toBe(20);
  });

  it('lets make options change the wrapper stack', async () => {
    const registry = registryWithWalk();
    const bare = await registry.make(
      'test/Walk-v0',
      {},
      { maxEpisodeSteps: null, orderEnforce: false, disableEnvChecker: true },
    );
    expect(bare).toBeInstanceOf(WalkEnv);
    const longer = await registry.make('test/Walk-v0', {}, { maxEpisodeSteps: 99 });
    expect((longer as TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(99);
  });

  it('merges spec kwargs with make kwargs', async () => {
    const registry = new Registry();
    const seen: Record<string, unknown>[] = [];
    registry.register({
      id: 'test/Kw-v1',
      entryPoint: (kwargs) => {
        seen.push(kwargs);
        return new WalkEnv();
      },
      kwargs: { a: 1, b: 2 },
    });
    await registry.make('test/Kw-v1', { b: 3 });
    expect(seen).toEqual([{ a: 1, b: 3 }]);
    expect(registry.spec('test/Kw-v1').kwargs).toEqual({ a: 1, b: 2 });
  });

  it('suggests the closest ids for an unknown one', async () => {
    const registry = registryWithWalk();
    registry.register({ id: 'test/Run-v0', entryPoint: () => new WalkEnv() });
    const error = await registry.make('test/walk-v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('UNKNOWN_ENV_ID');
    expect((error as Error).message).toMatch(/Did you mean test\/Walk-v0/);
    expect(() => new Registry().spec('x/y-v0')).toThrow(/No environment is registered/);
  });

  it('refuses duplicate ids and bad step limits', () => {
    const registry = registryWithWalk();
    expect(() => registry.register({ id: 'test/Walk-v0', entryPoint: () => new WalkEnv() })).toThrow(/-v1/);
    expect(() =>
      registry.register({ id: 'test/Bad-v0', entryPoint: () => new WalkEnv(), maxEpisodeSteps: 0 }),
    ).toThrow(RegistryError);
  });

  it('lists specs sorted by id', () => {
    const registry = registryWithWalk();
    registry.register({ id: 'aaa/First-v0', entryPoint: () => new WalkEnv() });
    expect(registry.listEnvs().map((s) => s.id)).toEqual(['aaa/First-v0', 'test/Walk-v0']);
    expect(registry.has('aaa/First-v0')).toBe(true);
  });
});
