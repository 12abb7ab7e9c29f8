/**
 * Trace codec benchmark: decode and encode throughput (MB/s) of a large generated trace (≥ 10 MB of msgpack), next to
 * raw msgpackr on the same bytes and `JSON.parse` / `JSON.stringify` of the same data as SimKube's JSON form, and the
 * cost of validation alone. The trace is built from generated traces (seed i, i = 0, 1, …), each moved to its own
 * namespace suffix and time window, concatenated until it passes 10 MB.
 */
import { Packr, Unpackr } from 'msgpackr';
import { Bench } from 'tinybench';
import { decodeTrace, decodeTraceJson, encodeTrace, encodeTraceJson } from '../envs/simkube/trace/codec.js';
import { generateTrace } from '../envs/simkube/trace/generator.js';
import { type JsonObject, type KubeObject, type Trace, validateTrace } from '../envs/simkube/trace/schema.js';

const TARGET_BYTES = 10 * 2 ** 20;

function renamed(object: KubeObject, suffix: string): KubeObject {
  const namespace = object.metadata.namespace;
  if (typeof namespace !== 'string') return object;
  return { ...object, metadata: { ...object.metadata, namespace: `${namespace}-${suffix}` } as JsonObject };
}

/** A trace of at least `targetBytes` msgpack bytes, merged from generated traces. */
export function largeTrace(targetBytes = TARGET_BYTES): Trace {
  const merged: Trace = {
    version: 2,
    config: { trackedObjects: {} },
    events: [],
    index: {},
    podLifecycles: [],
  };
  let size = 0;
  for (let seed = 0; size < targetBytes; seed++) {
    const { trace } = generateTrace({ seed });
    const suffix = String(seed);
    const offset = seed * 10_000;
    Object.assign(merged.config.trackedObjects, trace.config.trackedObjects);
    for (const event of trace.events) {
      merged.events.push({
        ts: event.ts + offset,
        appliedObjs: event.appliedObjs.map((o) => renamed(o, suffix)),
        deletedObjs: event.deletedObjs.map((o) => renamed(o, suffix)),
      });
    }
    for (const [gvk, entries] of Object.entries(trace.index)) {
      merged.index[gvk] ??= {};
      const target = merged.index[gvk];
      for (const [key, hash] of Object.entries(entries)) target[key.replace('/', `-${suffix}/`)] = hash;
    }
    for (const [[gvk, key], lifecycles] of trace.podLifecycles) {
      merged.podLifecycles.push([[gvk, key.replace('/', `-${suffix}/`)], lifecycles]);
    }
    if (seed % 50 === 49) size = encodeTrace(merged).length;
  }
  return merged;
}

function mbPerSecond(bytes: number, opsPerSecond: number): string {
  return ((bytes * opsPerSecond) / 2 ** 20).toFixed(1);
}

/** Runs the benchmark and returns its results as a markdown table. */
export async function run(): Promise<string> {
  const trace = largeTrace();
  const bytes = encodeTrace(trace);
  const json = encodeTraceJson(trace);
  const unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false, int64AsType: 'bigint' });
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const raw = unpackr.unpack(bytes) as unknown;
  const plainJson = JSON.parse(json.replace(/(?<=[:,[]\s*)(\d{16,})/g, '"$1"')) as unknown;
  const decoded = decodeTrace(bytes);
  const jsonBytes = Buffer.byteLength(json);

  const cases: { name: string; size: number; fn: () => unknown }[] = [
    {
      name: 'decodeTrace (scan + msgpackr + validation + model)',
      size: bytes.length,
      fn: () => decodeTrace(bytes),
    },
    { name: 'raw msgpackr unpack (Maps, bigint)', size: bytes.length, fn: () => unpackr.unpack(bytes) },
    {
      name: 'validateTrace alone (on a decoded trace)',
      size: bytes.length,
      fn: () => validateTrace(decoded),
    },
    { name: 'decodeTraceJson (big integers kept exact)', size: jsonBytes, fn: () => decodeTraceJson(json) },
    {
      name: 'JSON.parse of the same JSON (loses u64 precision)',
      size: jsonBytes,
      fn: () => JSON.parse(json),
    },
    { name: 'encodeTrace (canonical rmp-serde writer)', size: bytes.length, fn: () => encodeTrace(decoded) },
    { name: 'raw msgpackr pack (not SimKube-identical)', size: bytes.length, fn: () => packr.pack(raw) },
    { name: 'encodeTraceJson', size: jsonBytes, fn: () => encodeTraceJson(decoded) },
    { name: 'JSON.stringify of the same data', size: jsonBytes, fn: () => JSON.stringify(plainJson) },
  ];
  const bench = new Bench({ time: 3_000, warmupTime: 500 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();

  const lines = [
    `Trace: ${trace.events.length.toLocaleString('en')} events, ${(bytes.length / 2 ** 20).toFixed(1)} MB msgpack, ` +
      `${(jsonBytes / 2 ** 20).toFixed(1)} MB JSON.`,
    '',
    '| operation | MB/s | ms per trace |',
    '| --- | ---: | ---: |',
  ];
  bench.tasks.forEach((task, i) => {
    const result = task.result as { throughput: { mean: number }; error?: Error };
    if (result.error) throw result.error;
    const c = cases[i] as (typeof cases)[number];
    lines.push(
      `| ${c.name} | ${mbPerSecond(c.size, result.throughput.mean)} | ${(1000 / result.throughput.mean).toFixed(1)} |`,
    );
  });
  return lines.join('\n');
}
