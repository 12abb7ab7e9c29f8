/**
 * Process-wide singletons shared by every copy of sim-arena loaded in one thread (the ESM and the CJS build, or two
 * bundled copies), so that they see the same registries.
 */

/** The value stored on `globalThis` under `Symbol.for(key)`, created by `create` on first use. */
export function globalSingleton<T>(key: string, create: () => T): T {
  const store = globalThis as Record<symbol, unknown>;
  const symbol = Symbol.for(key);
  if (!(symbol in store)) store[symbol] = create();
  return store[symbol] as T;
}
