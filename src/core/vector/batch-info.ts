/**
 * Batching of per-copy infos into one object, in Gymnasium's shape: for every key some copy reported, `infos[key]` is
 * an array of length `numEnvs` holding each copy's value (`undefined` where the copy did not report the key) and
 * `infos['_' + key]` an array of booleans marking which copies reported it. Plain-object values are batched the same
 * way, recursively (e.g. `infos.episode.return[i]`, `infos.episode._return[i]`).
 */
import type { Info } from '../env.js';

/** Per-copy infos batched as described above. */
export type BatchedInfo = Record<string, unknown>;

/** Batches `infos` (one per copy, `undefined` for copies not in this batch) into Gymnasium's shape. */
export function batchInfos(infos: readonly (Info | undefined)[]): BatchedInfo {
  const batched: BatchedInfo = {};
  const keys = new Set<string>();
  for (const info of infos) if (info) for (const key of Object.keys(info)) keys.add(key);
  for (const key of keys) {
    const values = infos.map((info) => (info && key in info ? info[key] : undefined));
    const present = infos.map((info) => info !== undefined && key in info);
    const nested = values.every((value, i) => !present[i] || isPlainObject(value));
    batched[key] = nested ? batchInfos(values.map((value) => value as Info | undefined)) : values;
    batched[`_${key}`] = present;
  }
  return batched;
}

function isPlainObject(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
