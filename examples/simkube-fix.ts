/**
 * Fixing a SimKube trace by hand, then with a discrete-action random policy: the canonical very-bad-cpu trace (the web
 * Deployment asks for 24 CPUs on 16-CPU nodes) on the embedded simulator.
 * Run: npx tsx examples/simkube-fix.ts
 */
import { DiscreteActions, make, makePolicy, rolloutEpisode } from 'sim-arena';
import 'sim-arena/policies';
import type { FixResourcesAction, FixResourcesObservation } from 'sim-arena/simkube';
import 'sim-arena/simkube'; // registers simkube/fix-resources-v0

const env = await make<FixResourcesObservation, FixResourcesAction>('simkube/fix-resources-v0', {
  trace: 'traces/canonical/very-bad-cpu.sktrace',
  rewardMode: 'gradual',
});
const { observation, info } = await env.reset({ seed: 0 });
console.log(`${info.trace} on ${info.cluster}: ${observation.ready}/${observation.total} pods running`);
for (const w of observation.workloads.filter((w) => w.peakPending > 0)) {
  console.log(`  ${w.id}: ${w.pending} pending — ${w.pendingReasons.join('; ')}`);
}

// A tight fix: the web container was meant to ask for 2400m.
const fixed = await env.step({ type: 'set_requests', workload: 'shop/web', cpu: '2400m' });
console.log(`set_requests web cpu=2400m → terminated=${fixed.terminated}, reward ${fixed.reward.toFixed(3)}`);
console.log(env.render?.());

// The same task through the discrete action list, with the random policy honouring the action mask.
const discrete = new DiscreteActions(env);
const random = await makePolicy('random');
const episode = await rolloutEpisode(discrete, random, { seed: 1 });
console.log(
  `random policy: ${episode.length} steps, return ${episode.return.toFixed(3)}, solved=${episode.terminated}`,
);
await env.close();
