/**
 * Core benchmark: steps per second of the reference environment bare and through `make`'s wrapper stack, and of
 * synchronous vs asynchronous vector environments with 1, 2, 4 and 8 copies (environment steps per second, i.e.
 * batch steps × copies). Actions are drawn from a seeded generator; episodes autoreset.
 */
import { Bench } from 'tinybench';
import { CartPoleEnv } from '../envs/classic-control/cart-pole.js';
import { CART_POLE_ID } from '../envs/classic-control/register.js';
import type { Env } from '../src/core/env.js';
import { make } from '../src/core/registry.js';
import { createRng } from '../src/core/rng.js';
import { makeVec } from '../src/core/vector/make-vec.js';
import type { VectorEnv } from '../src/core/vector/vector-env.js';
import { SLOW_CART_POLE_ID, WORK_MS } from './slow-cart-pole.js';

/** Steps per benchmark iteration. Task functions are `async` arrows: tinybench calls a plain function once unawaited to
 * detect whether it is async, which would overlap two loops on one environment. */
const STEPS_PER_TASK = 1_000;

async function stepLoop(env: Env<Float32Array, number>): Promise<void> {
  const rng = createRng(1);
  for (let i = 0; i < STEPS_PER_TASK; i++) {
    const { terminated, truncated } = await env.step(rng.integer(0, 2));
    if (terminated || truncated) await env.reset();
  }
}

async function vectorLoop(env: VectorEnv<Float32Array, number>, batches: number): Promise<void> {
  const rng = createRng(1);
  for (let i = 0; i < batches; i++) {
    await env.step(Array.from({ length: env.numEnvs }, () => rng.integer(0, 2)));
  }
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function vectorTable(id: string, copies: readonly number[], stepsPerTask: number): Promise<string[]> {
  const lines = [
    row(['copies', 'SyncVectorEnv', 'AsyncVectorEnv (worker threads)']),
    row(['---:', '---:', '---:']),
  ];
  for (const numEnvs of copies) {
    const cells: (string | number)[] = [numEnvs];
    for (const vectorizationMode of ['sync', 'async'] as const) {
      const env = await makeVec<Float32Array, number>(id, { numEnvs, vectorizationMode });
      await env.reset({ seed: 0 });
      const batches = Math.max(20, Math.round(stepsPerTask / numEnvs));
      const bench = new Bench({ time: 2_000, warmupTime: 300 });
      bench.add(vectorizationMode, async () => vectorLoop(env, batches));
      await bench.run();
      const result = bench.tasks[0]?.result as { throughput: { mean: number } };
      cells.push(Math.round(result.throughput.mean * batches * numEnvs).toLocaleString('en'));
      await env.close();
    }
    lines.push(row(cells));
  }
  return lines;
}

/** Runs the benchmark and returns its results as markdown tables. */
export async function run(): Promise<string> {
  const bare = new CartPoleEnv();
  const wrapped = await make<Float32Array, number>(CART_POLE_ID);
  await bare.reset({ seed: 0 });
  await wrapped.reset({ seed: 0 });
  const single = new Bench({ time: 2_000, warmupTime: 300 });
  single.add('CartPoleEnv, bare', async () => stepLoop(bare));
  single.add("make('classic/CartPole-v1') (checker + order enforcing + time limit)", async () =>
    stepLoop(wrapped),
  );
  await single.run();
  const lines = [
    '### One environment',
    '',
    row(['environment', 'steps/s', '± %']),
    row(['---', '---:', '---:']),
  ];
  for (const task of single.tasks) {
    const result = task.result as { throughput: { mean: number; rme: number }; error?: Error };
    if (result.error) throw result.error;
    lines.push(
      row([
        task.name,
        Math.round(result.throughput.mean * STEPS_PER_TASK).toLocaleString('en'),
        result.throughput.rme.toFixed(1),
      ]),
    );
  }

  lines.push('', '### Vector environments (CartPole, environment steps/s)', '');
  lines.push(...(await vectorTable(CART_POLE_ID, [1, 2, 4, 8], STEPS_PER_TASK)));
  lines.push(
    '',
    `### Vector environments (CartPole + ${WORK_MS} ms of CPU work per step, environment steps/s)`,
    '',
  );
  lines.push(...(await vectorTable(SLOW_CART_POLE_ID, [1, 2, 4], 200)));
  await bare.close();
  await wrapped.close();
  return lines.join('\n');
}
