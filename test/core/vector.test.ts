import { afterEach, describe, expect, it } from 'vitest';
import { CART_POLE_ID } from '../../envs/classic-control/register.js';
import { VectorEnvError } from '../../src/core/errors.js';
import { defaultRegistry, make } from '../../src/core/registry.js';
import { createRng } from '../../src/core/rng.js';
import { AsyncVectorEnv } from '../../src/core/vector/async-vector-env.js';
import { batchInfos } from '../../src/core/vector/batch-info.js';
import { makeVec } from '../../src/core/vector/make-vec.js';
import { SyncVectorEnv } from '../../src/core/vector/sync-vector-env.js';
import type { VectorEnv } from '../../src/core/vector/vector-env.js';
import { WalkEnv } from './helpers/envs.js';

const open: VectorEnv<unknown, unknown>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.close()));
});

async function vec(
  mode: 'sync' | 'async',
  numEnvs: number,
  autoresetMode?: 'next-step' | 'same-step' | 'disabled',
) {
  const env = await makeVec<Float32Array, number>(CART_POLE_ID, {
    numEnvs,
    vectorizationMode: mode,
    ...(autoresetMode ? { autoresetMode } : {}),
  });
  open.push(env as VectorEnv<unknown, unknown>);
  return env;
}

/** Steps a vector env with seeded random actions and returns a line per step. */
async function record(env: VectorEnv<Float32Array, number>, steps: number): Promise<string[]> {
  const rng = createRng(99);
  const lines: string[] = [];
  const { observations } = await env.reset({ seed: 10 });
  lines.push(observations.map((o) => Array.from(o).join(',')).join(' | '));
  for (let i = 0; i < steps; i++) {
    const actions = Array.from({ length: env.numEnvs }, () => rng.integer(0, 2));
    const r = await env.step(actions);
    lines.push(
      `${r.observations.map((o) => Array.from(o).join(',')).join(' | ')} ${Array.from(r.rewards)} ${r.terminations} ${r.truncations}`,
    );
  }
  return lines;
}

