/**
 * Queries over the workloads of a SimKube trace: which Deployments, StatefulSets, ReplicaSets, DaemonSets, Jobs,
 * CronJobs and bare Pods it applies, where their pod templates are, what their containers request, and how their
 * replica counts change over time.
 *
 * Semantics:
 * - A workload is an applied object (in some event's `applied_objs`) whose kind is one of {@link WORKLOAD_KINDS}, or
 *   whose GVK has pod-template paths in the tracer config. Objects that only appear in `deleted_objs` (they existed
 *   before the recording window and were deleted in it) are not workloads: the trace never applies them.
 * - A workload is identified by kind, namespace and name (the apiVersion may change between versions). Workloads are
 *   listed in the order they are first applied.
 * - Its pod template is found through the config's `podSpecTemplatePaths` for its GVK (or the older singular
 *   `podSpecTemplatePath`, or the config entry written as `/v1.Pod` by writers before 1.1), and, when the config gives
 *   none, through SimKube's built-in defaults ({@link DEFAULT_POD_TEMPLATE_PATHS}). Paths are JSON pointers
 *   (RFC 6901). With several paths, the first one that leads to an object in the workload's object is used.
 * - Containers are those of the last applied version. Init containers with `restartPolicy: Always` are sidecars.
 * - Deployments, StatefulSets and ReplicaSets without `spec.replicas` have 1 replica, as Kubernetes defaults them;
 *   other kinds have no replica count (`null`).
 * - `deletedTs` is the time of the workload's deletion when the trace ends with it deleted (a deletion followed by a
 *   new apply clears it).
 */

import { distance } from 'fastest-levenshtein';
import { SimArenaError } from '../../../src/core/errors.js';
import { Quantity, QuantityError } from './quantity.js';
import { isPlainObject, type JsonObject, type JsonValue, type KubeObject, type Trace } from './schema.js';

/** The kinds SimKube knows the pod template of, in the order of its documentation. */
export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Pod',
] as const;

/** One of {@link WORKLOAD_KINDS}. */
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** SimKube's built-in pod-template paths (JSON pointers); `""` is the whole object (a bare Pod). */
export const DEFAULT_POD_TEMPLATE_PATHS: Readonly<Record<WorkloadKind, string>> = Object.freeze({
  Deployment: '/spec/template',
  StatefulSet: '/spec/template',
  ReplicaSet: '/spec/template',
  DaemonSet: '/spec/template',
  Job: '/spec/template',
  CronJob: '/spec/jobTemplate/spec/template',
  Pod: '',
});

