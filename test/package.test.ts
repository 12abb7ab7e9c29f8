/**
 * The built package as its users get it: ESM and CJS consumers import `sim-arena` and `sim-arena/policies` by name
 * and `sim-arena/simkube` (self-reference through the exports map) and run an episode, the checker and an async vector env whose worker is
 * the built `dist/vector-worker.js`, and read a bundled trace. `npm test` builds dist/ before the tests run.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const scenario = `
  const { make, checkEnv, makeVec, rolloutEpisode, Box } = core;
  const env = await make('classic/CartPole-v1');
  await checkEnv(env);
  const result = await rolloutEpisode(env, await policies.makePolicyOrThrow('cartpole-balance'), { seed: 1 });
  const vec = await makeVec('classic/CartPole-v1', { numEnvs: 2, vectorizationMode: 'async' });
  const { observations } = await vec.reset({ seed: 3 });
  const step = await vec.step([0, 1]);
  await vec.close();
  const trace = await simkube.readTraceFile('traces/canonical/very-bad-cpu.sktrace');
  const workloads = simkube.listWorkloads(trace).map((w) => w.key);
  console.log(JSON.stringify({ ret: result.return, copies: observations.length, rewards: Array.from(step.rewards),
    box: env.observationSpace instanceof Box, web: workloads.includes('shop/web'),
    cpu: simkube.Quantity.parse('0.1').toString() }));
`;

function program(kind: 'esm' | 'cjs'): string {
  const load =
    kind === 'esm'
      ? `const core = await import('sim-arena'); await import('sim-arena/policies'); const simkube = await import('sim-arena/simkube');`
      : `const core = require('sim-arena'); require('sim-arena/policies'); const simkube = require('sim-arena/simkube');`;
  const body = `${load}
    const policies = { makePolicyOrThrow: (name) => core.makePolicy(name) };
    ${scenario}`;
  return kind === 'esm'
    ? body
    : `(async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`;
}

describe('the built package', () => {
  it.each(['esm', 'cjs'] as const)('works for %s consumers', async (kind) => {
    const args =
      kind === 'esm'
        ? ['--input-type=module', '-e', program(kind)]
        : ['--input-type=commonjs', '-e', program(kind)];
    const { stdout } = await execa('node', args, { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({
      ret: 500,
      copies: 2,
      rewards: [1, 1],
      box: true,
      web: true,
      cpu: '100m',
    });
  });

  it('runs its bin', async () => {
    const { stdout } = await execa('node', ['dist/cli.js', 'envs', '--json'], { timeout: 60_000 });
    expect(JSON.parse(stdout)[0].id).toBe('classic/CartPole-v1');
  });
});
