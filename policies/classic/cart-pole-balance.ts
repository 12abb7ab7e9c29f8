/** `cartpole-balance`: a hand-written CartPole controller, the bar a learning agent on CartPole should reach. */
import type { Policy } from '../../src/core/policy.js';

/**
 * Pushes toward the side the pole is falling to, weighting the angle and the angular velocity (a proportional-
 * derivative rule on `theta + 0.5 · thetaDot`). Balances the pole for the full 500 steps on most seeds.
 */
export class CartPoleBalancePolicy implements Policy<ArrayLike<number>, number> {
  readonly name = 'cartpole-balance';

  act(observation: ArrayLike<number>): number {
    const theta = observation[2] as number;
    const thetaDot = observation[3] as number;
    return theta + 0.5 * thetaDot > 0 ? 1 : 0;
  }
}