/** The kinds with a `spec.replicas` count, which the replica operations can scale. */
export const SCALABLE_KINDS: readonly string[] = Object.freeze(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** What a container is: an app container, an ordinary init container, or a sidecar (restartable init container). */
export type ContainerKind = 'app' | 'init' | 'sidecar';

/** One container of a workload's pod template, with its resource requests and limits as exact quantities. */
export interface ContainerInfo {
  /** The container's name. */
  name: string;
  /** App, init or sidecar (an init container with `restartPolicy: Always`). */
  kind: ContainerKind;
  /** `resources.requests`, by resource name. */
  requests: Record<string, Quantity>;
  /** `resources.limits`, by resource name. */
  limits: Record<string, Quantity>;
}

/** The replica count of a workload in one event where it is applied (`null` for kinds without replicas). */
export interface ReplicaPoint {
  /** The event's time (unix seconds). */
  ts: number;
  /** `spec.replicas` (1 when absent), or `null` for kinds without replicas. */
  replicas: number | null;
}

/** A workload of a trace and what its last applied version asks for. */
export interface Workload {
  /** The GVK of its last applied version (`apps/v1.Deployment`). */
  gvk: string;
  /** Its kind (`Deployment`). */
  kind: string;
  /** Its namespace (`""` for a cluster-scoped object). */
  namespace: string;
  /** Its name. */
  name: string;
  /** `namespace/name` (just `name` without a namespace), as in the trace's index. */
  key: string;
  /** The JSON pointer of its pod template (`/spec/template`, `""` for a bare Pod). */
  templatePath: string;
  /** The containers of its last applied version: app containers first, then init containers and sidecars. */
  containers: ContainerInfo[];
  /** Its replica count in every event that applies it, in trace order. */
  replicas: ReplicaPoint[];
  /** The time of the first event that applies it. */
  firstAppliedTs: number;
  /** When the trace ends with the workload deleted, the time of that deletion. */
  deletedTs?: number;
}

/** The identity of a workload without its contents: enough to find its objects in the trace. */
export interface WorkloadRef {
  /** The GVK of its last applied version. */
  gvk: string;
  /** Its kind. */
  kind: string;
  /** Its namespace (`""` for a cluster-scoped object). */
  namespace: string;
  /** Its name. */
  name: string;
  /** `namespace/name`, or `name` without a namespace. */
  key: string;
}

/** Why a workload reference did not resolve, with the valid choices. */
export interface WorkloadLookupFailure {
  /** `WORKLOAD_NOT_FOUND`: nothing matches; `AMBIGUOUS_WORKLOAD`: a bare name matches several workloads. */
  code: 'WORKLOAD_NOT_FOUND' | 'AMBIGUOUS_WORKLOAD';
  /** What went wrong and how to name the workload instead. */
  message: string;
  /** The valid workloads (not found) or the matching ones (ambiguous). */
  choices: string[];
}

/** The result of {@link resolveWorkloadRef}. */
export type WorkloadRefLookup =
  | { ok: true; ref: WorkloadRef }
  | { ok: false; failure: WorkloadLookupFailure };

/** The result of {@link findWorkload}. */
export type WorkloadLookup = { ok: true; workload: Workload } | { ok: false; failure: WorkloadLookupFailure };

/** The stable codes of a {@link WorkloadQueryError}. */
export type WorkloadQueryErrorCode = 'INVALID_POINTER' | 'INVALID_QUANTITY';

/** A trace holds something the workload queries cannot read: a malformed JSON pointer or resource quantity. */
export class WorkloadQueryError extends SimArenaError {
  declare readonly code: WorkloadQueryErrorCode;

  constructor(code: WorkloadQueryErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON pointers

/**
 * Splits an RFC 6901 JSON pointer into its reference tokens: `""` → `[]`, `"/spec/template"` → `["spec",
 * "template"]`, `"/a~1b/~0c"` → `["a/b", "~c"]`.
 * @throws WorkloadQueryError `INVALID_POINTER` when the pointer does not start with "/" or has a bad `~` escape.
 */
export function parseJsonPointer(pointer: string): string[] {
  return [...parsedPointer(pointer)];
}

/** Parsed pointers by text: the few template paths of a trace are resolved for every edit and every compile. */
const parsedPointers = new Map<string, readonly string[]>();
const PARSED_POINTERS_MAX = 1024;

/** {@link parseJsonPointer}, cached and frozen (only valid pointers are kept). */
function parsedPointer(pointer: string): readonly string[] {
  const known = parsedPointers.get(pointer);
  if (known !== undefined) return known;
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw new WorkloadQueryError(
      'INVALID_POINTER',
      `Invalid JSON pointer ${JSON.stringify(pointer)}: a pointer is "" (the whole object) or starts with "/", e.g. "/spec/template".`,
    );
  }
  const tokens =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((token) => {
            if (/~(?![01])/.test(token)) {
              throw new WorkloadQueryError(
                'INVALID_POINTER',
                `Invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by 0 (for "~") or 1 (for "/").`,
              );
            }
            return token.replaceAll('~1', '/').replaceAll('~0', '~');
          });
  if (parsedPointers.size >= PARSED_POINTERS_MAX) parsedPointers.clear();
  const frozen = Object.freeze(tokens);
  parsedPointers.set(pointer, frozen);
  return frozen;
}

/** Writes reference tokens back as a JSON pointer, escaping "~" and "/" (the inverse of {@link parseJsonPointer}). */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** The value a JSON pointer designates inside `root`, or `undefined` when it leads nowhere. */
export function resolveJsonPointer(root: JsonValue, pointer: string): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const token of parsedPointer(pointer)) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      current = current[Number(token)];
    } else if (isPlainObject(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** The pod template (a map with `metadata` and `spec`) at `path` inside `obj`, or `undefined` when there is none. */
export function podTemplateOf(obj: JsonObject, path: string): JsonObject | undefined {
  const found = resolveJsonPointer(obj, path);
  return isPlainObject(found) ? (found as JsonObject) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Template paths

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/**
 * The pod-template paths of a GVK: those of the tracer config (`podSpecTemplatePaths`, else the older singular
 * `podSpecTemplatePath`; the config entry may be written `/v1.Pod` by old writers), else SimKube's built-in default
 * for the kind, else none (the kind has no known pod template).
 */
export function templatePathsOf(trace: Pick<Trace, 'config'>, gvk: string, kind: string): readonly string[] {
  const tracked = trace.config.trackedObjects;
  let byGvk = templatePathsCache.get(tracked);
  if (byGvk === undefined) {
    byGvk = new Map();
    templatePathsCache.set(tracked, byGvk);
  }
  const key = `${gvk}\u0000${kind}`;
  let paths = byGvk.get(key);
  if (paths === undefined) {
    paths = Object.freeze(readTemplatePaths(tracked, gvk, kind));
    byGvk.set(key, paths);
  }
  return paths;
}

/** {@link templatePathsOf} per tracker config (configs are never edited in place: trace operations share them). */
const templatePathsCache = new WeakMap<Trace['config']['trackedObjects'], Map<string, readonly string[]>>();

function readTemplatePaths(tracked: Trace['config']['trackedObjects'], gvk: string, kind: string): string[] {
  const entry = tracked[gvk] ?? (gvk.includes('/') ? undefined : tracked[`/${gvk}`]);
  if (entry !== undefined) {
    const plural = entry.podSpecTemplatePaths;
    if (Array.isArray(plural) && plural.length > 0) return [...plural];
    if (typeof entry.podSpecTemplatePath === 'string') return [entry.podSpecTemplatePath];
  }
  return isWorkloadKind(kind) ? [DEFAULT_POD_TEMPLATE_PATHS[kind]] : [];
}

/** The path among `paths` whose template exists in `obj` (the first one when none does). */
export function templatePathIn(obj: JsonObject, paths: readonly string[]): string {
  for (const path of paths) if (podTemplateOf(obj, path) !== undefined) return path;
  return paths[0] ?? '';
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning the trace

/** The identity fields of an object, when it has them. */
function identityOf(
  obj: KubeObject,
): { kind: string; gvk: string; namespace: string; name: string } | undefined {
  const { apiVersion, kind } = obj;
  const name = obj.metadata.name;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string')
    return undefined;
  const namespace = typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : '';
  return { kind, gvk: `${apiVersion}.${kind}`, namespace, name };
}

/** The key a workload is known by: `namespace/name`, or `name` when cluster-scoped. */
export function workloadKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

function identityKey(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

/** Whether `obj` is the workload `ref` (same kind, namespace and name). */
export function isObjectOf(obj: KubeObject, ref: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>): boolean {
  // called for every object of every event by each trace operation: compares in place, allocates nothing
  const { metadata } = obj;
  return (
    obj.kind === ref.kind &&
    metadata.name === ref.name &&
    (typeof metadata.namespace === 'string' ? metadata.namespace : '') === ref.namespace &&
    typeof obj.apiVersion === 'string'
  );
}

interface Scanned {
  ref: WorkloadRef;
  paths: readonly string[];
  applied: { ts: number; obj: KubeObject }[];
  deletedTs?: number;
}

function scan(trace: Trace): Scanned[] {
  const found = new Map<string, Scanned>();
  for (const event of trace.events) {
    for (const obj of event.appliedObjs) {
      const id = identityOf(obj);
      if (id === undefined) continue;
      const paths = templatePathsOf(trace, id.gvk, id.kind);
      if (paths.length === 0) continue;
      const key = identityKey(id.kind, id.namespace, id.name);
      let entry = found.get(key);
      if (entry === undefined) {
        entry = {
          ref: {
            gvk: id.gvk,
            kind: id.kind,
            namespace: id.namespace,
            name: id.name,
            key: workloadKey(id.namespace, id.name),
          },
          paths,
          applied: [],
        };
        found.set(key, entry);
      }
      entry.ref.gvk = id.gvk;
      entry.paths = paths;
      entry.applied.push({ ts: event.ts, obj });
      delete entry.deletedTs;
    }
    for (const obj of event.deletedObjs) {
      const id = identityOf(obj);
      if (id === undefined) continue;
      const entry = found.get(identityKey(id.kind, id.namespace, id.name));
      if (entry !== undefined) entry.deletedTs = event.ts;
    }
  }
  return [...found.values()];
}

/** The workload identities of each trace scanned so far (see {@link shareWorkloadRefs}). */
const workloadRefsCache = new WeakMap<Trace, readonly Readonly<WorkloadRef>[]>();

/** The cached (frozen) workload identities of a trace, scanning it the first time. */
function cachedWorkloadRefs(trace: Trace): readonly Readonly<WorkloadRef>[] {
  let refs = workloadRefsCache.get(trace);
  if (refs === undefined) {
    refs = scan(trace).map((entry) => Object.freeze(entry.ref));
    workloadRefsCache.set(trace, refs);
  }
  return refs;
}

/** A caller's own copy of a ref (the cached ones are shared). */
function copyRef(ref: Readonly<WorkloadRef>): WorkloadRef {
  return { gvk: ref.gvk, kind: ref.kind, namespace: ref.namespace, name: ref.name, key: ref.key };
}

/** The identities of the trace's workloads, in the order they are first applied. */
export function listWorkloadRefs(trace: Trace): WorkloadRef[] {
  return cachedWorkloadRefs(trace).map(copyRef);
}

/**
 * Tells {@link listWorkloadRefs} that `edited` has the workloads of `original`: for an edit that changes no object's
 * kind, namespace, name, apiVersion or tracker config (every trace operation), so that the next lookup in `edited`
 * does not scan it again.
 */
export function shareWorkloadRefs(original: Trace, edited: Trace): void {
  const refs = workloadRefsCache.get(original);
  if (refs !== undefined) workloadRefsCache.set(edited, refs);
}

/** The replica count of one version of a workload (see the module documentation). */
export function replicasOf(obj: JsonObject, kind: string): number | null {
  if (!SCALABLE_KINDS.includes(kind)) return null;
  const spec = obj.spec;
  const replicas = isPlainObject(spec) ? spec.replicas : undefined;
  return typeof replicas === 'number' && Number.isSafeInteger(replicas) && replicas >= 0 ? replicas : 1;
}

function quantities(
  value: JsonValue | undefined,
  where: () => string,
  field: 'requests' | 'limits',
): Record<string, Quantity> {
  const out: Record<string, Quantity> = {};
  if (!isPlainObject(value)) return out;
  for (const [resource, raw] of Object.entries(value)) {
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      throw new WorkloadQueryError(
        'INVALID_QUANTITY',
        `${where()}: resources.${field}.${resource} is ${JSON.stringify(String(raw))}, not a quantity; write a quantity such as "500m" or "256Mi".`,
      );
    }
    try {
      out[resource] = Quantity.parse(raw);
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
      throw new WorkloadQueryError(
        'INVALID_QUANTITY',
        `${where()}: resources.${field}.${resource}: ${error.message}`,
        {
          cause: error,
        },
      );
    }
  }
  return out;
}

/** The app containers, init containers and sidecars of a pod spec, in that order. */
export function containersOfPodSpec(podSpec: JsonObject, describe = 'the pod template'): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  const read = (list: JsonValue | undefined, init: boolean) => {
    if (!Array.isArray(list)) return;
    for (const container of list) {
      if (!isPlainObject(container)) continue;
      const name = typeof container.name === 'string' ? container.name : '';
      const kind: ContainerKind = !init ? 'app' : container.restartPolicy === 'Always' ? 'sidecar' : 'init';
      const resources = isPlainObject(container.resources) ? container.resources : {};
      const where = () => `${describe}, container ${JSON.stringify(name)}`;
      out.push({
        name,
        kind,
        requests: quantities(resources.requests, where, 'requests'),
        limits: quantities(resources.limits, where, 'limits'),
      });
    }
  };
  read(podSpec.containers, false);
  read(podSpec.initContainers, true);
  return out;
}

function buildWorkload(entry: Scanned): Workload {
  const last = entry.applied[entry.applied.length - 1]!;
  const { ref } = entry;
  const templatePath = templatePathIn(last.obj, entry.paths);
  const template = podTemplateOf(last.obj, templatePath);
  const spec = template !== undefined && isPlainObject(template.spec) ? template.spec : undefined;
  const containers = spec
    ? containersOfPodSpec(spec as JsonObject, `${ref.kind} ${ref.key} (ts ${last.ts})`)
    : [];
  const workload: Workload = {
    ...ref,
    templatePath,
    containers,
    replicas: entry.applied.map(({ ts, obj }) => ({ ts, replicas: replicasOf(obj, ref.kind) })),
    firstAppliedTs: entry.applied[0]!.ts,
  };
  if (entry.deletedTs !== undefined) workload.deletedTs = entry.deletedTs;
  return workload;
}

/**
 * The workloads of a trace, in the order they are first applied (see the module documentation for what counts).
 * @throws WorkloadQueryError `INVALID_QUANTITY` naming the workload, container and field when a request or limit of
 *   a last applied version is not a quantity; `INVALID_POINTER` when the config holds a malformed template path.
 */
export function listWorkloads(trace: Trace): Workload[] {
  return scan(trace).map(buildWorkload);
}

/** Every applied version of a workload: the event time, the event's index and the object. */
export function appliedVersionsOf(
  trace: Trace,
  ref: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>,
): { ts: number; event: number; obj: KubeObject }[] {
  const out: { ts: number; event: number; obj: KubeObject }[] = [];
  trace.events.forEach((event, index) => {
    for (const obj of event.appliedObjs)
      if (isObjectOf(obj, ref)) out.push({ ts: event.ts, event: index, obj });
  });
  return out;
}

/** The workload whose key or bare name is a near miss of `wanted` (a typo), if any. */
function closestRef(refs: readonly WorkloadRef[], wanted: string): string | undefined {
  let best: { key: string; score: number } | undefined;
  for (const ref of refs) {
    const score = Math.min(distance(ref.key, wanted), distance(ref.name, wanted));
    if (best === undefined || score < best.score) best = { key: ref.key, score };
  }
  return best !== undefined && best.score <= Math.max(2, Math.floor(wanted.length / 3))
    ? best.key
    : undefined;
}

function notFound(refs: readonly WorkloadRef[], wanted: string): WorkloadLookupFailure {
  const choices = [...new Set(refs.map((ref) => ref.key))];
  if (choices.length === 0) {
    return {
      code: 'WORKLOAD_NOT_FOUND',
      message: `No workload ${JSON.stringify(wanted)}: the trace applies no workload at all (no Deployment, StatefulSet, ReplicaSet, DaemonSet, Job, CronJob or Pod).`,
      choices,
    };
  }
  const closest = closestRef(refs, wanted);
  return {
    code: 'WORKLOAD_NOT_FOUND',
    message:
      `No workload ${JSON.stringify(wanted)} in the trace${closest === undefined ? '' : ` (did you mean ${JSON.stringify(closest)}?)`}; ` +
      `name one as "namespace/name" or by its bare name: ${choices.join(', ')}.`,
    choices,
  };
}

/**
 * Resolves a workload reference to one workload identity: `namespace/name`, a bare `name` (when only one workload
 * has it), or `Kind/namespace/name` (when several kinds share a `namespace/name`). Never throws.
 */
export function resolveWorkloadRef(trace: Trace, wanted: string): WorkloadRefLookup {
  const refs = cachedWorkloadRefs(trace);
  let resolved = resolvedRefs.get(refs);
  if (resolved === undefined) {
    resolved = new Map();
    resolvedRefs.set(refs, resolved);
  }
  const known = resolved.get(wanted);
  if (known !== undefined) return { ok: true, ref: copyRef(known) };
  const lookup = lookUpWorkloadRef(refs, wanted);
  if (!lookup.ok) return lookup;
  resolved.set(wanted, lookup.ref);
  return { ok: true, ref: copyRef(lookup.ref) };
}

/** The references {@link resolveWorkloadRef} resolved, per workload list (shared by a trace and its edits). */
const resolvedRefs = new WeakMap<readonly Readonly<WorkloadRef>[], Map<string, Readonly<WorkloadRef>>>();

function lookUpWorkloadRef(
  refs: readonly Readonly<WorkloadRef>[],
  wanted: string,
): { ok: true; ref: Readonly<WorkloadRef> } | { ok: false; failure: WorkloadLookupFailure } {
  const parts = wanted.split('/');
  let matches: Readonly<WorkloadRef>[];
  if (parts.length === 3) {
    const [kind = '', namespace, name] = parts;
    matches = refs.filter(
      (ref) =>
        ref.kind.toLowerCase() === kind.toLowerCase() && ref.namespace === namespace && ref.name === name,
    );
  } else if (parts.length === 2) {
    matches = refs.filter((ref) => ref.namespace === parts[0] && ref.name === parts[1]);
  } else if (parts.length === 1) {
    matches = refs.filter((ref) => ref.name === wanted);
  } else {
    matches = [];
  }
  if (wanted === '' || matches.length === 0) return { ok: false, failure: notFound(refs, wanted) };
  if (matches.length === 1) return { ok: true, ref: matches[0]! };
  const keys = matches.map((ref) => ref.key);
  const choices = new Set(keys).size === keys.length ? keys : matches.map((ref) => `${ref.kind}/${ref.key}`);
  return {
    ok: false,
    failure: {
      code: 'AMBIGUOUS_WORKLOAD',
      message: `Workload ${JSON.stringify(wanted)} is ambiguous: ${matches.length} workloads match (${choices.join(', ')}); name one of them exactly.`,
      choices,
    },
  };
}

/**
 * Finds one workload by `namespace/name`, an unambiguous bare name or `Kind/namespace/name`. Lookup failures are
 * returned, never thrown (`WORKLOAD_NOT_FOUND` lists the valid workloads, `AMBIGUOUS_WORKLOAD` the matching ones).
 * @throws WorkloadQueryError as {@link listWorkloads} when the workload's quantities are malformed.
 */
export function findWorkload(trace: Trace, wanted: string): WorkloadLookup {
  const resolved = resolveWorkloadRef(trace, wanted);
  if (!resolved.ok) return resolved;
  const { ref } = resolved;
  const entry = scan(trace).find(
    (candidate) =>
      candidate.ref.kind === ref.kind &&
      candidate.ref.namespace === ref.namespace &&
      candidate.ref.name === ref.name,
  )!;
  return { ok: true, workload: buildWorkload(entry) };
}
