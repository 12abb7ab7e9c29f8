/**
 * The hello-world of sim-arena: make an environment, reset it with a seed, let a policy act until the episode ends.
 * Run: npx tsx examples/hello-cartpole.ts
 */
import { createRng, make, makePolicy, RecordEpisodeStatistics } from 'sim-arena';
import 'sim-arena/policies'; // registers the shipped policies by name

const env = new RecordEpisodeStatistics(await make<Float32Array, number>('classic/CartPole-v1'));
const policy = await makePolicy('cartpole-balance');
const rng = createRng(42); // a policy's randomness comes from a seeded generator

let { observation, info } = await env.reset({ seed: 42 });
for (;;) {
  const action = (await policy.act(observation, { info, actionSpace: env.actionSpace, rng })) as number;
  const step = await env.step(action);
  ({ observation, info } = step);
  if (step.terminated || step.truncated) break;
}
console.log(info.episode); // { return: 500, length: 500, timeMs: … }
await env.close();
