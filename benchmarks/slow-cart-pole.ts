/**
 * `bench/SlowCartPole-v0`: CartPole whose every step also burns 0.5 ms of CPU, standing in for an environment with
 * real work per step (a simulator, a sandbox round trip). Registered on import, with this file as its entry module so
 * that `AsyncVectorEnv` workers can rebuild it.
 */
import { performance } from 'node:perf_hooks';
import { CartPoleEnv } from '../envs/classic-control/cart-pole.js';
import type { StepResult } from '../src/core/env.js';
import { defaultRegistry } from '../src/core/registry.js';

/** The id registered by this module. */
export const SLOW_CART_POLE_ID = 'bench/SlowCartPole-v0';
/** CPU time burnt per step, in milliseconds. */
export const WORK_MS = 0.5;

class SlowCartPoleEnv extends CartPoleEnv {
  override async step(action: number): Promise<StepResult<Float32Array>> {
    const until = performance.now() + WORK_MS;
    while (performance.now() < until) {
      // busy: the point is to occupy a core, as real per-step work does
    }
    return super.step(action);
  }
}

if (!defaultRegistry.has(SLOW_CART_POLE_ID)) {
  defaultRegistry.register({
    id: SLOW_CART_POLE_ID,
    entryPoint: () => new SlowCartPoleEnv(),
    maxEpisodeSteps: 500,
    entryModule: import.meta.url,
    description: `CartPole with ${WORK_MS} ms of CPU work per step (benchmarks only).`,
  });
}
