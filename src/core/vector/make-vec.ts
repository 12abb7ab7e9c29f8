/** `makeVec`: Gymnasium's `make_vec`, building a vector environment of a registered id. */
import { defaultRegistry, type MakeOptions } from '../registry.js';
import { AsyncVectorEnv } from './async-vector-env.js';
import { SyncVectorEnv, type VectorEnvOptions } from './sync-vector-env.js';
import type { VectorEnv } from './vector-env.js';

/** Options of {@link makeVec}. */
export interface MakeVecOptions extends VectorEnvOptions {
  /** How many copies; default 1. */
  numEnvs?: number;
  /** `sync` (default) steps copies in this thread, `async` in worker threads. */
  vectorizationMode?: 'sync' | 'async';
  /** Keyword arguments for each copy's `make`. */
  kwargs?: Record<string, unknown>;
  /** Wrapper options for each copy's `make`. */
  makeOptions?: MakeOptions;
  /** Modules the async workers import (see `AsyncVectorEnvOptions.imports`). */
  imports?: readonly string[];
}

/** Builds `numEnvs` copies of `id` (each made with `make`, so each has the spec's wrapper stack). */
export async function makeVec<Obs = unknown, Act = unknown>(
  id: string,
  options: MakeVecOptions = {},
): Promise<VectorEnv<Obs, Act>> {
  const numEnvs = options.numEnvs ?? 1;
  if (options.vectorizationMode === 'async') {
    return AsyncVectorEnv.create<Obs, Act>({ ...options, id, numEnvs });
  }
  return SyncVectorEnv.create<Obs, Act>(
    Array.from(
      { length: numEnvs },
      () => () => defaultRegistry.make<Obs, Act>(id, options.kwargs, options.makeOptions),
    ),
    options,
  );
}
