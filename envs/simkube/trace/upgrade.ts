/**
 * Upgrading pre-2.0 SimKube traces (written by SimKube 1.1.1 and older) to trace format 2.
 *
 * What SimKube's own source says about the old layout (`sk-store/src/trace_store.rs` at v1.1.1, `TraceStore::export`):
 * the file is the msgpack tuple `(config, events, index, pod_lifecycles)`, a 4-element array, where
 * - `config` is `{ trackedObjects: { <GVK>: { podSpecTemplatePath: string | nil, trackLifecycle?: bool } } }`, and
 *   writers before 1.1.1 wrote core-group GVKs with a leading slash (`/v1.Pod`);
 * - `events` are `{ ts, applied_objs, deleted_objs }` exactly as in format 2;
 * - `index` is keyed by `"namespace/name"` alone (`HashMap<String, u64>`), with no GVK;
 * - `pod_lifecycles` is keyed by the owner's `"namespace/name"` alone (`HashMap<String, PodLifecyclesMap>`).
 * Format 2 (SimKube 2.0.0) keys the index by GVK and the lifecycles by `[GVK, "namespace/name"]`. The GVKs of each name
 * are recovered from the objects in the events (a name used by two kinds is listed under both); a name no event
 * mentions gets the only tracked GVK when the config tracks exactly one, and is otherwise dropped with a warning (it
 * names no object the trace can create).
 */
import { traceFromValue } from './codec.js';
import type { DecodeOptions } from './decode-options.js';
import { TraceFormatError } from './errors.js';
import { decodeMsgpackValue } from './msgpack-read.js';
import { gvkOf, type Trace } from './schema.js';

/** Options of {@link upgradePre2Trace}. */
export interface UpgradeOptions extends DecodeOptions {
  /** Called with a sentence for every entry that had to be dropped or guessed. */
  readonly onWarning?: ((message: string) => void) | undefined;
}

function mapOrFail(value: unknown, what: string, file: string | undefined): Map<unknown, unknown> {
  if (value instanceof Map) return value;
  throw new TraceFormatError('UPGRADE_FAILED', `expected ${what} to be a map in this pre-2.0 trace`, {
    file,
  });
}

/** `/v1.Pod` (writers before 1.1) → `v1.Pod`. */
function normalizeGvk(gvk: unknown): unknown {
  return typeof gvk === 'string' && gvk.startsWith('/') ? gvk.slice(1) : gvk;
}

function upgradeTrackedObject(config: unknown): unknown {
  if (!(config instanceof Map)) return config;
  const plural = config.get('podSpecTemplatePaths');
  const singular = config.get('podSpecTemplatePath');
  // like SimKube 2.x: a non-empty plural list wins over the deprecated singular path
  const pluralWins = Array.isArray(plural) && plural.length > 0;
  const out = new Map<unknown, unknown>();
  for (const [key, value] of config) {
    if (key === 'podSpecTemplatePath') {
      if (pluralWins || value === null) continue;
      if (typeof value === 'string') out.set('podSpecTemplatePaths', [value]);
      else out.set(key, value); // not a path: kept for validation to report
    } else if (key === 'podSpecTemplatePaths' && !pluralWins && typeof singular === 'string') {
      // replaced by the singular path, written where the singular key stood
    } else {
      out.set(key, value);
    }
  }
  return out;
}

function upgradeConfig(config: unknown, file: string | undefined): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  for (const [key, value] of mapOrFail(config, 'the config', file)) {
    if (key !== 'trackedObjects' || !(value instanceof Map)) {
      out.set(key, value);
      continue;
    }
    const tracked = new Map<unknown, unknown>();
    for (const [gvk, objectConfig] of value)
      tracked.set(normalizeGvk(gvk), upgradeTrackedObject(objectConfig));
    out.set(key, tracked);
  }
  return out;
}

