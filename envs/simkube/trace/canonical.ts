/**
 * Four hand-designed traces, one per well-known defect, built in code so that they are deterministic and readable.
 * They tell the story of a small shop in namespace `shop` — a `web` Deployment (with a `log-shipper` sidecar), a
 * `cart` Deployment, a `postgres` StatefulSet (with an `init-permissions` init container), sometimes a `fluent-bit`
 * DaemonSet in `logging` and a `nightly-report` CronJob — where someone got one number wrong:
 *
 * - `very-bad-cpu` (4 nodes × 16 CPU / 32Gi): `web` asks for 24 CPUs per pod, where 2400m was meant; no node has
 *   24 CPUs, so no web pod ever schedules. Fix: `set_requests` web cpu 2400m.
 * - `very-bad-memory` (4 × 16 CPU / 32Gi): `postgres` asks for 48Gi, sized for a 64Gi machine; no node has 48Gi.
 *   Fix: `set_requests` postgres memory 8Gi.
 * - `slightly-bad-cpu` (3 × 8 CPU / 32Gi): `postgres` (one replica) asks for 8500m where a node allocates 8 CPUs;
 *   one `reduce_cpu_small` brings it to exactly 8, which fits an empty node (postgres is created first).
 * - `mixed` (4 × 16 CPU / 32Gi): `web` asks for 20 CPUs and `postgres` for 40Gi; both are fixed with `set_requests`
 *   (web cpu 2, postgres memory 4Gi).
 *
 * Once fixed, each trace fits its cluster with room to spare. `writeBundledTraces` writes these and the generated
 * set (100 traces from seed {@link BUNDLED_SET_SEED}) under one folder, the package's `traces/`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTraceSet, type TraceSetIndex, writeGeneratedTrace, writeJsonFile } from './generator.js';
import type { JsonObject, KubeObject, Trace, TraceEvent } from './schema.js';
import { type ClusterShape, GENERATOR_VERSION, type TraceLabel, type TraceMeta } from './trace-meta.js';

/** The seed of the bundled generated set (`traces/generated/`). */
export const BUNDLED_SET_SEED = 20261121;

/** How many traces the bundled generated set holds. */
export const BUNDLED_SET_COUNT = 100;

/** A canonical trace: a file name, the trace and its meta (with a `description`). */
export interface CanonicalTrace {
  /** The file name without extension (the label). */
  name: string;
  /** The trace. */
  trace: Trace;
  /** Its label, cluster, defects, fix and description. */
  meta: TraceMeta;
}

/** 2026-01-01T00:00:00Z, when the canonical traces start. */
const START = 1_767_225_600;

// ---------------------------------------------------------------------------------------------------------------
// Small builders

interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

function container(name: string, image: string, resources: Resources, sidecar = false): JsonObject {
  const res: JsonObject = {};
  if (resources.limits) res.limits = { ...resources.limits };
  if (resources.requests) res.requests = { ...resources.requests };
  const out: JsonObject = { name, image, resources: res };
  if (sidecar) out.restartPolicy = 'Always';
  return out;
}

function podSpec(containers: JsonObject[], initContainers: JsonObject[] = []): JsonObject {
  const spec: JsonObject = {};
  if (initContainers.length > 0) spec.initContainers = initContainers;
  spec.containers = containers;
  spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds = 30;
  return spec;
}

function metadata(name: string, namespace: string): JsonObject {
  return { annotations: {}, labels: { app: name }, name, namespace };
}

function template(name: string, spec: JsonObject): JsonObject {
  return { metadata: { labels: { app: name } }, spec };
}

function deployment(name: string, replicas: number, spec: JsonObject, namespace = 'shop'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, namespace),
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, spec) },
  };
}

function statefulSet(name: string, replicas: number, spec: JsonObject, namespace = 'shop'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(name, namespace),
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      serviceName: name,
      template: template(name, spec),
    },
  };
}

function daemonSet(name: string, spec: JsonObject, namespace: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata(name, namespace),
    spec: { selector: { matchLabels: { app: name } }, template: template(name, spec) },
  };
}

function cronJob(name: string, schedule: string, spec: JsonObject, namespace = 'shop'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(name, namespace),
    spec: {
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: { parallelism: 1, template: template(name, { ...spec, restartPolicy: 'OnFailure' }) },
      },
      schedule,
    },
  };
}

/** A deterministic u64 "hash" for the index (FNV-1a 64 of the GVK and key; SimKube never checks the value). */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

const TEMPLATE_PATHS: Record<string, string> = {
  'apps/v1.Deployment': '/spec/template',
  'apps/v1.StatefulSet': '/spec/template',
  'apps/v1.DaemonSet': '/spec/template',
  'batch/v1.CronJob': '/spec/jobTemplate/spec/template',
};

