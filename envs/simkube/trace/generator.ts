/**
 * Seeded generation of SimKube traces with one known defect (or none), for training and benchmarks.
 *
 * `generateTrace({ seed, label })` draws, from `createRng(seed)` only, a cluster of identical nodes (2–10 nodes,
 * 4/8/16/32 CPUs, 8/16/32/64Gi, 110 pods) and 1–8 workloads (Deployments, StatefulSets, ReplicaSets, DaemonSets,
 * Jobs, CronJobs, bare Pods) with 1–3 app containers, sometimes an init container or a sidecar, spread over 1–3
 * namespaces and a few events (creations, scale events, sometimes a deletion). One or two workloads then carry the
 * labelled defect ({@link TraceLabel}); the others are healthy background. The same seed and label always give the
 * same trace, byte for byte.
 *
 * Every trace comes with a fix (`TraceMeta.fix`) that makes it healthy, within the safeguard caps of 16 CPU and
 * 32Gi per container and 100 replicas. "Healthy" is guaranteed for any scheduler that places a pod whenever some
 * node has room for it, not just by comparing totals: DaemonSets (pinned one pod per node) are created in an event of
 * their own before any other pod, a node-sized pod (the slightly-bad-cpu workload, once fixed) alone in the event
 * before them, and the pods of every workload at its peak replica count satisfy, with resources normalised by node
 * allocatable (cpu, memory and pod slots), `Σ all pods − pod ≤ nodes × (1 − largest share of the pod)` for each pod:
 * a pod that fits nowhere would mean every node is fuller than that, a contradiction. Background workloads are
 * scaled down or dropped until this holds.
 *
 * Traces are valid format-2 traces SimKube reads: the tracer config tracks exactly the kinds used with SimKube's
 * default pod-template paths and no other keys, every object is in the index (with a random u64 hash), Jobs carry
 * Finished pod lifecycles (under a random pod-spec hash, which SimKube will not match to a live pod spec), and the
 * first event is usually empty, as in recorded traces.
 *
 * A trace's metadata is stored next to it, in `<file>.meta.json` (see `trace-meta.ts`).
 */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import { checkSeed, createRng, type Rng } from '../../../src/core/rng.js';
import { effectivePodRequests } from '../cluster/pod-requests.js';
import { writeTraceFile } from './codec.js';
import type { TraceOp } from './ops.js';
import { Quantity } from './quantity.js';
import {
  type JsonObject,
  type KubeObject,
  type Lifecycle,
  type PodLifecycleEntry,
  type Trace,
  type TraceEvent,
  type TrackedObjectConfig,
  validateTrace,
} from './schema.js';
import {
  type ClusterShape,
  GENERATOR_VERSION,
  TRACE_LABELS,
  type TraceDefect,
  type TraceLabel,
  type TraceMeta,
  writeTraceMeta,
} from './trace-meta.js';
import {
  type ContainerKind,
  DEFAULT_POD_TEMPLATE_PATHS,
  WORKLOAD_KINDS,
  type WorkloadKind,
} from './workloads.js';

/** The smallest and largest node count of a generated cluster. */
export const GENERATED_NODE_COUNT: readonly [min: number, max: number] = [2, 10];

/** The CPUs a generated node allocates, one of these. */
export const GENERATED_NODE_CPUS: readonly number[] = [4, 8, 16, 32];

/** The memory (GiB) a generated node allocates, one of these. */
export const GENERATED_NODE_MEMORY_GI: readonly number[] = [8, 16, 32, 64];

/** The pods a generated node allocates. */
export const GENERATED_NODE_PODS = 110;

/** The safeguard caps every fixed trace stays within: per container CPU and memory, per workload replicas. */
export const FIX_CAPS = Object.freeze({
  cpu: Quantity.parse('16'),
  memory: Quantity.parse('32Gi'),
  replicas: 100,
});

/** The options of {@link generateTrace}. */
export interface GenerateTraceOptions {
  /** A non-negative safe integer; everything is drawn from `createRng(seed)`. */
  readonly seed: number;
  /** The defect to generate; drawn from the seed when absent. */
  readonly label?: TraceLabel | undefined;
}

/** A generated trace and what is known about it. */
export interface GeneratedTrace {
  /** The trace. */
  trace: Trace;
  /** Its label, seed, cluster, defects and fix. */
  meta: TraceMeta;
}

// ---------------------------------------------------------------------------------------------------------------
// Plans: what the generator decides before writing Kubernetes objects

interface ContainerPlan {
  name: string;
  image: string;
  role: ContainerKind;
  cpu?: Quantity | undefined;
  memory?: Quantity | undefined;
  cpuLimit?: Quantity | undefined;
  memoryLimit?: Quantity | undefined;
  /** The request the fix writes. */
  fixedCpu?: Quantity | undefined;
  fixedMemory?: Quantity | undefined;
}

interface WorkloadPlan {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  containers: ContainerPlan[];
  /** Replicas of each applied version (scalable kinds); one entry per version for the others. */
  versions: number[];
  /** Job / CronJob pods running at once. */
  parallelism: number;
  /** Job completions. */
  completions: number;
  /** Bare Pod restart policy. */
  restartPolicy: 'Always' | 'Never';
  /** Background workloads may be shrunk or dropped; `first` is created alone before everything else. */
  role: 'background' | 'defect' | 'first';
  /** The replica count the fix sets. */
  fixedReplicas?: number | undefined;
  /** How the workload leaves the trace, if it does. */
  deletion?: 'full' | 'metadata' | undefined;
}

