/**
 * Replays a SimKube trace onto a simulated cluster and reports, at any time of the trace, which pods run, which are
 * Pending and why, per workload and per node. Deterministic: the same compiled trace and nodes always give the same
 * result.
 *
 * `compileTrace` turns a trace into workloads, pod shapes and a timeline once (no quantity is parsed during a
 * replay); `simulate` replays it, event by event in time order. `compileTrace` caches per applied object, so a trace
 * compiled again (an environment's task at each reset) costs little. `recompileTrace` compiles a trace made by trace
 * operations from the previous one (which share untouched objects with their input): it compiles only the objects
 * that changed, without caching them (see {@link CompiledTrace.stepOfApplied} and `freshObject` for why).
 *
 * Semantics (what the controllers would do, simplified; kube-scheduler's part is in `scheduler.ts`):
 * - Pods get the toleration SimKube's driver adds for its KWOK nodes' taint ({@link SIMKUBE_DRIVER_TOLERATION});
 *   `spec.nodeName` in a template is ignored (the scheduler places every pod).
 * - Workloads are identified by kind, namespace and name. Kinds replayed: Deployment, ReplicaSet, StatefulSet,
 *   DaemonSet, Job, CronJob and Pod; other kinds (including custom kinds with pod templates) create no pods.
 *   Objects deleted without ever being applied are ignored.
 * - Deployment / ReplicaSet: `spec.replicas` pods (default 1). Scaling up adds pods; scaling down removes Pending
 *   pods first, then the newest (the ReplicaSet controller's order). StatefulSet: pods `<name>-<ordinal>`; scaling
 *   down removes the highest ordinals; with `podManagementPolicy: OrderedReady` (the default) ordinal k is created
 *   only once ordinals below k run, `Parallel` creates them all at once.
 * - Applying a changed pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, bare Pod) replaces every pod
 *   of the workload at once: Recreate semantics, not a rolling update, so an edit is judged on the new pods alone.
 *   Job and CronJob templates only affect pods created afterwards (a Job's template is immutable in Kubernetes).
 * - Deleting a workload removes its Pending and Running pods; Succeeded pods stay in the result as history.
 * - DaemonSet: one pod per node whose labels match its nodeSelector / required node affinity and whose NoSchedule
 *   and NoExecute taints it tolerates (with the tolerations the DaemonSet controller adds, unschedulable included),
 *   pinned to that node; it runs there if it fits, else stays Pending with the scheduler's message.
 * - Job: `parallelism` pods at a time (default 1) until `completions` (default 1) have succeeded. CronJob: one run
 *   (a pod) at each start time recorded in `pod_lifecycles` while the CronJob exists; without recorded start times,
 *   one run when it is applied, lasting to the end. Bare Pod: one pod.
 * - Durations: pods of Jobs, CronJobs and bare Pods take the `pod_lifecycles` recorded for their owner, the n-th pod
 *   the n-th lifecycle (cycling, as SimKube's driver does; the lifecycles of every pod-spec hash, in file order):
 *   `{ Finished: [start, end] }` runs `end - start` seconds from the moment the pod is bound, then Succeeded;
 *   `{ Running: start }` and `"Empty"` (the driver sets no completion time for them) and no lifecycle run to the end.
 *   Pods of the other kinds run until removed.
 * - Each time point (an event, a recorded run start, a pod's end) is processed as: finished pods release their
 *   resources, then the events of that time apply in order, then the scheduler tries new pods, and every Pending pod
 *   when something bound was released or removed, in queue order (priority, then arrival). No preemption.
 * - Pod names: `<workload>-<ordinal>` for StatefulSets, `<workload>-<n>` otherwise (n counts the workload's pods
 *   from 0 and never reuses a number); a bare Pod keeps its own name (a pod that replaces it is `<name>-<n>`).
 * - Templates are compared as data (key order does not matter). Compilation caches per object, per `podLifecycles`
 *   list and per tracker config: none of them may be mutated in place once compiled (trace operations never do; they
 *   return new objects and share the untouched ones).
 * - The result is the state after every time point ≤ `at` (default: the end of the trace, its last event or
 *   lifecycle time). "Ready" is Running (no readiness probes); `total` counts Running and Pending pods.
 */
import { InvalidArgumentError, SimArenaError } from '../../../src/core/errors.js';
import {
  isPlainObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type Lifecycle,
  type Trace,
} from '../trace/schema.js';
import { podTemplateOf, replicasOf, templatePathIn, templatePathsOf } from '../trace/workloads.js';
import type { NodeResources, SimNode } from './nodes.js';
import { analyzePodRequests, PodRequestsError } from './pod-requests.js';
import {
  type CompiledCluster,
  compileCluster,
  NodeUsage,
  type PodShape,
  podShapeOf,
  type SchedulablePod,
  SchedulerError,
  scheduleQueue,
  staticVerdicts,
  type Toleration,
} from './scheduler.js';

/** The kinds whose pods the simulator creates. */
export const REPLAYED_KINDS = [
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Pod',
] as const;

/** One of {@link REPLAYED_KINDS}. */
export type ReplayedKind = (typeof REPLAYED_KINDS)[number];

/** The tolerations the DaemonSet controller adds to its pods (`AddOrUpdateDaemonPodTolerations`). */
export const DAEMONSET_TOLERATIONS: readonly Toleration[] = Object.freeze([
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', value: '', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', value: '', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', value: '', effect: 'NoSchedule' },
]);