/** A trace from its events: config and index follow from the objects. */
function traceOf(events: TraceEvent[]): Trace {
  const trackedObjects: Trace['config']['trackedObjects'] = {};
  const index: Trace['index'] = {};
  for (const event of events) {
    for (const obj of event.appliedObjs) {
      const gvk = `${obj.apiVersion}.${obj.kind}`;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      trackedObjects[gvk] ??= {
        podSpecTemplatePaths: [TEMPLATE_PATHS[gvk]!],
        ...(obj.kind === 'CronJob' ? { trackLifecycle: true } : {}),
      };
      index[gvk] ??= {};
      index[gvk][key] ??= fnv1a64(`${gvk} ${key}`);
    }
  }
  return { version: 2, config: { trackedObjects }, events, index, podLifecycles: [] };
}

function event(offset: number, appliedObjs: KubeObject[] = []): TraceEvent {
  return { ts: START + offset, appliedObjs, deletedObjs: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// The shop

const LOG_SHIPPER = container(
  'log-shipper',
  'fluent/fluent-bit:3.1',
  { requests: { cpu: '50m', memory: '64Mi' } },
  true,
);
const INIT_PERMISSIONS = container('init-permissions', 'busybox:1.36', {
  requests: { cpu: '100m', memory: '64Mi' },
});

function web(replicas: number, cpu: string): KubeObject {
  const limits: Record<string, string> = { memory: '1Gi' };
  const app = container('web', 'registry.example.com/shop/web:2.14.0', {
    requests: { cpu, memory: '512Mi' },
    limits,
  });
  return deployment('web', replicas, podSpec([app], [LOG_SHIPPER]));
}

function cart(replicas: number): KubeObject {
  const app = container('cart', 'registry.example.com/shop/cart:1.9.3', {
    requests: { cpu: '250m', memory: '256Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
  });
  return deployment('cart', replicas, podSpec([app]));
}

function postgres(replicas: number, cpu: string, memory: string): KubeObject {
  const db = container('postgres', 'postgres:16.4', { requests: { cpu, memory } });
  return statefulSet('postgres', replicas, podSpec([db], [INIT_PERMISSIONS]));
}

function fluentBit(): KubeObject {
  const agent = container('fluent-bit', 'fluent/fluent-bit:3.1', {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '256Mi' },
  });
  return daemonSet('fluent-bit', podSpec([agent]), 'logging');
}

function nightlyReport(): KubeObject {
  const job = container('report', 'registry.example.com/shop/report:0.7.1', {
    requests: { cpu: '500m', memory: '1Gi' },
  });
  return cronJob('nightly-report', '0 2 * * *', podSpec([job]));
}

function cluster(nodes: number, cpu: string, memory: string): ClusterShape {
  return { nodes, cpu, memory, pods: 110 };
}

function meta(
  label: TraceLabel,
  shape: ClusterShape,
  description: string,
  { defect, fix }: Pick<TraceMeta, 'defect' | 'fix'>,
): TraceMeta {
  return { label, seed: 0, cluster: shape, defect, fix, generatorVersion: GENERATOR_VERSION, description };
}

/** `web` asks for 24 CPUs (2400m was meant) on 16-CPU nodes. */
function veryBadCpu(): CanonicalTrace {
  const trace = traceOf([
    event(0),
    event(60, [fluentBit()]),
    event(120, [postgres(2, '2', '4Gi'), cart(2), web(3, '24')]),
    event(1800, [web(5, '24')]),
  ]);
  return {
    name: 'very-bad-cpu',
    trace,
    meta: meta(
      'very-bad-cpu',
      cluster(4, '16', '32Gi'),
      'The web Deployment asks for 24 CPUs per pod where 2400m was meant; no 16-CPU node can run one, so every web pod stays Pending while postgres, cart and the fluent-bit DaemonSet run. Setting the web container to 2400m makes all five replicas fit.',
      {
        defect: [
          { workload: 'shop/web', container: 'web', resource: 'cpu', requested: '24050m', allocatable: '16' },
        ],
        fix: [{ type: 'set_requests', workload: 'shop/web', container: 'web', cpu: '2400m' }],
      },
    ),
  };
}

/** `postgres` asks for 48Gi on 32Gi nodes. */
function veryBadMemory(): CanonicalTrace {
  const trace = traceOf([
    event(0),
    event(90, [postgres(2, '2', '48Gi'), web(3, '500m'), cart(2)]),
    event(300, [nightlyReport()]),
    event(2400, [web(4, '500m')]),
  ]);
  return {
    name: 'very-bad-memory',
    trace,
    meta: meta(
      'very-bad-memory',
      cluster(4, '16', '32Gi'),
      'The postgres StatefulSet asks for 48Gi per pod, sized for a 64Gi machine; no 32Gi node can run it, so both postgres pods stay Pending. Setting the postgres container to 8Gi makes them fit.',
      {
        defect: [
          {
            workload: 'shop/postgres',
            container: 'postgres',
            resource: 'memory',
            requested: '48Gi',
            allocatable: '32Gi',
          },
        ],
        fix: [{ type: 'set_requests', workload: 'shop/postgres', container: 'postgres', memory: '8Gi' }],
      },
    ),
  };
}

/** `postgres` asks for 8500m on 8-CPU nodes. */
function slightlyBadCpu(): CanonicalTrace {
  const trace = traceOf([
    event(0),
    event(45, [postgres(1, '8500m', '8Gi')]),
    event(120, [web(2, '500m'), cart(2)]),
  ]);
  return {
    name: 'slightly-bad-cpu',
    trace,
    meta: meta(
      'slightly-bad-cpu',
      cluster(3, '8', '32Gi'),
      'The single postgres replica asks for 8500m on nodes that allocate 8 CPUs: 500m too much. One reduce_cpu_small brings it to exactly 8 CPUs, which fits the empty node postgres is scheduled on first (its init container, 100m, does not add to the total).',
      {
        defect: [
          {
            workload: 'shop/postgres',
            container: 'postgres',
            resource: 'cpu',
            requested: '8500m',
            allocatable: '8',
          },
        ],
        fix: [{ type: 'reduce_cpu_small', workload: 'shop/postgres', container: 'postgres' }],
      },
    ),
  };
}

/** `web` asks for 20 CPUs and `postgres` for 40Gi. */
function mixed(): CanonicalTrace {
  const trace = traceOf([
    event(0),
    event(30, [fluentBit()]),
    event(150, [postgres(2, '1', '40Gi'), web(3, '20'), cart(3)]),
  ]);
  return {
    name: 'mixed',
    trace,
    meta: meta(
      'mixed',
      cluster(4, '16', '32Gi'),
      'Two mistakes at once: web asks for 20 CPUs per pod on 16-CPU nodes, and postgres for 40Gi on 32Gi nodes. Neither schedules until web is set to 2 CPUs and postgres to 4Gi.',
      {
        defect: [
          { workload: 'shop/web', container: 'web', resource: 'cpu', requested: '20050m', allocatable: '16' },
          {
            workload: 'shop/postgres',
            container: 'postgres',
            resource: 'memory',
            requested: '40Gi',
            allocatable: '32Gi',
          },
        ],
        fix: [
          { type: 'set_requests', workload: 'shop/web', container: 'web', cpu: '2' },
          { type: 'set_requests', workload: 'shop/postgres', container: 'postgres', memory: '4Gi' },
        ],
      },
    ),
  };
}

/** The four canonical traces: very-bad-cpu, very-bad-memory, slightly-bad-cpu and mixed (freshly built). */
export function canonicalTraces(): CanonicalTrace[] {
  return [veryBadCpu(), veryBadMemory(), slightlyBadCpu(), mixed()];
}

/** One canonical trace, as listed in `canonical/index.json`. */
export interface CanonicalIndexEntry {
  /** The file name, relative to the folder. */
  file: string;
  /** Its label. */
  label: TraceLabel;
  /** What is wrong and how it is fixed. */
  description: string;
  /** The cluster it was designed for. */
  cluster: ClusterShape;
  /** The operations that fix it. */
  fix: TraceMeta['fix'];
}

/**
 * Writes the canonical traces into `dir` as `<label>.sktrace` with their `.meta.json` sidecars, and an
 * `index.json` listing them; returns the index entries.
 */
export async function writeCanonicalTraces(dir: string): Promise<CanonicalIndexEntry[]> {
  await mkdir(dir, { recursive: true });
  const entries: CanonicalIndexEntry[] = [];
  for (const { name, trace, meta: traceMeta } of canonicalTraces()) {
    await writeGeneratedTrace(dir, name, { trace, meta: traceMeta });
    entries.push({
      file: `${name}.sktrace`,
      label: traceMeta.label,
      description: traceMeta.description ?? '',
      cluster: traceMeta.cluster,
      fix: traceMeta.fix,
    });
  }
  await writeJsonFile(join(dir, 'index.json'), { generatorVersion: GENERATOR_VERSION, traces: entries });
  return entries;
}

/** What {@link writeBundledTraces} wrote. */
export interface BundledTraces {
  /** The canonical traces, in `<root>/canonical/`. */
  canonical: CanonicalIndexEntry[];
  /** The generated set, in `<root>/generated/`. */
  generated: TraceSetIndex;
}

/**
 * Writes the traces that ship with the package under `root`: `canonical/` (the four canonical traces) and
 * `generated/` ({@link BUNDLED_SET_COUNT} traces from seed {@link BUNDLED_SET_SEED}, labels cycling through every
 * label), each with an `index.json`. Deterministic: running it twice writes the same bytes.
 */
export async function writeBundledTraces(root: string): Promise<BundledTraces> {
  const canonical = await writeCanonicalTraces(join(root, 'canonical'));
  const generated = await generateTraceSet(
    { count: BUNDLED_SET_COUNT, seed: BUNDLED_SET_SEED },
    join(root, 'generated'),
  );
  return { canonical, generated };
}
