/**
 * Vector environments: eight CartPole copies stepped as a batch, in this thread (`sync`) or in worker threads
 * (`async`), with next-step autoreset. Counts finished episodes and their mean length.
 * Run: npx tsx examples/vector-envs.ts
 */
import { createRng, makeVec } from 'sim-arena';

for (const vectorizationMode of ['sync', 'async'] as const) {
  const envs = await makeVec<Float32Array, number>('classic/CartPole-v1', { numEnvs: 8, vectorizationMode });
  const rng = createRng(0);
  await envs.reset({ seed: 0 }); // copy i is seeded with 0 + i
  const lengths: number[] = [];
  const running = new Array<number>(envs.numEnvs).fill(0);
  for (let t = 0; t < 500; t++) {
    const actions = Array.from({ length: envs.numEnvs }, () => rng.integer(0, 2));
    const { terminations, truncations } = await envs.step(actions);
    for (let i = 0; i < envs.numEnvs; i++) {
      running[i] = (running[i] as number) + 1;
      if (terminations[i] || truncations[i]) {
        lengths.push(running[i] as number);
        running[i] = -1; // the next step of this copy is its autoreset step
      }
    }
  }
  await envs.close();
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  console.log(`${vectorizationMode}: ${lengths.length} episodes finished, mean length ${mean.toFixed(1)}`);
}
