/**
 * Writing a policy: any object with a name and an `act` method. This one pushes the cart toward the side the pole
 * leans to, with a random move 10% of the time drawn from the seeded generator it is handed. It is compared with the
 * shipped `random` policy over ten seeds using `rolloutEpisode`.
 * Run: npx tsx examples/custom-policy.ts
 */
import { make, makePolicy, type Policy, rolloutEpisode } from 'sim-arena';
import 'sim-arena/policies';

const leanFollower: Policy<Float32Array, number> = {
  name: 'lean-follower',
  act(observation, { actionSpace, rng }) {
    if (rng.random() < 0.1) return actionSpace.sample(rng);
    return (observation[2] as number) > 0 ? 1 : 0;
  },
};

const env = await make<Float32Array, number>('classic/CartPole-v1');
const random = (await makePolicy('random')) as Policy<Float32Array, number>;
for (const policy of [leanFollower, random]) {
  const returns: number[] = [];
  for (let seed = 0; seed < 10; seed++) returns.push((await rolloutEpisode(env, policy, { seed })).return);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  console.log(
    `${policy.name.padEnd(14)} mean return ${mean.toFixed(1)} over ${returns.length} seeded episodes`,
  );
}
await env.close();
