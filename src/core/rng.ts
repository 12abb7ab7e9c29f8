/**
 * Seeded randomness. Every random choice in sim-arena flows from an {@link Rng} built here from an integer seed with
 * `seedrandom`'s Alea generator, so the same seed gives the same sequence on every machine. The global, unseeded
 * generator of JavaScript is never used.
 */
import { randomInt } from 'node:crypto';
import seedrandom from 'seedrandom';

/** The largest seed accepted: seeds are non-negative safe integers. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A seeded pseudo-random generator with the helpers spaces, environments and policies need. */
export interface Rng {
  /** The seed this generator was created from. */
  readonly seed: number;
  /** A float uniformly drawn from [0, 1). */
  random(): number;
  /** An integer uniformly drawn from [min, max) (max exclusive). */
  integer(min: number, max: number): number;
  /** A float uniformly drawn from [low, high). */
  uniform(low: number, high: number): number;
  /** A normally distributed float (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** An element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T;
  /** A new array holding `items` in a uniformly random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** A fresh seed drawn from this generator, for seeding a child generator deterministically. */
  nextSeed(): number;
  /** The generator's internal state, for `getState`/`setState` snapshots. */
  getState(): RngState;
}

/** An opaque snapshot of an {@link Rng}'s internal state (plain JSON). */
export interface RngState {
  readonly seed: number;
  readonly alea: object;
}

/** Throws unless `seed` is a non-negative safe integer; returns it. */
export function checkSeed(seed: unknown, what = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(seed)}`);
  }
  return seed;
}

/** A seed from the operating system's entropy, for `reset()` called without a seed (as Gymnasium does). */
export function entropySeed(): number {
  return randomInt(0, 2 ** 48);
}

/** Creates a generator from an integer seed. */
export function createRng(seed: number): Rng {
  checkSeed(seed);
  return wrap(seed, seedrandom.alea(String(seed), { state: true }));
}

/** Recreates a generator from a snapshot taken with {@link Rng.getState}. */
export function restoreRng(state: RngState): Rng {
  return wrap(state.seed, seedrandom.alea('', { state: state.alea as seedrandom.State.Alea }));
}

function wrap(seed: number, prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>): Rng {
  const rng: Rng = {
    seed,
    random: () => prng(),
    integer(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max <= min) {
        throw new RangeError(`integer(min, max) needs integers with min < max, got [${min}, ${max})`);
      }
      const span = max - min;
      // double() has 53 random bits, enough for any safe-integer span without modulo bias worth noting.
      return min + Math.floor(prng.double() * span);
    },
    uniform: (low, high) => low + prng.double() * (high - low),
    normal(mean = 0, std = 1) {
      // Box–Muller without a cached spare value, so that the whole state lives in the Alea generator.
      let u = 0;
      while (u === 0) u = prng.double();
      const v = prng.double();
      return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    choice(items) {
      if (items.length === 0) throw new RangeError('choice() needs a non-empty array');
      return items[rng.integer(0, items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.integer(0, i + 1);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    nextSeed: () => Math.floor(prng.double() * 2 ** 48),
    getState: () => ({ seed, alea: prng.state() }),
  };
  return rng;
}
