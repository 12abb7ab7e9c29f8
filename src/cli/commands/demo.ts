/**
 * `sim-arena demo`: the walkthrough a new user runs first. Builds the reference environment through the registry,
 * lets each demo policy play a few seeded episodes, narrates them, and ends with a leaderboard.
 */
import { Command } from 'commander';
import { makePolicy, type Policy } from '../../core/policy.js';
import { make } from '../../core/registry.js';
import { type EpisodeResult, rolloutEpisode } from '../../runner/rollout.js';
import { nonNegativeIntegerOption } from '../options.js';

/** One line of the demo's leaderboard. */
export interface DemoStanding {
  policy: string;
  meanReturn: number;
  meanLength: number;
  solved: number;
  episodes: number;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  envId: string;
  policies: readonly string[];
  episodes: number;
  seed: number;
  write: (line: string) => void;
}

/** Plays every policy for `episodes` seeded episodes and returns the standings, best first. */
export async function runDemo(options: DemoOptions): Promise<DemoStanding[]> {
  const { write } = options;
  const standings: DemoStanding[] = [];
  const env = await make(options.envId);
  const threshold = env.spec?.rewardThreshold;
  write(`Environment ${options.envId}: observation ${env.observationSpace}, action ${env.actionSpace}`);
  try {
    for (const name of options.policies) {
      const policy = (await makePolicy(name)) as Policy<unknown, unknown>;
      write(`\nPolicy ${name}`);
      const results: EpisodeResult[] = [];
      for (let i = 0; i < options.episodes; i++) {
        const result = await rolloutEpisode(env, policy, { seed: options.seed + i });
        results.push(result);
        const ending = result.terminated ? 'ended' : 'reached the step limit';
        write(
          `  episode ${i + 1} (seed ${result.seed}): return ${result.return}, ${result.length} steps, ${ending}`,
        );
      }
      await policy.close?.();
      standings.push({
        policy: name,
        meanReturn: mean(results.map((r) => r.return)),
        meanLength: mean(results.map((r) => r.length)),
        solved: threshold === undefined ? 0 : results.filter((r) => r.return >= threshold).length,
        episodes: results.length,
      });
    }
  } finally {
    await env.close();
  }
  standings.sort((a, b) => b.meanReturn - a.meanReturn);
  write(
    `\nLeaderboard (${options.episodes} episodes each${threshold === undefined ? '' : `, solved = return ≥ ${threshold}`})`,
  );
  standings.forEach((s, rank) => {
    write(
      `  ${rank + 1}. ${s.policy.padEnd(18)} mean return ${s.meanReturn.toFixed(1).padStart(7)}   solved ${s.solved}/${s.episodes}`,
    );
  });
  return standings;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
}

/** The `demo` command. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('play the reference environment with the baseline policies and print a leaderboard')
    .option('--env <id>', 'environment id', 'classic/CartPole-v1')
    .option('--policies <names>', 'comma-separated policy names', 'random,cartpole-balance')
    .option('--episodes <n>', 'episodes per policy', nonNegativeIntegerOption, 5)
    .option('--seed <n>', 'base seed (episode i uses seed + i)', nonNegativeIntegerOption, 0)
    .action(async (options: { env: string; policies: string; episodes: number; seed: number }) => {
      await runDemo({
        envId: options.env,
        policies: options.policies
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        episodes: options.episodes,
        seed: options.seed,
        write: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
