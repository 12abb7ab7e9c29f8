/** Registers the SimKube environments (on import, and again idempotently by the function). */
import { parseKwargs } from '../../../src/core/kwargs.js';
import { defaultRegistry } from '../../../src/core/registry.js';
import { FixResourcesOptionsSchema } from './config.js';
import { FixResourcesEnv } from './fix-resources-env.js';

/** The id of the resource-fixing environment. */
export const FIX_RESOURCES_ID = 'simkube/fix-resources-v0';

/** Registers `simkube/fix-resources-v0` (50-step limit) unless it already is. */
export function registerSimKube(): void {
  if (defaultRegistry.has(FIX_RESOURCES_ID)) return;
  defaultRegistry.register({
    id: FIX_RESOURCES_ID,
    entryPoint: (kwargs) =>
      new FixResourcesEnv(parseKwargs(FixResourcesOptionsSchema, kwargs, FIX_RESOURCES_ID)),
    maxEpisodeSteps: 50,
    rewardThreshold: 1,
    entryModule: 'sim-arena/simkube',
    description:
      'Edit the CPU/memory requests and replicas of a SimKube trace until every pod schedules on its cluster, without waste.',
  });
}

registerSimKube();
