/** Registers the shipped policies in the policy registry, by name. */
import { listPolicies, registerPolicy } from '../src/core/policy.js';
import { CartPoleBalancePolicy } from './classic/cart-pole-balance.js';
import { RandomPolicy } from './random.js';

/** Registers every shipped policy unless already registered (safe to call twice). */
export function registerPolicies(): void {
  const known = new Set(listPolicies().map((policy) => policy.name));
  const shipped = [
    {
      name: 'random',
      description: 'Uniformly random actions from the seeded generator, honouring info.actionMask.',
      create: () => new RandomPolicy(),
    },
    {
      name: 'cartpole-balance',
      description: 'A proportional-derivative CartPole controller: push toward the side the pole falls to.',
      create: () => new CartPoleBalancePolicy(),
    },
  ];
  for (const registration of shipped) if (!known.has(registration.name)) registerPolicy(registration);
}