/** `"namespace/name"` (or `"name"`) → the GVKs of the objects of that name in the events, in order of appearance. */
function gvksByName(events: unknown): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!Array.isArray(events)) return found;
  for (const event of events) {
    if (!(event instanceof Map)) continue;
    for (const list of [event.get('applied_objs'), event.get('deleted_objs')]) {
      if (!Array.isArray(list)) continue;
      for (const object of list) {
        if (!(object instanceof Map)) continue;
        const apiVersion = object.get('apiVersion');
        const kind = object.get('kind');
        const metadata = object.get('metadata');
        if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !(metadata instanceof Map))
          continue;
        const name = metadata.get('name');
        const namespace = metadata.get('namespace');
        if (typeof name !== 'string') continue;
        const nsName = typeof namespace === 'string' ? `${namespace}/${name}` : name;
        const gvk = gvkOf(apiVersion, kind);
        const gvks = found.get(nsName) ?? [];
        if (!gvks.includes(gvk)) gvks.push(gvk);
        found.set(nsName, gvks);
      }
    }
  }
  return found;
}

/**
 * Converts the bytes of a pre-2.0 trace (SimKube ≤ 1.1.1) into a validated format-2 {@link Trace}: GVK keys lose a
 * leading slash, the singular `podSpecTemplatePath` becomes `podSpecTemplatePaths: [path]`, and the index and pod
 * lifecycles, keyed by name alone in the old layout, are keyed by GVK (recovered from the events; see the module
 * comment). Throws {@link TraceFormatError}: `UPGRADE_FAILED` when the bytes are already format 2 or not a pre-2.0
 * trace, any decoding error otherwise.
 */
export function upgradePre2Trace(bytes: Uint8Array, options: UpgradeOptions = {}): Trace {
  const { file } = options;
  const warn = options.onWarning ?? (() => undefined);
  const value = decodeMsgpackValue(bytes, options);
  if (!Array.isArray(value) || value.length !== 4) {
    const already = value instanceof Map && value.has('version');
    throw new TraceFormatError(
      'UPGRADE_FAILED',
      already
        ? 'is already a versioned trace (format 2 or newer); there is nothing to upgrade'
        : 'is not a pre-2.0 trace: that layout is a 4-element msgpack array [config, events, index, pod_lifecycles]',
      { file },
    );
  }
  const [config, events, index, lifecycles] = value as [unknown, unknown, unknown, unknown];
  const newConfig = upgradeConfig(config, file);
  const tracked = newConfig.get('trackedObjects');
  const trackedGvks = tracked instanceof Map ? [...tracked.keys()].filter((k) => typeof k === 'string') : [];
  const byName = gvksByName(events);

  const resolve = (nsName: unknown, what: string): string[] => {
    if (typeof nsName !== 'string') {
      throw new TraceFormatError(
        'UPGRADE_FAILED',
        `${what} has the key ${String(nsName)}; expected "namespace/name"`,
        {
          file,
        },
      );
    }
    const gvks = byName.get(nsName);
    if (gvks !== undefined) return gvks;
    if (trackedGvks.length === 1) {
      warn(`${what} "${nsName}" appears in no event; assigned to the only tracked kind ${trackedGvks[0]}`);
      return trackedGvks;
    }
    warn(
      `${what} "${nsName}" appears in no event and the config tracks ${trackedGvks.length} kinds; dropped`,
    );
    return [];
  };

  const newIndex = new Map<string, Map<unknown, unknown>>();
  for (const [nsName, hash] of mapOrFail(index, 'the index', file)) {
    for (const gvk of resolve(nsName, 'index entry')) {
      const objects = newIndex.get(gvk) ?? new Map<unknown, unknown>();
      objects.set(nsName, hash);
      newIndex.set(gvk, objects);
    }
  }

  const newLifecycles = new Map<unknown, unknown>();
  for (const [nsName, perHash] of mapOrFail(lifecycles, 'pod_lifecycles', file)) {
    for (const gvk of resolve(nsName, 'pod_lifecycles owner')) newLifecycles.set([gvk, nsName], perHash);
  }

  const upgraded = new Map<string, unknown>([
    ['version', 2],
    ['config', newConfig],
    ['events', events],
    ['index', newIndex],
    ['pod_lifecycles', newLifecycles],
  ]);
  return traceFromValue(upgraded, { file });
}