interface Cluster {
  nodes: number;
  cpuMillis: bigint;
  memoryBytes: bigint;
  shape: ClusterShape;
}

const API_VERSIONS: Record<WorkloadKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Pod: 'v1',
};

const SCALABLE: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'ReplicaSet'];

function gvkOfKind(kind: WorkloadKind): string {
  return `${API_VERSIONS[kind]}.${kind}`;
}

function keyOf(plan: WorkloadPlan): string {
  return `${plan.namespace}/${plan.name}`;
}

function weighted<T>(rng: Rng, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = rng.integer(0, total);
  for (const [item, weight] of options) {
    if (draw < weight) return item;
    draw -= weight;
  }
  return options[options.length - 1]![0];
}

function chance(rng: Rng, percent: number): boolean {
  return rng.integer(0, 100) < percent;
}

const GI = 1024n ** 3n;

// ---------------------------------------------------------------------------------------------------------------
// Names

const NAMESPACES = [
  'default',
  'shop',
  'payments',
  'analytics',
  'monitoring',
  'search',
  'media',
  'identity',
  'batch',
  'platform',
];

const BASE_NAMES: Record<WorkloadKind, readonly string[]> = {
  Deployment: [
    'web',
    'api',
    'frontend',
    'checkout',
    'cart',
    'catalog',
    'gateway',
    'auth',
    'recommender',
    'notifications',
    'billing',
    'inventory',
    'orders',
    'profile',
    'thumbnailer',
    'pricing',
  ],
  StatefulSet: [
    'postgres',
    'redis',
    'kafka',
    'zookeeper',
    'mongodb',
    'elasticsearch',
    'rabbitmq',
    'etcd',
    'cassandra',
    'mysql',
    'clickhouse',
    'nats',
  ],
  ReplicaSet: ['worker', 'legacy-api', 'queue-consumer', 'indexer', 'mailer'],
  DaemonSet: ['log-agent', 'node-exporter', 'fluent-bit', 'csi-node', 'otel-agent', 'falco'],
  Job: ['db-migrate', 'backfill', 'report-gen', 'reindex', 'cache-warmup', 'data-export'],
  CronJob: ['cleanup', 'nightly-backup', 'digest-mailer', 'rotate-logs', 'usage-report'],
  Pod: ['debug-shell', 'toolbox', 'one-off-task', 'canary-probe', 'load-test'],
};

const IMAGES: Record<string, string> = {
  postgres: 'postgres:16.4',
  redis: 'redis:7.4',
  kafka: 'bitnami/kafka:3.8',
  zookeeper: 'zookeeper:3.9',
  mongodb: 'mongo:7.0',
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.15.0',
  rabbitmq: 'rabbitmq:3.13',
  etcd: 'quay.io/coreos/etcd:v3.5.15',
  cassandra: 'cassandra:5.0',
  mysql: 'mysql:8.4',
  clickhouse: 'clickhouse/clickhouse-server:24.8',
  nats: 'nats:2.10',
  'fluent-bit': 'fluent/fluent-bit:3.1',
  'node-exporter': 'quay.io/prometheus/node-exporter:v1.8.2',
  'istio-proxy': 'docker.io/istio/proxyv2:1.23.0',
  'log-shipper': 'fluent/fluent-bit:3.1',
  'cloud-sql-proxy': 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0',
  'otel-collector': 'otel/opentelemetry-collector:0.108.0',
};

const EXTRA_APP_CONTAINERS = ['metrics', 'worker', 'cache', 'proxy', 'exporter'];
const INIT_CONTAINERS = ['init-config', 'wait-for-deps', 'migrate', 'fetch-assets'];
const SIDECARS = ['istio-proxy', 'log-shipper', 'cloud-sql-proxy', 'otel-collector'];
const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

class Names {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Rng) {}

  private suffix(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += HASH_ALPHABET[this.rng.integer(0, HASH_ALPHABET.length)];
    return out;
  }

  workload(kind: WorkloadKind): string {
    const pool = BASE_NAMES[kind];
    const free = pool.filter((name) => !this.used.has(name));
    const base = free.length > 0 ? this.rng.choice(free) : `${this.rng.choice(pool)}-${this.used.size + 2}`;
    let name = base;
    if (kind === 'ReplicaSet') name = `${base}-${this.suffix(9)}`;
    else if (kind === 'Pod') name = `${base}-${this.suffix(5)}`;
    else if (kind === 'Job') name = `${base}-${this.rng.integer(1000, 10000)}`;
    while (this.used.has(name)) name = `${name}-${this.suffix(3)}`;
    this.used.add(base);
    this.used.add(name);
    return name;
  }
}