describe('vector environments', () => {
  it('seed copy i with seed + i, the same as a single env reset with that seed', async () => {
    const env = await vec('sync', 3);
    const { observations } = await env.reset({ seed: 5 });
    const single = await make<Float32Array, number>(CART_POLE_ID);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(observations[i] as Float32Array)).toEqual(
        Array.from((await single.reset({ seed: 5 + i })).observation),
      );
    }
    const explicit = await env.reset({ seed: [7, 6, 5] });
    expect(Array.from(explicit.observations[2] as Float32Array)).toEqual(
      Array.from(observations[0] as Float32Array),
    );
  });

  it('gives the same 200 steps in sync and async mode', async () => {
    const sync = await record(await vec('sync', 4), 200);
    const asyncLines = await record(await vec('async', 4), 200);
    expect(asyncLines).toEqual(sync);
    expect(asyncLines.some((line) => line.includes('true'))).toBe(true);
  });

  it('next-step autoreset: the step after the end resets with reward 0 and ignores the action', async () => {
    const env = await vec('sync', 1);
    await env.reset({ seed: 1 });
    let r = await env.step([1]);
    while (!r.terminations[0]) r = await env.step([1]);
    const after = await env.step([1]);
    expect(after.rewards[0]).toBe(0);
    expect(after.terminations[0]).toBe(false);
    const fresh = await make<Float32Array, number>(CART_POLE_ID);
    await fresh.reset({ seed: 1 });
    expect(Math.abs((after.observations[0] as Float32Array)[0] as number)).toBeLessThanOrEqual(0.05);
  });

  it('same-step autoreset: the ending step returns the new first observation and the final one in info', async () => {
    const env = await vec('async', 2, 'same-step');
    await env.reset({ seed: 1 });
    let r = await env.step([1, 1]);
    while (!r.terminations[0]) r = await env.step([1, 1]);
    const info = r.infos as { finalObservation: unknown[]; _finalObservation: boolean[] };
    expect(info._finalObservation[0]).toBe(true);
    const final = info.finalObservation[0] as Float32Array;
    expect(Math.abs(final[2] as number)).toBeGreaterThan(0.2);
    expect(Math.abs((r.observations[0] as Float32Array)[2] as number)).toBeLessThanOrEqual(0.05);
  });

  it('disabled autoreset: stepping a finished copy fails until it is reset by mask', async () => {
    const env = await vec('sync', 2, 'disabled');
    await env.reset({ seed: 1 });
    let r = await env.step([1, 0]);
    while (!r.terminations[0] && !r.terminations[1]) r = await env.step([1, 0]);
    const finished = r.terminations.map(Boolean);
    const stuck = finished.indexOf(true);
    env.send([1], [stuck]);
    await expect(env.recv()).rejects.toThrow(/autoreset is disabled/);
    const before = await env.reset({ options: { resetMask: finished.map((f) => !f) } });
    const reset = await env.reset({ options: { resetMask: finished } });
    expect(reset.observations).toHaveLength(2);
    const other = 1 - stuck;
    expect(Array.from(reset.observations[other] as Float32Array)).toEqual(
      Array.from(before.observations[other] as Float32Array),
    );
    await expect(env.step([1, 0])).resolves.toBeDefined();
  });

  it('send/recv steps a subset and returns copies as they finish, with their env ids', async () => {
    const env = await vec('async', 4);
    await env.reset({ seed: 0 });
    env.send([1, 0], [3, 1]);
    const first = await env.recv({ batchSize: 1 });
    expect(first.envIds).toHaveLength(1);
    expect([1, 3]).toContain(first.envIds[0]);
    const rest = await env.recv();
    expect([...first.envIds, ...rest.envIds].sort()).toEqual([1, 3]);
    expect(() => env.send([1], [9])).toThrow(/out of range/);
    env.send([1], [2]);
    expect(() => env.send([0], [2])).toThrow(/still stepping/);
    await env.recv();
    await expect(env.recv()).rejects.toThrow(/without a pending send/);
  });

  it('batches infos in Gymnasium shape with presence masks', () => {
    const batched = batchInfos([{ a: 1, episode: { return: 3 } }, undefined, { a: 2 }]);
    expect(batched).toEqual({
      a: [1, undefined, 2],
      _a: [true, false, true],
      episode: { return: [3, undefined, undefined], _return: [true, false, false] },
      _episode: [true, false, false],
    });
  });

  it('reports errors from copies with the copy index, and refuses use after close', async () => {
    const env = await vec('async', 2);
    await env.reset({ seed: 0 });
    await expect(env.step([0, 7])).rejects.toThrow(/copy 1: .*InvalidActionError/);
    await expect(env.step([0])).rejects.toThrow(/needs 2 actions/);
    await env.close();
    await env.close();
    await expect(env.reset()).rejects.toThrow(VectorEnvError);
  });

  it('needs an entry module to rebuild custom envs in workers, and reports copies that fail to start', async () => {
    if (!defaultRegistry.has('test/VecWalk-v0')) {
      defaultRegistry.register({ id: 'test/VecWalk-v0', entryPoint: () => new WalkEnv() });
    }
    await expect(AsyncVectorEnv.create({ id: 'test/VecWalk-v0', numEnvs: 2 })).rejects.toThrow(/entryModule/);
    await expect(
      AsyncVectorEnv.create({ id: 'test/VecWalk-v0', numEnvs: 1, imports: ['node:path'] }),
    ).rejects.toThrow(/copy 0: .*UNKNOWN_ENV_ID/);
  });

  it('wraps prebuilt envs synchronously and checks their spaces match', async () => {
    const env = new SyncVectorEnv([new WalkEnv(), new WalkEnv()]);
    open.push(env as VectorEnv<unknown, unknown>);
    const { observations } = await env.reset({ seed: 3 });
    expect(observations).toHaveLength(2);
    expect(env.observationSpace.toString()).toMatch(/^Tuple/);
    const cartPole = await make(CART_POLE_ID);
    expect(() => new SyncVectorEnv([new WalkEnv(), cartPole as never])).toThrow(/other spaces/);
    expect(() => new SyncVectorEnv([])).toThrow(/at least one/);
  });
});
