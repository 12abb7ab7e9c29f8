/** Registers the classic-control reference environments (on import, and again idempotently by the function). */
import { z } from 'zod';
import { parseKwargs } from '../../src/core/kwargs.js';
import { defaultRegistry } from '../../src/core/registry.js';
import { CartPoleEnv } from './cart-pole.js';

/** The id of the reference environment. */
export const CART_POLE_ID = 'classic/CartPole-v1';

const cartPoleKwargs = z.strictObject({ suttonBartoReward: z.boolean().optional() });

/** Registers `classic/CartPole-v1` (500-step limit, solved at a return of 475) unless it already is. */
export function registerClassicControl(): void {
  if (defaultRegistry.has(CART_POLE_ID)) return;
  defaultRegistry.register({
    id: CART_POLE_ID,
    entryPoint: (kwargs) => new CartPoleEnv(parseKwargs(cartPoleKwargs, kwargs, CART_POLE_ID)),
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    entryModule: 'sim-arena',
    description: "Balance a pole on a cart by pushing it left or right (Gymnasium's CartPole-v1 dynamics).",
  });
}

registerClassicControl();
