/** `random`: samples a uniformly random action, honouring `info.actionMask` when the environment reports one. */
import type { ActContext, Policy } from '../src/core/policy.js';

/** A policy that draws every action from the action space with the seeded generator it is handed. */
export class RandomPolicy<Obs = unknown, Act = unknown> implements Policy<Obs, Act> {
  readonly name = 'random';

  act(_observation: Obs, { actionSpace, info, rng }: ActContext<Act>): Act {
    const mask = info.actionMask;
    return actionSpace.sample(rng, mask === undefined ? {} : { mask });
  }
}