/**
 * The toleration SimKube's driver adds to every pod it creates, for the taint of its KWOK nodes
 * (`kwok-provider=true:NoSchedule`). The driver's other change, a `type: virtual` nodeSelector, is not applied, so
 * that node files without that label (such as plain KWOK or kind nodes) can be used as they are.
 */
export const SIMKUBE_DRIVER_TOLERATION: Toleration = Object.freeze({
  key: 'kwok-provider',
  operator: 'Exists',
  value: '',
  effect: 'NoSchedule',
});

const HOST_NETWORK_TOLERATION: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  value: '',
  effect: 'NoSchedule',
};

/** The stable codes of a {@link ReplayError}. */
export type ReplayErrorCode =
  /** A workload's applied object has no pod template (or no pod spec in it) where the config says. */
  | 'MISSING_POD_TEMPLATE'
  /** A request, limit or overhead is not a valid non-negative quantity. */
  | 'INVALID_QUANTITY'
  /** A request is too large to compute with exactly. */
  | 'REQUEST_TOO_LARGE';

/** A trace cannot be replayed: the message names the event, the workload and the field. */
export class ReplayError extends SimArenaError {
  declare readonly code: ReplayErrorCode;

  constructor(code: ReplayErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled traces

/** What one applied version of a workload asks for, computed once per applied object. */
export interface CompiledVersion {
  /** The pod template (the pod spec for bare Pods): a change means the pods are replaced (see {@link sameTemplate}). */
  readonly template: JsonObject;
  /** The scheduler's view of its pods. */
  readonly shape: PodShape;
  /** Each container's own requests (app, then init and sidecar containers), for observations. */
  readonly containers: readonly CompiledContainer[];
  /** `spec.replicas` (Deployment, ReplicaSet, StatefulSet; default 1), else 1. */
  readonly replicas: number;
  /** A Job's (or a CronJob's job template's) `parallelism`, default 1. */
  readonly parallelism: number;
  /** A Job's (or a CronJob's job template's) `completions`, default 1. */
  readonly completions: number;
  /** A StatefulSet's `podManagementPolicy` is OrderedReady (the default). */
  readonly orderedReady: boolean;
}

/** One container of a compiled version: its name, kind and own requests. */
export interface CompiledContainer {
  readonly name: string;
  readonly kind: 'app' | 'init' | 'sidecar';
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

/** A workload of a compiled trace. */
export interface CompiledWorkload {
  /** Its position in {@link CompiledTrace.workloads}. */
  readonly index: number;
  /** Its kind. */
  readonly kind: ReplayedKind;
  /** Its namespace (`""` when cluster-scoped). */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** `Kind/namespace/name`. */
  readonly key: string;
  /** The lifecycles recorded for its pods (every pod-spec hash, in file order). */
  readonly lifecycles: readonly Lifecycle[];
  /** For CronJobs: the indexes into `lifecycles` of the runs with a start time, by start time. */
  readonly cronRuns: readonly number[];
  /** Pod names by number, filled as replays need them. */
  readonly podNames: string[];
}

/** What happens at one time point of the timeline. */
export interface TimelineStep {
  /** Unix seconds. */
  readonly ts: number;
  /** Apply a version, delete the workload, or start a CronJob run. */
  readonly op: 'apply' | 'delete' | 'run';
  /** The workload's index. */
  readonly workload: number;
  /** The version applied (`apply` only). */
  readonly version: CompiledVersion | null;
  /** The index into the workload's lifecycles (`run` only), else −1. */
  readonly run: number;
}

/** A trace prepared for replays: its workloads and a time-ordered timeline. */
export interface CompiledTrace {
  /** The workloads, in the order they are first applied. */
  readonly workloads: readonly CompiledWorkload[];
  /** Applies, deletions and CronJob runs in time order (events in file order within a time). */
  readonly steps: readonly TimelineStep[];
  /** The end of the trace: its last event or lifecycle time (0 for an empty trace). */
  readonly endTime: number;
  /** The trace it was compiled from (never changed: trace operations return new traces). */
  readonly source: Trace;
  /** Per event, per applied object, its index in `steps` (−1: not a replayed workload); for {@link recompileTrace}. */
  readonly stepOfApplied: readonly Int32Array[];
}

/** What compilation learnt about one applied object: who it is, and its version under the given template paths. */
interface CachedObject {
  readonly kind: ReplayedKind;
  readonly namespace: string;
  readonly name: string;
  /** kind, namespace and name joined. */
  readonly id: string;
  readonly gvk: string;
  /** The template paths the version was compiled with ({@link templatePathsOf} returns one array per config). */
  paths: readonly string[];
  version: CompiledVersion | null;
}

const objectCache = new WeakMap<KubeObject, CachedObject>();

function isReplayedKind(kind: string): kind is ReplayedKind {
  return (REPLAYED_KINDS as readonly string[]).includes(kind);
}

/** Whether two JSON values are equal as data: object key order and prototypes do not matter. */
function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
  return true;
}

/** Whether two versions of a workload have the same pod template (else its pods are replaced). */
export function sameTemplate(a: CompiledVersion, b: CompiledVersion): boolean {
  return a.template === b.template || sameJson(a.template, b.template);
}

function positiveIntOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** Where an applied object is in its trace, for error messages. */
function describeObject(trace: Trace, e: number, identity: CachedObject): string {
  const { kind, namespace, name } = identity;
  return `events[${e}] (ts ${trace.events[e]!.ts}): ${kind} ${namespace === '' ? name : `${namespace}/${name}`}`;
}

function compileVersion(
  obj: KubeObject,
  kind: ReplayedKind,
  paths: readonly string[],
  where: () => string,
): CompiledVersion {
  const path = templatePathIn(obj, paths);
  const template = podTemplateOf(obj, path);
  const podSpec = template?.spec;
  if (template === undefined || !isPlainObject(podSpec)) {
    throw new ReplayError(
      'MISSING_POD_TEMPLATE',
      `${where()}: no pod ${template === undefined ? 'template' : 'spec'} at ${JSON.stringify(path)}${template === undefined ? '' : '/spec'}; ` +
        'the tracer config (podSpecTemplatePaths) or the object is wrong, fix one of them.',
    );
  }
  const spec = podSpec as JsonObject;
  const extra: Toleration[] = [SIMKUBE_DRIVER_TOLERATION];
  if (kind === 'DaemonSet') {
    extra.push(...DAEMONSET_TOLERATIONS);
    if (spec.hostNetwork === true) extra.push(HOST_NETWORK_TOLERATION);
  }
  let shape: PodShape;
  let containers: CompiledContainer[];
  try {
    const requests = analyzePodRequests(spec);
    shape = podShapeOf(spec, { extraTolerations: extra, requests });
    containers = requests.containers.map((c) => ({
      name: c.name,
      kind: c.kind,
      cpuMillis: Number(c.cpuMillis),
      memoryBytes: Number(c.memoryBytes),
    }));
  } catch (error) {
    if (error instanceof PodRequestsError) {
      throw new ReplayError('INVALID_QUANTITY', `${where()}: ${error.message}`, { cause: error });
    }
    if (error instanceof SchedulerError) {
      throw new ReplayError('REQUEST_TOO_LARGE', `${where()}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const objSpec = isPlainObject(obj.spec) ? obj.spec : {};
  const jobSpec =
    kind === 'CronJob'
      ? isPlainObject(objSpec.jobTemplate) && isPlainObject(objSpec.jobTemplate.spec)
        ? objSpec.jobTemplate.spec
        : {}
      : objSpec;
  return {
    template: kind === 'Pod' ? spec : template,
    shape,
    containers,
    replicas: replicasOf(obj, kind) ?? 1,
    parallelism: positiveIntOr(jobSpec.parallelism, 1),
    completions: positiveIntOr(jobSpec.completions, 1),
    orderedReady: objSpec.podManagementPolicy !== 'Parallel',
  };
}

function lifecycleStart(lifecycle: Lifecycle): number | undefined {
  if (lifecycle === 'Empty') return undefined;
  return 'Running' in lifecycle ? lifecycle.Running : lifecycle.Finished[0];
}

function identityKey(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

/** A new cache entry for `obj` (nothing compiled yet), or `null` when it is not a replayed workload. */
function cacheEntryOf(obj: KubeObject): CachedObject | null {
  const { kind, apiVersion } = obj;
  const name = obj.metadata.name;
  if (typeof kind !== 'string' || !isReplayedKind(kind) || typeof name !== 'string') return null;
  const namespace = typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : '';
  return {
    kind,
    namespace,
    name,
    id: identityKey(kind, namespace, name),
    gvk: `${typeof apiVersion === 'string' ? apiVersion : ''}.${kind}`,
    paths: [],
    version: null,
  };
}

/** The lifecycles of a trace by owner (identity key), and the latest time they mention. */
interface OwnerLifecycles {
  readonly byOwner: ReadonlyMap<string, Lifecycle[]>;
  readonly endTime: number;
}

/** {@link lifecyclesOf} per `podLifecycles` list (trace operations share it between a trace and its edits). */
const lifecyclesCache = new WeakMap<Trace['podLifecycles'], OwnerLifecycles>();

function lifecyclesOf(podLifecycles: Trace['podLifecycles']): OwnerLifecycles {
  const cached = lifecyclesCache.get(podLifecycles);
  if (cached !== undefined) return cached;
  const byOwner = new Map<string, Lifecycle[]>();
  let endTime = Number.NEGATIVE_INFINITY;
  for (const [[gvk, nsName], byHash] of podLifecycles) {
    const kind = gvk.slice(gvk.lastIndexOf('.') + 1);
    const slash = nsName.indexOf('/');
    const key = identityKey(
      kind,
      slash < 0 ? '' : nsName.slice(0, slash),
      slash < 0 ? nsName : nsName.slice(slash + 1),
    );
    let list = byOwner.get(key);
    if (list === undefined) {
      list = [];
      byOwner.set(key, list);
    }
    for (const lifecycles of byHash.values()) {
      for (const lifecycle of lifecycles) {
        list.push(lifecycle);
        if (lifecycle !== 'Empty') {
          const last = 'Running' in lifecycle ? lifecycle.Running : lifecycle.Finished[1];
          const first = lifecycleStart(lifecycle)!;
          endTime = Math.max(endTime, first, last);
        }
      }
    }
  }
  const found = { byOwner, endTime };
  lifecyclesCache.set(podLifecycles, found);
  return found;
}

function keyOf(identity: Pick<CachedObject, 'kind' | 'namespace' | 'name'>): string {
  return `${identity.kind}/${identity.namespace}/${identity.name}`;
}

type CompiledObject = CachedObject & { version: CompiledVersion };

/** Compiles (or recompiles, when the tracker config gives its kind other template paths) a cache entry's version. */
function compileEntry(trace: Trace, obj: KubeObject, e: number, entry: CachedObject): CompiledObject {
  const paths = templatePathsOf(trace, entry.gvk, entry.kind);
  if (entry.version === null || entry.paths !== paths) {
    entry.version = compileVersion(obj, entry.kind, paths, () => describeObject(trace, e, entry));
    entry.paths = paths;
  }
  return entry as CompiledObject;
}

/**
 * The identity and compiled version of an object applied at `events[e]`, cached per object, or `null` when it is
 * not a replayed workload. For the objects of a trace that is compiled again and again (an environment's task at
 * every reset).
 */
function cachedObject(trace: Trace, obj: KubeObject, e: number): CompiledObject | null {
  let cached = objectCache.get(obj);
  if (cached === undefined) {
    const entry = cacheEntryOf(obj);
    if (entry === null) return null;
    cached = entry;
    objectCache.set(obj, cached);
  }
  return compileEntry(trace, obj, e, cached);
}

/**
 * {@link cachedObject} without the cache, for an object a trace operation just made: caching the short-lived objects
 * of every step in a WeakMap would keep them alive through young-generation collections (V8 clears such entries
 * only in full collections), which made garbage collection a fifth of a step.
 */
function freshObject(trace: Trace, obj: KubeObject, e: number): CompiledObject | null {
  const entry = cacheEntryOf(obj);
  return entry === null ? null : compileEntry(trace, obj, e, entry);
}

/**
 * Prepares a trace for {@link simulate}: its workloads, the pod shape of every applied version (requests through
 * `effectivePodRequests`), and the timeline. Cached per applied object (see the module documentation).
 * @throws ReplayError `MISSING_POD_TEMPLATE`, `INVALID_QUANTITY` or `REQUEST_TOO_LARGE`, naming the event and workload.
 */
export function compileTrace(trace: Trace): CompiledTrace {
  const lifecycles = lifecyclesOf(trace.podLifecycles);
  const lifecyclesByOwner = lifecycles.byOwner;
  let endTime = lifecycles.endTime;

  const workloads: CompiledWorkload[] = [];
  const byIdentity = new Map<string, CompiledWorkload>();
  const steps: TimelineStep[] = [];
  const applyAt: Int32Array[] = [];
  trace.events.forEach((event, e) => {
    endTime = Math.max(endTime, event.ts);
    const at = new Int32Array(event.appliedObjs.length).fill(-1);
    applyAt.push(at);
    event.appliedObjs.forEach((obj, i) => {
      const cached = cachedObject(trace, obj, e);
      if (cached === null) return;
      const { kind, namespace, name, id } = cached;
      let workload = byIdentity.get(id);
      if (workload === undefined) {
        const lifecycles = lifecyclesByOwner.get(id) ?? [];
        const cronRuns =
          kind === 'CronJob'
            ? lifecycles
                .map((lifecycle, i) => ({ i, start: lifecycleStart(lifecycle) }))
                .filter((run): run is { i: number; start: number } => run.start !== undefined)
                .sort((a, b) => a.start - b.start || a.i - b.i)
                .map((run) => run.i)
            : [];
        workload = {
          index: workloads.length,
          kind,
          namespace,
          name,
          key: keyOf(cached),
          lifecycles,
          cronRuns,
          podNames: [],
        };
        workloads.push(workload);
        byIdentity.set(id, workload);
      }
      at[i] = steps.length;
      steps.push({ ts: event.ts, op: 'apply', workload: workload.index, version: cached.version, run: -1 });
    });
    for (const obj of event.deletedObjs) {
      const { kind } = obj;
      const name = obj.metadata.name;
      if (typeof kind !== 'string' || typeof name !== 'string') continue;
      const namespace = typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : '';
      const workload = byIdentity.get(identityKey(kind, namespace, name));
      if (workload !== undefined) {
        steps.push({ ts: event.ts, op: 'delete', workload: workload.index, version: null, run: -1 });
      }
    }
  });
  for (const workload of workloads) {
    for (const run of workload.cronRuns) {
      steps.push({
        ts: lifecycleStart(workload.lifecycles[run]!)!,
        op: 'run',
        workload: workload.index,
        version: null,
        run,
      });
    }
  }
  // stable: events keep their file order within a time, and CronJob runs come after the events of their time
  let sorted = true;
  for (let i = 1; i < steps.length && sorted; i++) sorted = steps[i - 1]!.ts <= steps[i]!.ts;
  if (!sorted) {
    const order = steps.map((step, i) => ({ step, i }));
    order.sort((a, b) => a.step.ts - b.step.ts || a.i - b.i);
    const moved = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      steps[i] = order[i]!.step;
      moved[order[i]!.i] = i;
    }
    for (const at of applyAt) for (let i = 0; i < at.length; i++) if (at[i]! >= 0) at[i] = moved[at[i]!]!;
  }
  return {
    workloads,
    steps,
    endTime: endTime === Number.NEGATIVE_INFINITY ? 0 : endTime,
    source: trace,
    stepOfApplied: applyAt,
  };
}

/**
 * {@link compileTrace} for a trace made from `previous`'s trace by edits that keep every object's identity and the
 * events' times (trace operations): copies `previous` and recompiles only the objects that changed, so a step of an
 * environment costs what it edits. Falls back to a full compilation when the traces differ otherwise. Gives the same
 * result as `compileTrace(trace)`.
 * @throws ReplayError as {@link compileTrace} does.
 */
export function recompileTrace(previous: CompiledTrace, trace: Trace): CompiledTrace {
  const before = previous.source;
  if (
    before.config !== trace.config ||
    before.podLifecycles !== trace.podLifecycles ||
    before.events.length !== trace.events.length
  ) {
    return compileTrace(trace);
  }
  let steps: TimelineStep[] | undefined;
  for (let e = 0; e < trace.events.length; e++) {
    const event = trace.events[e]!;
    const old = before.events[e]!;
    if (event === old) continue;
    if (
      event.ts !== old.ts ||
      event.deletedObjs !== old.deletedObjs ||
      event.appliedObjs.length !== old.appliedObjs.length
    ) {
      return compileTrace(trace);
    }
    const at = previous.stepOfApplied[e]!;
    for (let i = 0; i < event.appliedObjs.length; i++) {
      const obj = event.appliedObjs[i]!;
      if (obj === old.appliedObjs[i]) continue;
      const cached = freshObject(trace, obj, e);
      const step = at[i]! < 0 ? undefined : previous.steps[at[i]!];
      if (cached === null || step === undefined || previous.workloads[step.workload]!.key !== keyOf(cached)) {
        return compileTrace(trace);
      }
      steps ??= previous.steps.slice();
      steps[at[i]!] = {
        ts: step.ts,
        op: step.op,
        workload: step.workload,
        version: cached.version,
        run: step.run,
      };
    }
  }
  return {
    workloads: previous.workloads,
    steps: steps ?? previous.steps,
    endTime: previous.endTime,
    source: trace,
    stepOfApplied: previous.stepOfApplied,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Results

/** A pod's phase in the simulation ("Running" counts as ready: no readiness probes are simulated). */
export type SimPodPhase = 'Running' | 'Pending' | 'Succeeded';

/** One pod at the time of the result. */
export interface SimPodResult {
  /** `<workload>-<n>` (StatefulSets: `<workload>-<ordinal>`). */
  name: string;
  /** Its namespace. */
  namespace: string;
  /** Its workload, `Kind/namespace/name`. */
  workload: string;
  /** Its phase. */
  phase: SimPodPhase;
  /** The node it runs (or ran) on. */
  node?: string;
  /** Its FailedScheduling message, while Pending. */
  reason?: string;
}

/** One workload at the time of the result. */
export interface WorkloadResult {
  /** `Kind/namespace/name`. */
  key: string;
  /** Its kind. */
  kind: string;
  /** Its namespace. */
  namespace: string;
  /** Its name. */
  name: string;
  /** Running pods. */
  ready: number;
  /** Pending pods. */
  pending: number;
  /** Running and Pending pods. */
  total: number;
  /** Succeeded pods (finished Job, CronJob and bare-Pod runs). */
  succeeded: number;
  /** The distinct FailedScheduling messages of its Pending pods, in pod order. */
  pendingReasons: string[];
  /** The most of its pods that were Pending together after any time point up to the result's time. */
  peakPending: number;
  /** Every FailedScheduling message its pods had up to the result's time, first seen first. */
  peakPendingReasons: string[];
}

/** One node at the time of the result. */
export interface NodeResult {
  /** Its name. */
  name: string;
  /** What the pods bound to it request (`pods`: how many are bound). */
  requested: NodeResources;
  /** What it offers. */
  allocatable: NodeResources;
}

/** The state of the simulated cluster at one time of the trace. */
export interface SimulationResult {
  /** The time of the state (unix seconds). */
  time: number;
  /** Every pod that exists (Running, Pending, Succeeded), in creation order. */
  pods: SimPodResult[];
  /** Every workload applied by then, in the order first applied. */
  workloads: WorkloadResult[];
  /** Every node, in cluster order. */
  nodes: NodeResult[];
  /**
   * Running (`ready`) and Pending pods, and their sum (`total`), at the result's time; `peakPending`: the most pods
   * Pending together after any time point up to then (a trace can be unhealthy in the middle and fine at the end),
   * `peakReady` the most Running together.
   */
  summary: { ready: number; pending: number; total: number; peakPending: number; peakReady: number };
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The time of the state to report (unix seconds); default the trace's end. */
  at?: number | undefined;
  /**
   * List every pod in `result.pods` (default true). Pass false when only the counts matter (an environment's step):
   * `pods` is then empty and the replay is cheaper.
   */
  pods?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Replay

const PENDING = 0;
const RUNNING = 1;
const SUCCEEDED = 2;
const GONE = 3;

interface PodState extends SchedulablePod {
  readonly workload: WorkloadState;
  readonly number: number;
  phase: number;
  /** The index of its lifecycle in its workload's, or −1 (runs until removed). */
  readonly lifecycle: number;
  /** When it ends, once bound (timed pods only). */
  endAt: number;
}

interface WorkloadState {
  readonly compiled: CompiledWorkload;
  applied: boolean;
  live: boolean;
  version: CompiledVersion | null;
  verdicts: Int32Array;
  /** Pending and Running pods, in creation order. */
  readonly active: PodState[];
  /** How many of `active` are Pending. */
  pending: number;
  /** How many of its pods have Succeeded so far (kept as history). */
  succeeded: number;
  nextNumber: number;
  runs: number;
  jobSucceeded: number;
  /** DaemonSets: the nodes the current version runs on. */
  daemonNodes: number[] | null;
  /** The most of its pods Pending together after any time point so far. */
  peakPending: number;
  /** The FailedScheduling messages its pods had after any time point so far, first seen first. */
  peakReasons: string[];
}

const NO_VERDICTS = new Int32Array(0);

/** Adds the FailedScheduling messages of a workload's Pending pods to `reasons` (once each, in pod order). */
function addPendingReasons(workload: WorkloadState, reasons: string[]): string[] {
  for (const pod of workload.active) {
    if (pod.phase !== PENDING) continue;
    const reason = pod.reason ?? '';
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  return reasons;
}

const spareUsage = new WeakMap<CompiledCluster, NodeUsage>();

class Replay {
  readonly usage: NodeUsage;
  readonly workloads: WorkloadState[];
  readonly pods: PodState[] = [];
  /** Pods created since the last scheduling round. */
  readonly fresh: PodState[] = [];
  /** The queue of a round that retries every Pending pod. */
  readonly retry: PodState[] = [];
  readonly timed: PodState[] = [];
  readonly ordered: WorkloadState[] = [];
  seq = 0;
  released = false;
  now = 0;
  /** The most pods Pending together after any time point so far. */
  peakPending = 0;
  /** The most pods Running together after any time point so far. */
  peakReady = 0;

  constructor(
    readonly trace: CompiledTrace,
    readonly cluster: CompiledCluster,
    usage: NodeUsage,
  ) {
    this.usage = usage;
    this.workloads = trace.workloads.map((compiled) => ({
      compiled,
      applied: false,
      live: false,
      version: null,
      verdicts: NO_VERDICTS,
      active: [],
      pending: 0,
      succeeded: 0,
      nextNumber: 0,
      runs: 0,
      jobSucceeded: 0,
      daemonNodes: null,
      peakPending: 0,
      peakReasons: [],
    }));
  }

  durationOf(workload: WorkloadState, lifecycleIndex: number): number {
    const lifecycles = workload.compiled.lifecycles;
    if (lifecycles.length === 0 || lifecycleIndex < 0) return Number.POSITIVE_INFINITY;
    const lifecycle = lifecycles[lifecycleIndex % lifecycles.length]!;
    if (lifecycle === 'Empty' || 'Running' in lifecycle) return Number.POSITIVE_INFINITY;
    return Math.max(0, lifecycle.Finished[1] - lifecycle.Finished[0]);
  }

  create(workload: WorkloadState, number: number, pinned: number, lifecycleIndex: number): PodState {
    const version = workload.version!;
    const pod: PodState = {
      shape: version.shape,
      verdicts: workload.verdicts,
      pinned,
      seq: this.seq++,
      node: -1,
      reason: undefined,
      workload,
      number,
      phase: PENDING,
      lifecycle: lifecycleIndex,
      endAt: 0,
    };
    workload.active.push(pod);
    workload.pending++;
    this.pods.push(pod);
    this.fresh.push(pod);
    return pod;
  }

  createNext(workload: WorkloadState, pinned = -1, lifecycleIndex = -1): PodState {
    return this.create(workload, workload.nextNumber++, pinned, lifecycleIndex);
  }

  /** Removes a pending or running pod (deleted by its controller). */
  remove(pod: PodState): void {
    if (pod.phase === RUNNING) {
      this.usage.unbind(pod.node, pod.shape);
      this.released = true;
    } else {
      pod.workload.pending--;
    }
    pod.phase = GONE;
    const active = pod.workload.active;
    active.splice(active.indexOf(pod), 1);
  }

  removeAll(workload: WorkloadState): void {
    while (workload.active.length > 0) this.remove(workload.active[workload.active.length - 1]!);
  }

  /** Removes `count` pods: Pending first, then the newest. */
  removeNewest(workload: WorkloadState, count: number): void {
    const active = workload.active;
    for (let k = 0; k < count; k++) {
      let victim: PodState | undefined;
      for (let i = active.length - 1; i >= 0; i--) {
        if (active[i]!.phase === PENDING) {
          victim = active[i];
          break;
        }
      }
      this.remove(victim ?? active[active.length - 1]!);
    }
  }

  reconcile(workload: WorkloadState): void {
    if (!workload.live || workload.version === null) return;
    const version = workload.version;
    const active = workload.active;
    switch (workload.compiled.kind) {
      case 'Deployment':
      case 'ReplicaSet': {
        const want = version.replicas;
        if (active.length > want) this.removeNewest(workload, active.length - want);
        while (active.length < want) this.createNext(workload);
        break;
      }
      case 'StatefulSet': {
        const want = version.replicas;
        for (let i = active.length - 1; i >= 0; i--) if (active[i]!.number >= want) this.remove(active[i]!);
        // ordinals are created lowest first, so the active pods hold ordinals 0..active.length-1 in some order
        if (version.orderedReady) {
          if (active.length < want && active.every((pod) => pod.phase === RUNNING)) {
            this.create(workload, this.lowestFreeOrdinal(workload), -1, -1);
          }
        } else {
          while (active.length < want) this.create(workload, this.lowestFreeOrdinal(workload), -1, -1);
        }
        break;
      }
      case 'DaemonSet': {
        if (workload.daemonNodes === null) {
          const nodes: number[] = [];
          for (let i = 0; i < this.cluster.size; i++) if (workload.verdicts[i]! < 0) nodes.push(i);
          workload.daemonNodes = nodes;
        }
        for (const node of workload.daemonNodes) {
          if (!active.some((pod) => pod.pinned === node)) this.createNext(workload, node);
        }
        break;
      }
      case 'Job': {
        const want = Math.max(0, Math.min(version.parallelism, version.completions - workload.jobSucceeded));
        if (active.length > want) this.removeNewest(workload, active.length - want);
        while (active.length < want) this.createNext(workload, -1, workload.runs++);
        break;
      }
      default:
        break;
    }
  }

  lowestFreeOrdinal(workload: WorkloadState): number {
    for (let ordinal = 0; ; ordinal++) {
      if (!workload.active.some((pod) => pod.number === ordinal)) return ordinal;
    }
  }

  apply(workload: WorkloadState, version: CompiledVersion): void {
    const previous = workload.version;
    const kind = workload.compiled.kind;
    workload.version = version;
    if (previous === null || previous.shape !== version.shape) {
      workload.verdicts = staticVerdicts(this.cluster, version.shape);
    }
    if (!workload.live) {
      workload.live = true;
      workload.applied = true;
      workload.jobSucceeded = 0;
      workload.daemonNodes = null;
      if (kind === 'Pod') this.createNext(workload, -1, workload.runs++);
      else if (kind === 'CronJob' && workload.compiled.cronRuns.length === 0) this.createNext(workload);
    } else if (
      previous !== null &&
      !sameTemplate(previous, version) &&
      kind !== 'Job' &&
      kind !== 'CronJob'
    ) {
      this.removeAll(workload);
      workload.daemonNodes = null;
      if (kind === 'Pod') this.createNext(workload, -1, workload.runs++);
    }
    this.reconcile(workload);
  }

  delete(workload: WorkloadState): void {
    if (!workload.live) return;
    this.removeAll(workload);
    workload.live = false;
  }

  run(workload: WorkloadState, lifecycleIndex: number): void {
    if (workload.live && workload.version !== null) this.createNext(workload, -1, lifecycleIndex);
  }

  finish(pod: PodState): void {
    this.usage.unbind(pod.node, pod.shape);
    this.released = true;
    pod.phase = SUCCEEDED;
    const workload = pod.workload;
    workload.succeeded++;
    workload.active.splice(workload.active.indexOf(pod), 1);
    if (workload.compiled.kind === 'Job') {
      workload.jobSucceeded++;
      this.reconcile(workload);
    }
  }

  nextEnd(): number {
    let next = Number.POSITIVE_INFINITY;
    const timed = this.timed;
    let kept = 0;
    for (let i = 0; i < timed.length; i++) {
      const pod = timed[i]!;
      if (pod.phase !== RUNNING) continue;
      timed[kept++] = pod;
      if (pod.endAt < next) next = pod.endAt;
    }
    timed.length = kept;
    return next;
  }

  /** Tries the pods created since the last round, or every Pending pod after a release, in queue order. */
  schedule(): void {
    let queue: PodState[];
    if (this.released) {
      queue = this.retry;
      for (const pod of this.pods) if (pod.phase === PENDING) queue.push(pod);
      this.fresh.length = 0;
    } else {
      // the new pods are the queue (those removed again at the same time point are left out)
      queue = this.fresh;
      let kept = 0;
      for (let i = 0; i < queue.length; i++) if (queue[i]!.phase === PENDING) queue[kept++] = queue[i]!;
      queue.length = kept;
    }
    this.released = false;
    if (queue.length > 0) {
      scheduleQueue(this.cluster, this.usage, queue);
      for (const pod of queue) {
        if (pod.node < 0) continue;
        pod.phase = RUNNING;
        pod.workload.pending--;
        const duration = this.durationOf(pod.workload, pod.lifecycle);
        if (duration !== Number.POSITIVE_INFINITY) {
          pod.endAt = this.now + duration;
          this.timed.push(pod);
        }
        if (pod.workload.compiled.kind === 'StatefulSet') this.ordered.push(pod.workload);
      }
    }
    queue.length = 0;
  }

  runUntil(at: number): void {
    const steps = this.trace.steps;
    let s = 0;
    for (;;) {
      const nextStep = s < steps.length ? steps[s]!.ts : Number.POSITIVE_INFINITY;
      const nextEnd = this.nextEnd();
      const t = Math.min(nextStep, nextEnd);
      if (t > at || t === Number.POSITIVE_INFINITY) return;
      this.now = t;
      if (nextEnd === t) {
        for (const pod of this.timed) if (pod.phase === RUNNING && pod.endAt === t) this.finish(pod);
      }
      while (s < steps.length && steps[s]!.ts === t) {
        const step = steps[s++]!;
        const workload = this.workloads[step.workload]!;
        if (step.op === 'apply') this.apply(workload, step.version!);
        else if (step.op === 'delete') this.delete(workload);
        else this.run(workload, step.run);
      }
      this.schedule();
      // StatefulSets with OrderedReady create their next ordinal once the previous ones run
      while (this.ordered.length > 0) {
        const waiting = this.ordered.splice(0);
        for (const workload of waiting) this.reconcile(workload);
        if (this.fresh.length === 0) break;
        this.schedule();
      }
      this.recordPending();
    }
  }

  /** Notes, after a time point, how many pods of each workload are Pending (for the peaks of the result). */
  recordPending(): void {
    let total = 0;
    let running = 0;
    for (const workload of this.workloads) {
      const pending = workload.pending;
      running += workload.active.length - pending;
      if (pending === 0) continue;
      total += pending;
      if (pending > workload.peakPending) workload.peakPending = pending;
      addPendingReasons(workload, workload.peakReasons);
    }
    if (total > this.peakPending) this.peakPending = total;
    if (running > this.peakReady) this.peakReady = running;
  }

  podName(pod: PodState): string {
    const names = pod.workload.compiled.podNames;
    let name = names[pod.number];
    if (name === undefined) {
      const compiled = pod.workload.compiled;
      name = compiled.kind === 'Pod' && pod.number === 0 ? compiled.name : `${compiled.name}-${pod.number}`;
      names[pod.number] = name;
    }
    return name;
  }

  /** Every pod that exists at the end of the replay, for {@link SimulationResult.pods}. */
  podResults(): SimPodResult[] {
    const nodes = this.cluster.nodes;
    const pods: SimPodResult[] = [];
    for (const pod of this.pods) {
      if (pod.phase === GONE) continue;
      const compiled = pod.workload.compiled;
      const name = this.podName(pod);
      const { namespace, key: workload } = compiled;
      if (pod.phase === PENDING)
        pods.push({ name, namespace, workload, phase: 'Pending', reason: pod.reason ?? '' });
      else {
        const phase = pod.phase === RUNNING ? 'Running' : 'Succeeded';
        pods.push({ name, namespace, workload, phase, node: nodes[pod.node]!.name });
      }
    }
    return pods;
  }

  result(time: number, listPods: boolean): SimulationResult {
    let ready = 0;
    let pending = 0;
    const workloads: WorkloadResult[] = [];
    for (const workload of this.workloads) {
      if (!workload.applied) continue;
      const compiled = workload.compiled;
      const workloadReady = workload.active.length - workload.pending;
      ready += workloadReady;
      pending += workload.pending;
      workloads.push({
        key: compiled.key,
        kind: compiled.kind,
        namespace: compiled.namespace,
        name: compiled.name,
        ready: workloadReady,
        pending: workload.pending,
        total: workload.active.length,
        succeeded: workload.succeeded,
        pendingReasons: workload.pending === 0 ? [] : addPendingReasons(workload, []),
        peakPending: workload.peakPending,
        peakPendingReasons: workload.peakReasons,
      });
    }
    const usage = this.usage;
    const nodeResults: NodeResult[] = this.cluster.nodes.map((node, i) => ({
      name: node.name,
      requested: { cpuMillis: usage.cpuMillis[i]!, memoryBytes: usage.memoryBytes[i]!, pods: usage.pods[i]! },
      allocatable: {
        cpuMillis: node.allocatable.cpuMillis,
        memoryBytes: node.allocatable.memoryBytes,
        pods: node.allocatable.pods,
      },
    }));
    return {
      time,
      pods: listPods ? this.podResults() : [],
      workloads,
      nodes: nodeResults,
      summary: {
        ready,
        pending,
        total: ready + pending,
        peakPending: this.peakPending,
        peakReady: this.peakReady,
      },
    };
  }
}

/**
 * Replays a compiled trace onto a cluster and reports the state at `options.at` (default: the trace's end). Pure:
 * neither the trace nor the nodes are changed, and the same input always gives the same result.
 * @throws InvalidArgumentError when `at` is not a finite number.
 */
export function simulate(
  compiled: CompiledTrace,
  nodes: readonly SimNode[],
  options: SimulateOptions = {},
): SimulationResult {
  const at = options.at ?? compiled.endTime;
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    throw new InvalidArgumentError(
      `simulate: options.at must be a finite time in unix seconds (e.g. ${compiled.endTime}, the end of the trace), got ${String(at)}.`,
    );
  }
  const cluster = compileCluster(nodes);
  // one NodeUsage per cluster is reused from replay to replay (simulate is synchronous, so never shared)
  let usage = spareUsage.get(cluster);
  if (usage === undefined) usage = new NodeUsage(cluster.size);
  else spareUsage.delete(cluster);
  usage.reset();
  try {
    const replay = new Replay(compiled, cluster, usage);
    replay.runUntil(at);
    return replay.result(at, options.pods ?? true);
  } finally {
    spareUsage.set(cluster, usage);
  }
}

/** {@link compileTrace} then {@link simulate}: for one-off replays (an environment keeps the compiled trace). */
export function simulateTrace(
  trace: Trace,
  nodes: readonly SimNode[],
  options: SimulateOptions = {},
): SimulationResult {
  return simulate(compileTrace(trace), nodes, options);
}
