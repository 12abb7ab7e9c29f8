/** `sim-arena envs`: lists the registered environments with their spaces. */
import { Command } from 'commander';
import { listEnvs, make } from '../../core/registry.js';

/** One environment as `sim-arena envs --json` prints it. */
export interface EnvListing {
  id: string;
  description: string;
  maxEpisodeSteps: number | null;
  observationSpace: string;
  actionSpace: string;
}

/** Builds each registered environment once (without the checker) to read its spaces, then closes it. */
export async function describeEnvs(): Promise<EnvListing[]> {
  const listings: EnvListing[] = [];
  for (const envSpec of listEnvs()) {
    const env = await make(envSpec.id, {}, { disableEnvChecker: true });
    try {
      listings.push({
        id: envSpec.id,
        description: envSpec.description,
        maxEpisodeSteps: envSpec.maxEpisodeSteps ?? null,
        observationSpace: env.observationSpace.toString(),
        actionSpace: env.actionSpace.toString(),
      });
    } finally {
      await env.close();
    }
  }
  return listings;
}

/** The `envs` command. */
export function envsCommand(): Command {
  return new Command('envs')
    .description('list the registered environments with their observation and action spaces')
    .option('--json', 'print JSON instead of text')
    .action(async (options: { json?: boolean }) => {
      const listings = await describeEnvs();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
        return;
      }
      for (const env of listings) {
        process.stdout.write(
          `${env.id}\n  ${env.description}\n  observation: ${env.observationSpace}\n  action:      ${env.actionSpace}\n` +
            `  step limit:  ${env.maxEpisodeSteps ?? 'none'}\n`,
        );
      }
    });
}
