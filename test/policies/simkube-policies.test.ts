import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../envs/simkube/index.js';
import type { FixResourcesAction } from '../../envs/simkube/env/actions.js';
import type { FixResourcesObservation } from '../../envs/simkube/env/observation.js';
import { FIX_RESOURCES_ID } from '../../envs/simkube/env/register.js';
import type { RewardBreakdown } from '../../envs/simkube/env/rewards.js';
import { registerPolicies } from '../../policies/register.js';
import type { Env } from '../../src/core/env.js';
import { makePolicy, type Policy } from '../../src/core/policy.js';
import { make } from '../../src/core/registry.js';
import { createRng } from '../../src/core/rng.js';
import { rolloutEpisode } from '../../src/runner/rollout.js';

registerPolicies();

type FixEnv = Env<FixResourcesObservation, FixResourcesAction>;
type FixPolicy = Policy<FixResourcesObservation, FixResourcesAction>;

async function episode(policy: string, trace: string) {
  const env = await make<FixResourcesObservation, FixResourcesAction>(FIX_RESOURCES_ID, {
    trace,
    rewardMode: 'gradual',
  });
  const result = await rolloutEpisode(env, (await makePolicy(policy)) as FixPolicy, { seed: 0 });
  await env.close();
  return result;
}

const traces = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sktrace'))
    .map((f) => `${dir}/${f}`);

describe('the heuristic', () => {
  it('fixes every canonical trace in one or two edits, without waste', async () => {
    for (const trace of traces('traces/canonical')) {
      const result = await episode('heuristic', trace);
      expect(result.terminated, trace).toBe(true);
      expect(result.length).toBeLessThanOrEqual(2);
      expect((result.lastInfo.reward as RewardBreakdown).waste).toBe(0);
    }
  });

  it('fixes at least 95 of the 100 bundled generated traces, never wasting resources', async () => {
    let fixed = 0;
    let steps = 0;
    for (const trace of traces('traces/generated')) {
      const result = await episode('heuristic', trace);
      expect((result.lastInfo.reward as RewardBreakdown).waste, trace).toBe(0);
      if (result.terminated) {
        fixed++;
        steps += result.length;
      }
    }
    expect(fixed).toBeGreaterThanOrEqual(95);
    expect(steps / fixed).toBeLessThan(2);
  });

  it('beats every naive baseline on the canonical traces', async () => {
    const solved = async (policy: string) => {
      let count = 0;
      for (const trace of traces('traces/canonical')) if ((await episode(policy, trace)).terminated) count++;
      return count;
    };
    const heuristic = await solved('heuristic');
    for (const baseline of ['noop', 'always-bump-cpu', 'always-bump-memory', 'scale-replicas', 'random']) {
      expect(await solved(baseline), baseline).toBeLessThan(heuristic);
    }
  });
});

describe('naive baselines', () => {
  async function firstAction(
    policy: string,
    trace: string,
    info?: Record<string, unknown>,
    observationChanges: Record<string, unknown> = {},
  ) {
    const env = (await make(FIX_RESOURCES_ID, { trace })) as FixEnv;
    const reset = await env.reset({ seed: 0 });
    const p = (await makePolicy(policy)) as FixPolicy;
    return p.act(
      { ...reset.observation, ...observationChanges },
      {
        info: info ?? reset.info,
        actionSpace: env.actionSpace,
        rng: createRng(0),
      },
    );
  }

  it('repeat their one operation on the first workload whose pods waited', async () => {
    const trace = 'traces/canonical/very-bad-cpu.sktrace';
    // no mask: the operation itself (the env's mask forbids bumping this workload beyond the 16-CPU cap)
    const unmasked = {};
    expect(await firstAction('noop', trace)).toEqual({ type: 'noop' });
    expect(await firstAction('always-bump-cpu', trace, unmasked)).toMatchObject({ type: 'bump_cpu_small' });
    expect(await firstAction('always-bump-memory', trace, unmasked)).toMatchObject({
      type: 'bump_mem_small',
    });
    expect(await firstAction('scale-replicas', trace, unmasked)).toMatchObject({
      type: 'scale_down_replicas',
    });
  });

  it('turn a masked action into noop, and so does the heuristic once the budget is spent', async () => {
    const trace = 'traces/canonical/very-bad-cpu.sktrace';
    expect(await firstAction('always-bump-cpu', trace)).toEqual({ type: 'noop' }); // the env masks it (cap)
    const noneAllowed = { actionMask: [{ type: 'noop' }] };
    for (const policy of ['always-bump-cpu', 'scale-replicas']) {
      expect(await firstAction(policy, trace, noneAllowed), policy).toEqual({ type: 'noop' });
    }
    const spent = { actionsRemaining: 0 };
    expect(await firstAction('heuristic', trace, noneAllowed, spent)).toEqual({ type: 'noop' });
  });

  it('the heuristic edits with set_requests while budget is left, even when every small operation is masked', async () => {
    const trace = 'traces/canonical/very-bad-cpu.sktrace';
    const noneAllowed = { actionMask: [{ type: 'noop' }] };
    expect(await firstAction('heuristic', trace, noneAllowed)).toMatchObject({ type: 'set_requests' });
  });
});