function imageOf(name: string, namespace: string, rng: Rng): string {
  return (
    IMAGES[name] ??
    `registry.example.com/${namespace}/${name}:${rng.integer(1, 5)}.${rng.integer(0, 20)}.${rng.integer(0, 10)}`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Resource menus

const CPU_MENU = ['50m', '100m', '200m', '250m', '500m', '750m', '1', '1500m', '2', '3', '4'].map((q) =>
  Quantity.parse(q),
);
const MEMORY_MENU = [
  '64Mi',
  '128Mi',
  '256Mi',
  '500M',
  '512Mi',
  '768Mi',
  '1Gi',
  '1500M',
  '2Gi',
  '4Gi',
  '6Gi',
].map((q) => Quantity.parse(q));

/** Menu values of at most 1/`divisor` of the node. */
function menu(
  values: readonly Quantity[],
  node: bigint,
  divisor: bigint,
  unit: 'cpu' | 'memory',
): Quantity[] {
  return values.filter((q) => (unit === 'cpu' ? q.milliValue() : q.value()) * divisor <= node);
}

function millis(value: bigint): Quantity {
  return Quantity.fromMillis(value);
}

function drawResources(rng: Rng, cluster: Cluster, divisor: bigint, container: ContainerPlan): void {
  const cpu = rng.choice(menu(CPU_MENU, cluster.cpuMillis, divisor, 'cpu'));
  const memory = rng.choice(menu(MEMORY_MENU, cluster.memoryBytes, divisor, 'memory'));
  const mode = weighted(rng, [
    ['both', 80],
    ['cpu', 5],
    ['memory', 5],
    ['none', 10],
  ] as const);
  if (mode === 'both' || mode === 'cpu') container.cpu = cpu;
  if (mode === 'both' || mode === 'memory') container.memory = memory;
  if (mode === 'both' && chance(rng, 35)) {
    const factor = rng.choice([1n, 2n]);
    container.cpuLimit = millis(cpu.milliValue() * factor);
    container.memoryLimit = Quantity.fromBytes(memory.value() * factor, memory.format);
  }
}

function drawContainers(rng: Rng, cluster: Cluster, kind: WorkloadKind, name: string, namespace: string) {
  const divisor = kind === 'DaemonSet' ? 32n : 8n;
  const apps = weighted(rng, [
    [1, 6],
    [2, 3],
    [3, 1],
  ] as const);
  const base = kind === 'ReplicaSet' || kind === 'Pod' || kind === 'Job' ? name.replace(/-[^-]+$/, '') : name;
  const primary = kind === 'StatefulSet' || kind === 'DaemonSet' || chance(rng, 50) ? base : 'app';
  const containers: ContainerPlan[] = [{ name: primary, image: imageOf(base, namespace, rng), role: 'app' }];
  for (const extra of rng.shuffle(EXTRA_APP_CONTAINERS.filter((n) => n !== primary)).slice(0, apps - 1)) {
    containers.push({ name: extra, image: imageOf(extra, namespace, rng), role: 'app' });
  }
  const inits: ContainerPlan[] = [];
  if (chance(rng, 25)) {
    inits.push({
      name: rng.choice(INIT_CONTAINERS.filter((n) => n !== primary)),
      image: 'busybox:1.36',
      role: 'init',
    });
  }
  if (chance(rng, 20)) {
    const sidecar = rng.choice(SIDECARS.filter((n) => n !== primary));
    inits.push({ name: sidecar, image: imageOf(sidecar, namespace, rng), role: 'sidecar' });
  }
  containers.push(...rng.shuffle(inits));
  for (const container of containers) drawResources(rng, cluster, divisor, container);
  return containers;
}

function drawPlan(
  rng: Rng,
  cluster: Cluster,
  names: Names,
  namespaces: readonly string[],
  kind: WorkloadKind,
  role: WorkloadPlan['role'],
): WorkloadPlan {
  const name = names.workload(kind);
  const namespace = rng.choice(namespaces);
  const plan: WorkloadPlan = {
    kind,
    namespace,
    name,
    containers: drawContainers(rng, cluster, kind, name, namespace),
    versions: [1],
    parallelism: 1,
    completions: 1,
    restartPolicy: chance(rng, 50) ? 'Always' : 'Never',
    role,
  };
  if (SCALABLE.includes(kind)) {
    const count = weighted(rng, [
      [1, 5],
      [2, 3],
      [3, 2],
    ] as const);
    plan.versions = Array.from({ length: count }, (_, i) =>
      i > 0 && chance(rng, 5) ? 0 : rng.integer(1, 7),
    );
  } else if (kind === 'Job') {
    plan.parallelism = rng.integer(1, 4);
    plan.completions = plan.parallelism * rng.integer(1, 4);
  }
  return plan;
}

const KIND_WEIGHTS: readonly (readonly [WorkloadKind, number])[] = [
  ['Deployment', 30],
  ['StatefulSet', 15],
  ['ReplicaSet', 8],
  ['DaemonSet', 12],
  ['Job', 12],
  ['CronJob', 8],
  ['Pod', 15],
];

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes objects

function quantities(cpu: Quantity | undefined, memory: Quantity | undefined): JsonObject | undefined {
  if (cpu === undefined && memory === undefined) return undefined;
  const out: JsonObject = {};
  if (cpu !== undefined) out.cpu = cpu.toString();
  if (memory !== undefined) out.memory = memory.toString();
  return out;
}

function containerJson(container: ContainerPlan): JsonObject {
  const resources: JsonObject = {};
  const limits = quantities(container.cpuLimit, container.memoryLimit);
  const requests = quantities(container.cpu, container.memory);
  if (limits) resources.limits = limits;
  if (requests) resources.requests = requests;
  const out: JsonObject = { name: container.name, image: container.image, resources };
  if (container.role === 'sidecar') out.restartPolicy = 'Always';
  return out;
}

function podSpecJson(plan: WorkloadPlan): JsonObject {
  const spec: JsonObject = {};
  const inits = plan.containers.filter((c) => c.role !== 'app');
  if (inits.length > 0) spec.initContainers = inits.map(containerJson);
  spec.containers = plan.containers.filter((c) => c.role === 'app').map(containerJson);
  spec.restartPolicy =
    plan.kind === 'Job'
      ? 'Never'
      : plan.kind === 'CronJob'
        ? 'OnFailure'
        : plan.kind === 'Pod'
          ? plan.restartPolicy
          : 'Always';
  spec.terminationGracePeriodSeconds = 30;
  return spec;
}

function objectJson(plan: WorkloadPlan, version: number): KubeObject {
  const { kind, name, namespace } = plan;
  const metadata: JsonObject = { annotations: {}, labels: { app: name }, name, namespace };
  const template: JsonObject = { metadata: { labels: { app: name } }, spec: podSpecJson(plan) };
  const base = { apiVersion: API_VERSIONS[kind], kind, metadata };
  const selector = { matchLabels: { app: name } };
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
      return { ...base, spec: { replicas: plan.versions[version]!, selector, template } };
    case 'StatefulSet':
      return { ...base, spec: { replicas: plan.versions[version]!, selector, serviceName: name, template } };
    case 'DaemonSet':
      return { ...base, spec: { selector, template } };
    case 'Job':
      return {
        ...base,
        spec: { backoffLimit: 6, completions: plan.completions, parallelism: plan.parallelism, template },
      };
    case 'CronJob':
      return {
        ...base,
        spec: {
          concurrencyPolicy: 'Forbid',
          jobTemplate: { spec: { parallelism: plan.parallelism, template } },
          schedule: '*/15 * * * *',
        },
      };
    case 'Pod':
      return { ...base, spec: podSpecJson(plan) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fitting: the healed trace must fit any reasonable scheduler (see the module documentation)

function healed(plan: WorkloadPlan): WorkloadPlan {
  return {
    ...plan,
    containers: plan.containers.map((c) => ({
      ...c,
      cpu: c.fixedCpu ?? c.cpu,
      memory: c.fixedMemory ?? c.memory,
    })),
    versions: plan.fixedReplicas === undefined ? plan.versions : plan.versions.map(() => plan.fixedReplicas!),
  };
}

function podsOf(plan: WorkloadPlan, cluster: Cluster): number {
  if (SCALABLE.includes(plan.kind)) return Math.max(...plan.versions);
  if (plan.kind === 'DaemonSet') return cluster.nodes;
  if (plan.kind === 'Job' || plan.kind === 'CronJob') return plan.parallelism;
  return 1;
}

function podRequestsOf(plan: WorkloadPlan): { cpu: bigint; memory: bigint } {
  const requests = effectivePodRequests(podSpecJson(plan));
  return { cpu: requests.cpuMillis, memory: requests.memoryBytes };
}

type Verdict =
  | { ok: true }
  | { ok: false; reason: 'pod-too-big' | 'daemonsets' | 'aggregate'; blame: WorkloadPlan | undefined };

/** Whether the plans, once healed, fit the cluster robustly; when not, which (original) plan to shrink first. */
function checkFit(plans: readonly WorkloadPlan[], cluster: Cluster): Verdict {
  const C = cluster.cpuMillis;
  const M = cluster.memoryBytes;
  const P = BigInt(GENERATED_NODE_PODS);
  const D = C * M * P; // one node, in every dimension
  const N = BigInt(cluster.nodes);
  const shares = plans.map((plan) => {
    const fixed = healed(plan);
    const { cpu, memory } = podRequestsOf(fixed);
    const c = cpu * M * P;
    const m = memory * C * P;
    const p = C * M;
    const pods = BigInt(podsOf(fixed, cluster));
    return { plan, c, m, p, sum: c + m + p, max: [c, m, p].reduce((a, b) => (b > a ? b : a)), pods };
  });
  const descending =
    (f: (s: (typeof shares)[number]) => bigint) =>
    (a: (typeof shares)[number], b: (typeof shares)[number]) => {
      const x = f(a);
      const y = f(b);
      return y > x ? 1 : y < x ? -1 : 0;
    };
  for (const share of shares) {
    if (share.c > D || share.m > D) return { ok: false, reason: 'pod-too-big', blame: share.plan };
  }
  const pinned = shares.filter((s) => s.plan.kind === 'DaemonSet' || s.plan.role === 'first');
  for (const dimension of ['c', 'm', 'p'] as const) {
    const total = pinned.reduce((sum, s) => sum + s[dimension], 0n);
    if (total > D) {
      const [blame] = pinned
        .filter((s) => s.plan.kind === 'DaemonSet' && s.plan.role === 'background')
        .sort(descending((s) => s[dimension]));
      return { ok: false, reason: 'daemonsets', blame: blame?.plan };
    }
  }
  const total = shares.reduce((sum, s) => sum + s.pods * s.sum, 0n);
  for (const share of shares) {
    if (share.plan.kind === 'DaemonSet' || share.plan.role === 'first' || share.pods === 0n) continue;
    if (total - share.sum > N * (D - share.max)) {
      const candidates = [...shares].sort(descending((s) => s.pods * s.sum));
      const background = candidates.find((s) => s.plan.role === 'background' && s.pods > 0n);
      const scalable = candidates.find((s) => SCALABLE.includes(s.plan.kind) && s.pods > 1n);
      return { ok: false, reason: 'aggregate', blame: (background ?? scalable)?.plan };
    }
  }
  return { ok: true };
}

/** Scales down or drops background workloads (and, as a last resort, defect replicas) until the healed plans fit. */
function shrinkToFit(plans: WorkloadPlan[], cluster: Cluster): WorkloadPlan[] {
  let current = plans;
  for (let guard = 0; guard < 10_000; guard++) {
    const verdict = checkFit(current, cluster);
    if (verdict.ok) return current;
    const blame = verdict.blame;
    if (blame === undefined) break;
    const peak = Math.max(...blame.versions);
    if (verdict.reason === 'aggregate' && SCALABLE.includes(blame.kind) && peak > 1) {
      blame.versions = blame.versions.map((v) => Math.min(v, peak - 1));
    } else if (verdict.reason === 'aggregate' && blame.kind === 'Job' && blame.parallelism > 1) {
      blame.parallelism--;
    } else if (blame.role === 'background') {
      current = current.filter((plan) => plan !== blame);
    } else {
      break;
    }
  }
  throw new Error(
    'generateTrace: cannot fit the healed workloads on the cluster (a generator bug; please report the seed)',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Defects

function pickTarget(rng: Rng, plan: WorkloadPlan): ContainerPlan {
  const byRole = (role: ContainerKind) => plan.containers.filter((c) => c.role === role);
  const role = weighted(
    rng,
    (
      [
        ['app', 70],
        ['init', 15],
        ['sidecar', 15],
      ] as const
    ).filter(([r]) => byRole(r).length > 0),
  );
  return rng.choice(byRole(role));
}

function veryBadCpu(rng: Rng, cluster: Cluster, target: ContainerPlan): void {
  const intended = rng.choice(menu(CPU_MENU, cluster.cpuMillis, 8n, 'cpu'));
  const typo = intended.milliValue() * 1000n; // "500" typed for "500m"
  const bad =
    chance(rng, 15) && typo >= cluster.cpuMillis + 1000n
      ? typo
      : cluster.cpuMillis + 1000n * BigInt(rng.integer(1, 2 * Number(cluster.cpuMillis / 1000n) + 1));
  target.cpu = millis(bad);
  target.cpuLimit = undefined;
  target.fixedCpu = intended;
}

function veryBadMemory(rng: Rng, cluster: Cluster, target: ContainerPlan): void {
  const intended = rng.choice(menu(MEMORY_MENU, cluster.memoryBytes, 8n, 'memory'));
  const typo = intended.value() * 1024n; // "512Gi" typed for "512Mi"
  const nodeGi = Number(cluster.memoryBytes / GI);
  const bad =
    chance(rng, 15) && typo >= cluster.memoryBytes + GI && typo % GI === 0n
      ? typo
      : cluster.memoryBytes + GI * BigInt(rng.integer(1, 2 * nodeGi + 1));
  target.memory = Quantity.fromBytes(bad);
  target.memoryLimit = undefined;
  target.fixedMemory = intended;
}

/** Sets `target`'s CPU so that the pod requests exactly `podMillis` (the app + sidecar sum dominates). */
function setPodCpu(plan: WorkloadPlan, target: ContainerPlan, podMillis: bigint): void {
  target.cpu = millis(0n);
  target.cpuLimit = undefined;
  const sumOnly: WorkloadPlan = { ...plan, containers: plan.containers.filter((c) => c.role !== 'init') };
  const others = podRequestsOf(sumOnly).cpu;
  target.cpu = millis(podMillis - others);
}

function cpuDefect(plan: WorkloadPlan, target: ContainerPlan, cluster: Cluster): TraceDefect {
  return {
    workload: keyOf(plan),
    container: target.name,
    resource: 'cpu',
    requested: millis(podRequestsOf(plan).cpu).toString(),
    allocatable: cluster.shape.cpu,
  };
}

function memoryDefect(plan: WorkloadPlan, target: ContainerPlan, cluster: Cluster): TraceDefect {
  return {
    workload: keyOf(plan),
    container: target.name,
    resource: 'memory',
    requested: Quantity.fromBytes(podRequestsOf(plan).memory).toString(),
    allocatable: cluster.shape.memory,
  };
}

function drawCluster(rng: Rng, label: TraceLabel): Cluster {
  const nodes = rng.integer(GENERATED_NODE_COUNT[0], GENERATED_NODE_COUNT[1] + 1);
  // a slightly-bad pod, once fixed, asks for nearly a whole node: keep it within the 16-CPU cap
  const cpus = rng.choice(
    label === 'slightly-bad-cpu' ? GENERATED_NODE_CPUS.filter((c) => c <= 16) : GENERATED_NODE_CPUS,
  );
  const memoryGi = rng.choice(GENERATED_NODE_MEMORY_GI);
  return {
    nodes,
    cpuMillis: BigInt(cpus) * 1000n,
    memoryBytes: BigInt(memoryGi) * GI,
    shape: { nodes, cpu: String(cpus), memory: `${memoryGi}Gi`, pods: GENERATED_NODE_PODS },
  };
}

interface Design {
  plans: WorkloadPlan[];
  /** Builds the defects and fix once the plans are final. */
  finish: (plans: WorkloadPlan[]) => { defect: TraceDefect[]; fix: TraceOp[] };
}

function setRequestsOp(plan: WorkloadPlan, target: ContainerPlan): TraceOp {
  const op: TraceOp = { type: 'set_requests', workload: keyOf(plan), container: target.name };
  if (target.fixedCpu !== undefined) op.cpu = target.fixedCpu.toString();
  if (target.fixedMemory !== undefined) op.memory = target.fixedMemory.toString();
  return op;
}

function design(rng: Rng, label: TraceLabel, cluster: Cluster, names: Names, namespaces: string[]): Design {
  const draw = (kinds: readonly (readonly [WorkloadKind, number])[], role: WorkloadPlan['role']) =>
    drawPlan(rng, cluster, names, namespaces, weighted(rng, kinds), role);
  switch (label) {
    case 'healthy':
      return { plans: [], finish: () => ({ defect: [], fix: [] }) };
    case 'very-bad-cpu':
    case 'very-bad-memory': {
      const plan = draw(KIND_WEIGHTS, 'defect');
      const target = pickTarget(rng, plan);
      if (label === 'very-bad-cpu') veryBadCpu(rng, cluster, target);
      else veryBadMemory(rng, cluster, target);
      return {
        plans: [plan],
        finish: () => ({
          defect: [
            label === 'very-bad-cpu' ? cpuDefect(plan, target, cluster) : memoryDefect(plan, target, cluster),
          ],
          fix: [setRequestsOp(plan, target)],
        }),
      };
    }
    case 'slightly-bad-cpu': {
      const plan = draw(
        [
          ['Deployment', 35],
          ['StatefulSet', 25],
          ['ReplicaSet', 10],
          ['Job', 10],
          ['Pod', 20],
        ],
        'first',
      );
      plan.versions = [1];
      plan.parallelism = 1;
      const target = plan.containers.find((c) => c.role === 'app')!;
      const excess = 50n * BigInt(rng.integer(1, 11)); // 50m to 500m
      setPodCpu(plan, target, cluster.cpuMillis + excess);
      target.fixedCpu = target.cpu!.sub(millis(500n));
      return {
        plans: [plan],
        finish: () => ({
          defect: [cpuDefect(plan, target, cluster)],
          fix: [{ type: 'reduce_cpu_small', workload: keyOf(plan), container: target.name }],
        }),
      };
    }
    case 'mixed': {
      const cpuPlan = draw(KIND_WEIGHTS, 'defect');
      const cpuTarget = pickTarget(rng, cpuPlan);
      if (chance(rng, 30) && cpuTarget.role === 'app') {
        const intended = rng.choice(menu(CPU_MENU, cluster.cpuMillis, 8n, 'cpu'));
        setPodCpu(cpuPlan, cpuTarget, cluster.cpuMillis + 50n * BigInt(rng.integer(1, 11)));
        cpuTarget.fixedCpu = intended;
      } else {
        veryBadCpu(rng, cluster, cpuTarget);
      }
      const sameWorkload = chance(rng, 30);
      const memoryPlan = sameWorkload ? cpuPlan : draw(KIND_WEIGHTS, 'defect');
      const memoryTarget = sameWorkload && chance(rng, 50) ? cpuTarget : pickTarget(rng, memoryPlan);
      veryBadMemory(rng, cluster, memoryTarget);
      return {
        plans: sameWorkload ? [cpuPlan] : [cpuPlan, memoryPlan],
        finish: () => {
          const defect = [
            cpuDefect(cpuPlan, cpuTarget, cluster),
            memoryDefect(memoryPlan, memoryTarget, cluster),
          ];
          if (memoryTarget === cpuTarget) return { defect, fix: [setRequestsOp(cpuPlan, cpuTarget)] };
          const cpuOnly: TraceOp = {
            type: 'set_requests',
            workload: keyOf(cpuPlan),
            container: cpuTarget.name,
            cpu: cpuTarget.fixedCpu!.toString(),
          };
          const memoryOnly: TraceOp = {
            type: 'set_requests',
            workload: keyOf(memoryPlan),
            container: memoryTarget.name,
            memory: memoryTarget.fixedMemory!.toString(),
          };
          return { defect, fix: [cpuOnly, memoryOnly] };
        },
      };
    }
    case 'too-many-replicas': {
      const plan = draw(
        [
          ['Deployment', 60],
          ['StatefulSet', 25],
          ['ReplicaSet', 15],
        ],
        'defect',
      );
      const target = plan.containers.find((c) => c.role === 'app')!;
      const byCpu = chance(rng, 60);
      if (byCpu) {
        const choices = ['500m', '1', '1500m', '2', '3', '4', '6', '8', '10']
          .map((q) => Quantity.parse(q))
          .filter(
            (q) => q.milliValue() * 8n >= cluster.cpuMillis && q.milliValue() * 3n <= cluster.cpuMillis,
          );
        target.cpu = rng.choice(choices);
        target.cpuLimit = undefined;
      } else {
        const choices = ['1Gi', '2Gi', '3Gi', '4Gi', '6Gi', '8Gi', '12Gi', '16Gi', '20Gi']
          .map((q) => Quantity.parse(q))
          .filter((q) => q.value() * 8n >= cluster.memoryBytes && q.value() * 3n <= cluster.memoryBytes);
        target.memory = rng.choice(choices);
        target.memoryLimit = undefined;
      }
      plan.versions = [1];
      plan.fixedReplicas = 1;
      return {
        plans: [plan],
        finish: (plans) => {
          const { cpu, memory } = podRequestsOf(plan);
          const nodes = BigInt(cluster.nodes);
          const byResource = byCpu
            ? (nodes * cluster.cpuMillis) / cpu
            : (nodes * cluster.memoryBytes) / memory;
          const other = byCpu
            ? memory === 0n
              ? byResource
              : (nodes * cluster.memoryBytes) / memory
            : cpu === 0n
              ? byResource
              : (nodes * cluster.cpuMillis) / cpu;
          const capacity = byResource < other ? byResource : other;
          const bad = Number(byResource) + rng.integer(1, 4);
          // the largest replica count that still fits robustly
          let fixed = 1;
          for (let r = 2; r < bad; r++) {
            plan.fixedReplicas = r;
            if (!checkFit(plans, cluster).ok) break;
            fixed = r;
          }
          plan.fixedReplicas = fixed;
          plan.versions = chance(rng, 50) ? [rng.integer(1, fixed + 1), bad] : [bad];
          return {
            defect: [
              {
                workload: keyOf(plan),
                resource: 'replicas',
                requested: String(bad),
                allocatable: String(capacity),
              },
            ],
            fix: [{ type: 'set_replicas', workload: keyOf(plan), replicas: fixed }],
          };
        },
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Events

function randomU64(rng: Rng): bigint {
  return (BigInt(rng.integer(0, 2 ** 32)) << 32n) | BigInt(rng.integer(0, 2 ** 32));
}

function splitInto<T>(rng: Rng, items: readonly T[], parts: number): T[][] {
  const cuts = rng
    .shuffle(Array.from({ length: items.length - 1 }, (_, i) => i + 1))
    .slice(0, parts - 1)
    .sort((a, b) => a - b);
  const out: T[][] = [];
  let start = 0;
  for (const cut of [...cuts, items.length]) {
    out.push(items.slice(start, cut));
    start = cut;
  }
  return out;
}

function buildTrace(rng: Rng, plans: readonly WorkloadPlan[]): Trace {
  const events: TraceEvent[] = [];
  let ts = 1_735_689_600 + rng.integer(0, 365 * 24 * 3600);
  const emptyFirst = chance(rng, 75);
  if (emptyFirst) events.push({ ts, appliedObjs: [], deletedObjs: [] });
  const createdAt = new Map<WorkloadPlan, number>();
  const push = (applied: KubeObject[], deleted: KubeObject[], gap: number) => {
    if (events.length > 0) ts += gap;
    events.push({ ts, appliedObjs: applied, deletedObjs: deleted });
  };

  // creations: the node-sized pod alone, then the DaemonSets, then the rest in 1–3 events
  const groups: WorkloadPlan[][] = [];
  const first = plans.filter((p) => p.role === 'first');
  const daemonSets = plans.filter((p) => p.role !== 'first' && p.kind === 'DaemonSet');
  const rest = rng.shuffle(plans.filter((p) => p.role !== 'first' && p.kind !== 'DaemonSet'));
  if (first.length > 0) groups.push(first);
  if (daemonSets.length > 0) groups.push(daemonSets);
  if (rest.length > 0) groups.push(...splitInto(rng, rest, rng.integer(1, Math.min(3, rest.length) + 1)));
  for (const group of groups) {
    push(
      group.map((plan) => objectJson(plan, 0)),
      [],
      rng.integer(15, 300),
    );
    for (const plan of group) createdAt.set(plan, ts);
  }

  // scale events: later versions, version by version, one or two workloads per event
  const maxVersions = Math.max(0, ...plans.map((p) => p.versions.length));
  const chunks: [WorkloadPlan, number][][] = [];
  let chunk: [WorkloadPlan, number][] = [];
  let size = rng.integer(1, 3);
  for (let version = 1; version < maxVersions; version++) {
    for (const plan of rng.shuffle(plans.filter((p) => p.versions.length > version))) {
      if (chunk.length >= size || chunk.some(([p]) => p === plan)) {
        chunks.push(chunk);
        chunk = [];
        size = rng.integer(1, 3);
      }
      chunk.push([plan, version]);
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  for (const items of chunks) {
    push(
      items.map(([plan, version]) => objectJson(plan, version)),
      [],
      rng.integer(60, 1800),
    );
  }

  // deletions
  const deleted = plans.filter((p) => p.deletion !== undefined);
  if (deleted.length > 0) {
    push(
      [],
      deleted.map((plan) =>
        plan.deletion === 'full'
          ? objectJson(plan, plan.versions.length - 1)
          : {
              apiVersion: API_VERSIONS[plan.kind],
              kind: plan.kind,
              metadata: { name: plan.name, namespace: plan.namespace },
            },
      ),
      rng.integer(60, 900),
    );
  }

  // config: the kinds used, SimKube's default paths, nothing else
  const used = WORKLOAD_KINDS.filter((kind) => plans.some((p) => p.kind === kind));
  const trackedObjects: Record<string, TrackedObjectConfig> = {};
  for (const kind of used) {
    const config: TrackedObjectConfig = { podSpecTemplatePaths: [DEFAULT_POD_TEMPLATE_PATHS[kind]] };
    if (kind === 'Job' || kind === 'CronJob') config.trackLifecycle = true;
    if (kind === 'Pod') config.skipOwned = true;
    trackedObjects[gvkOfKind(kind)] = config;
  }

  // index: every object, in order of appearance
  const index: Record<string, Record<string, bigint>> = {};
  for (const event of events) {
    for (const obj of event.appliedObjs) {
      const gvk = `${obj.apiVersion}.${obj.kind}`;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      index[gvk] ??= {};
      index[gvk][key] ??= randomU64(rng);
    }
  }

  // Finished lifecycles for Jobs
  const podLifecycles: PodLifecycleEntry[] = [];
  for (const plan of plans) {
    if (plan.kind !== 'Job') continue;
    const created = createdAt.get(plan)!;
    const duration = rng.integer(10, 300);
    const lifecycles: Lifecycle[] = [];
    for (let i = 0; i < plan.completions; i++) {
      const start = created + 2 + Math.floor(i / plan.parallelism) * (duration + 3);
      lifecycles.push({ Finished: [start, start + duration] });
    }
    podLifecycles.push([[gvkOfKind('Job'), keyOf(plan)], new Map([[randomU64(rng), lifecycles]])]);
  }

  return { version: 2, config: { trackedObjects }, events, index, podLifecycles };
}

// ---------------------------------------------------------------------------------------------------------------
// The generator

/**
 * Generates a trace with the given (or a seed-drawn) label, and its metadata. Deterministic: the same seed and label
 * give the same trace and meta, byte for byte once encoded.
 * @throws InvalidArgumentError for a bad seed or an unknown label.
 */
export function generateTrace(options: GenerateTraceOptions): GeneratedTrace {
  const seed = checkSeed(options.seed);
  if (options.label !== undefined && !(TRACE_LABELS as readonly string[]).includes(options.label)) {
    throw new InvalidArgumentError(
      `Unknown trace label ${JSON.stringify(options.label)}; use one of ${TRACE_LABELS.join(', ')} (or none to draw one from the seed).`,
    );
  }
  const rng = createRng(seed);
  // always draw, so that a trace generated without a label equals the one generated with the label it drew
  const drawn = rng.choice(TRACE_LABELS);
  const label = options.label ?? drawn;
  const cluster = drawCluster(rng, label);
  const names = new Names(rng);
  const namespaces = rng.shuffle(NAMESPACES).slice(0, rng.integer(1, 4));

  const { plans: defects, finish } = design(rng, label, cluster, names, namespaces);
  const workloads = Math.max(rng.integer(1, 9), defects.length);
  const background: WorkloadPlan[] = [];
  for (let i = defects.length; i < workloads; i++) {
    background.push(drawPlan(rng, cluster, names, namespaces, weighted(rng, KIND_WEIGHTS), 'background'));
  }
  const plans = shrinkToFit([...defects, ...background], cluster);
  const { defect, fix } = finish(plans);
  const deletable = plans.filter((p) => p.role === 'background' && p.kind !== 'DaemonSet');
  if (deletable.length > 0 && chance(rng, 20)) {
    rng.choice(deletable).deletion = chance(rng, 50) ? 'full' : 'metadata';
  }
  const trace = validateTrace(buildTrace(rng, rng.shuffle(plans)));
  const meta: TraceMeta = {
    label,
    seed,
    cluster: cluster.shape,
    defect,
    fix,
    generatorVersion: GENERATOR_VERSION,
  };
  return { trace, meta };
}

/** The files {@link writeGeneratedTrace} wrote. */
export interface WrittenTrace {
  /** `<dir>/<name>.sktrace`. */
  traceFile: string;
  /** `<dir>/<name>.sktrace.meta.json`. */
  metaFile: string;
}

/** Writes `<dir>/<name>.sktrace` (msgpack, through the codec) and its sidecar `<name>.sktrace.meta.json`. */
export async function writeGeneratedTrace(
  dir: string,
  name: string,
  generated: GeneratedTrace,
): Promise<WrittenTrace> {
  await mkdir(dir, { recursive: true });
  const traceFile = join(dir, `${name}.sktrace`);
  await writeTraceFile(traceFile, generated.trace);
  const metaFile = await writeTraceMeta(traceFile, generated.meta);
  return { traceFile, metaFile };
}

/** The options of {@link generateTraceSet}. */
export interface TraceSetOptions {
  /** How many traces. */
  readonly count: number;
  /** The set's seed; each trace's seed is derived from it (see {@link traceSetSeeds}). */
  readonly seed: number;
  /** One label for every trace; without it, labels cycle through {@link TRACE_LABELS} (balanced classes). */
  readonly label?: TraceLabel | undefined;
}

/** One trace of a set, as listed in its `index.json`. */
export interface TraceSetEntry {
  /** The trace's file name, relative to the set's directory. */
  file: string;
  /** Its label. */
  label: TraceLabel;
  /** Its own seed (`generateTrace({ seed, label })` gives it back). */
  seed: number;
  /** The cluster it was generated for. */
  cluster: ClusterShape;
  /** The operations that fix it. */
  fix: TraceOp[];
}

/** The `index.json` of a trace set. */
export interface TraceSetIndex {
  /** The generator version that wrote the set. */
  generatorVersion: number;
  /** The set's seed. */
  seed: number;
  /** How many traces. */
  count: number;
  /** One entry per trace, in order. */
  traces: TraceSetEntry[];
}

/**
 * The per-trace seeds of a set: trace `i`'s seed is the `(i + 1)`-th `nextSeed()` of `createRng(setSeed)`. A set is
 * thus a prefix of any larger set with the same seed.
 */
export function traceSetSeeds(setSeed: number, count: number): number[] {
  checkSeed(setSeed, 'set seed');
  const rng = createRng(setSeed);
  return Array.from({ length: count }, () => rng.nextSeed());
}

/**
 * Generates `count` traces into `dir` as `trace-000.sktrace`… (with their meta files) and an `index.json` listing
 * each file, label, seed, cluster and fix; returns the index. Trace `i` gets seed `traceSetSeeds(seed, count)[i]`
 * and the label `label`, or `TRACE_LABELS[i % 6]` without one.
 */
export async function generateTraceSet(options: TraceSetOptions, dir: string): Promise<TraceSetIndex> {
  const { count, seed, label } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`count must be a non-negative integer, got ${String(count)}`);
  }
  const width = Math.max(3, String(Math.max(0, count - 1)).length);
  const seeds = traceSetSeeds(seed, count);
  const traces: TraceSetEntry[] = [];
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const traceSeed = seeds[i]!;
    const generated = generateTrace({
      seed: traceSeed,
      label: label ?? TRACE_LABELS[i % TRACE_LABELS.length]!,
    });
    const name = `trace-${String(i).padStart(width, '0')}`;
    await writeGeneratedTrace(dir, name, generated);
    const { meta } = generated;
    traces.push({
      file: `${name}.sktrace`,
      label: meta.label,
      seed: traceSeed,
      cluster: meta.cluster,
      fix: meta.fix,
    });
  }
  const index: TraceSetIndex = { generatorVersion: GENERATOR_VERSION, seed, count, traces };
  await writeJsonFile(join(dir, 'index.json'), index);
  return index;
}

/** Writes a value as pretty JSON (2 spaces, final newline), atomically. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
