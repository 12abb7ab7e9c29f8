/**
 * Pure operations on a trace's workloads: change a container's CPU or memory request, or a workload's replica count,
 * and get a new trace back. An operation never throws for a bad target or value and never mutates its input: it
 * returns `{ ok: false, failure }` with a stable code, a message naming the workload, container and field, and the
 * valid choices when there are some. Untouched events and objects are shared with the input.
 *
 * Semantics:
 * - The workload is named as {@link findWorkload} accepts it (`namespace/name`, a unique bare name, or
 *   `Kind/namespace/name`). The operation applies to every event whose `applied_objs` hold the workload (same kind,
 *   namespace and name), at the pod template its tracer config (or SimKube's default) points to.
 * - `container` names an app, init or sidecar container; without it, the first app container is targeted (in each
 *   applied version). A version that lacks the named container fails the whole operation with `NO_SUCH_CONTAINER`
 *   (listing that version's containers): an operation changes every applied version or none.
 * - A container's current request for a resource is its `resources.requests` entry or, when only a limit is set,
 *   that limit (what the API server's defaulting makes the request). Bumping a resource with neither creates the
 *   request from 0; reducing one fails with `FIELD_MISSING`; a result below zero fails with `INVALID_VALUE`
 *   (reducing to exactly zero is allowed).
 * - When a new request exceeds the container's limit for that resource, the limit is raised to the request so the
 *   pod stays valid (Kubernetes rejects requests above limits); this is recorded in `changes` as `limits.cpu` or
 *   `limits.memory`. Limits are never lowered.
 * - New quantities are written in canonical Kubernetes form (`Quantity#toString`: "750m", "768Mi", "2"). A field is
 *   rewritten only when its text changes.
 * - Replica operations apply to Deployments, StatefulSets and ReplicaSets (`spec.replicas`, 1 when absent, as
 *   Kubernetes defaults it); other kinds fail with `NOT_SCALABLE`; scaling below 0 fails with `INVALID_VALUE`.
 *   `container` is ignored by them. `status` is never touched.
 * - The index is kept as it is: the workload stays listed under its GVK and `namespace/name` with its old hash.
 *   SimKube's driver only checks that an object is listed, never the hash value, and keeping the recorded hash keeps
 *   an edited trace traceable to its original. `pod_lifecycles` are kept too; SimKube matches them by a hash of the
 *   pod spec, so lifecycles recorded for a pod template whose requests changed may no longer apply.
 */
import { z } from 'zod';
import { Quantity, QuantityError } from './quantity.js';
import {
  isPlainObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type Trace,
  type TraceEvent,
} from './schema.js';
import {
  isObjectOf,
  listWorkloadRefs,
  parseJsonPointer,
  podTemplateOf,
  resolveWorkloadRef,
  SCALABLE_KINDS,
  shareWorkloadRefs,
  templatePathIn,
  templatePathsOf,
  WorkloadQueryError,
  type WorkloadRef,
} from './workloads.js';

/** The CPU step of `bump_cpu_small` and `reduce_cpu_small`: 500m. */
export const CPU_STEP: Quantity = Quantity.parse('500m');

/** The memory step of `bump_mem_small` and `reduce_mem_small`: 256Mi. */
export const MEMORY_STEP: Quantity = Quantity.parse('256Mi');

/** The replica step of `scale_up_replicas` and `scale_down_replicas`: 1. */
export const REPLICA_STEP = 1;

/** Every operation type. */
export const TRACE_OP_TYPES = [
  'bump_cpu_small',
  'bump_mem_small',
  'scale_up_replicas',
  'reduce_cpu_small',
  'reduce_mem_small',
  'scale_down_replicas',
  'set_requests',
  'set_replicas',
] as const;

/** One of {@link TRACE_OP_TYPES}. */
export type TraceOpType = (typeof TRACE_OP_TYPES)[number];

/** A non-negative Kubernetes quantity written as text ("500m", "1.5", "2Gi"). */
export const QuantityTextSchema = z.string().superRefine((text, ctx) => {
  try {
    if (Quantity.parse(text).sign() < 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(text)} is negative; requests cannot be negative`,
      });
    }
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof QuantityError ? error.message : String(error) });
  }
});

const target = {
  workload: z
    .string({ error: 'expected the workload as "namespace/name" or its bare name' })
    .min(1, { error: 'expected the workload as "namespace/name" or its bare name' }),
  container: z
    .string({ error: 'expected a container name' })
    .min(1, { error: 'expected a container name' })
    .optional(),
};

/** A trace operation (validated); a discriminated union on `type`. */
export const TraceOpSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('bump_cpu_small'), ...target }),
    z.strictObject({ type: z.literal('bump_mem_small'), ...target }),
    z.strictObject({ type: z.literal('scale_up_replicas'), ...target }),
    z.strictObject({ type: z.literal('reduce_cpu_small'), ...target }),
    z.strictObject({ type: z.literal('reduce_mem_small'), ...target }),
    z.strictObject({ type: z.literal('scale_down_replicas'), ...target }),
    z
      .strictObject({
        type: z.literal('set_requests'),
        ...target,
        cpu: QuantityTextSchema.optional(),
        memory: QuantityTextSchema.optional(),
      })
      .refine((op) => op.cpu !== undefined || op.memory !== undefined, {
        error: 'set_requests needs cpu, memory or both (quantities such as "500m" and "256Mi")',
      }),
    z.strictObject({
      type: z.literal('set_replicas'),
      ...target,
      replicas: z
        .int({ error: 'expected a whole number of replicas' })
        .min(0, { error: 'expected a non-negative number of replicas' }),
    }),
  ],
  { error: `expected an operation whose type is one of ${TRACE_OP_TYPES.join(', ')}` },
);

/** A trace operation: what to change, on which workload and (optionally) which container. */
export type TraceOp = z.infer<typeof TraceOpSchema>;

/** The stable codes of a {@link TraceOpFailure}. */
export type TraceOpFailureCode =
  | 'WORKLOAD_NOT_FOUND'
  | 'AMBIGUOUS_WORKLOAD'
  | 'NO_SUCH_CONTAINER'
  | 'FIELD_MISSING'
  | 'NOT_SCALABLE'
  | 'INVALID_VALUE';

/** Why an operation was not applied. */
export interface TraceOpFailure {
  /** A stable code. */
  code: TraceOpFailureCode;
  /** What went wrong, naming the workload, container and field, and how to fix it. */
  message: string;
  /** The valid workloads or containers, when relevant (empty otherwise). */
  choices: string[];
}

/** The field a {@link TraceChange} changed. */
export type TraceChangeField =
  | 'requests.cpu'
  | 'requests.memory'
  | 'limits.cpu'
  | 'limits.memory'
  | 'replicas';

/** One change an operation made, with how many events it was made in. */
export interface TraceChange {
  /** The workload's `namespace/name`. */
  workload: string;
  /** The container, for request and limit changes. */
  container?: string;
  /** The changed field. */
  field: TraceChangeField;
  /** The old value as it was written in the trace (`null` when the field was absent). */
  from: string | number | null;
  /** The new value as written. */
  to: string | number;
  /** In how many events this change was made. */
  events: number;
}

/** The result of {@link applyTraceOp}. */
export type TraceOpResult =
  | { ok: true; trace: Trace; changes: TraceChange[] }
  | { ok: false; failure: TraceOpFailure };

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: TraceOpFailure };

function fail(
  code: TraceOpFailureCode,
  message: string,
  choices: string[] = [],
): { ok: false; failure: TraceOpFailure } {
  return { ok: false, failure: { code, message, choices } };
}

// ---------------------------------------------------------------------------------------------------------------
// Copy-on-write updates

type PathSegment = string | number;

/**
 * `root` with `value` at `path` (from `path[from]` on), copying every map and array on the way and creating
 * missing maps.
 */
function setIn(
  root: JsonValue | undefined,
  path: readonly PathSegment[],
  value: JsonValue,
  from = 0,
): JsonValue {
  if (from === path.length) return value;
  const head = path[from]!;
  if (typeof head === 'number') {
    const copy: JsonValue[] = Array.isArray(root) ? root.slice() : [];
    copy[head] = setIn(copy[head], path, value, from + 1);
    return copy;
  }
  if (Array.isArray(root) && /^(?:0|[1-9][0-9]*)$/.test(head)) {
    const copy = root.slice();
    const index = Number(head);
    copy[index] = setIn(copy[index], path, value, from + 1);
    return copy;
  }
  const copy: JsonObject = isPlainObject(root) ? { ...(root as JsonObject) } : {};
  const next = setIn(Object.hasOwn(copy, head) ? copy[head] : undefined, path, value, from + 1);
  if (head === '__proto__') {
    Object.defineProperty(copy, head, { value: next, writable: true, enumerable: true, configurable: true });
  } else {
    copy[head] = next;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------------
// One applied version

type Resource = 'cpu' | 'memory';

interface ResourceEdit {
  resource: Resource;
  /** The new request from the current one (`undefined` when the container has neither request nor limit). */
  compute: (current: Quantity | undefined) => Outcome<Quantity>;
}

interface Located {
  path: PathSegment[];
  container: JsonObject;
  name: string;
}

function containerNames(spec: JsonObject): string[] {
  const names: string[] = [];
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      if (isPlainObject(container) && typeof container.name === 'string') names.push(container.name);
    }
  }
  return names;
}

function quantityAt(value: JsonValue | undefined, where: string): Outcome<Quantity | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string' && typeof value !== 'number') {
    return fail(
      'INVALID_VALUE',
      `${where} is ${JSON.stringify(String(value))}, not a quantity; fix the trace or use set_requests.`,
    );
  }
  try {
    return { ok: true, value: Quantity.parse(value) };
  } catch (error) {
    const reason = error instanceof QuantityError ? error.message : String(error);
    return fail('INVALID_VALUE', `${where}: ${reason}`);
  }
}

class Editor {
  readonly changes = new Map<string, TraceChange>();
  private readonly touchedInEvent = new Set<string>();

  constructor(
    private readonly trace: Trace,
    private readonly ref: WorkloadRef,
  ) {}

  startEvent(): void {
    this.touchedInEvent.clear();
  }

  record(change: Omit<TraceChange, 'workload' | 'events'>): void {
    const key = JSON.stringify([change.container ?? null, change.field, change.from, change.to]);
    const existing = this.changes.get(key);
    const firstInEvent = !this.touchedInEvent.has(key);
    this.touchedInEvent.add(key);
    if (existing) {
      if (firstInEvent) existing.events++;
      return;
    }
    const { container, field, from, to } = change;
    const workload = this.ref.key;
    this.changes.set(
      key,
      container === undefined
        ? { workload, field, from, to, events: 1 }
        : { workload, container, field, from, to, events: 1 },
    );
  }

  private where(ts: number): string {
    return `${this.ref.kind} ${this.ref.key} (event at ts ${ts})`;
  }

  private podSpec(obj: KubeObject, ts: number): Outcome<{ specPath: PathSegment[]; spec: JsonObject }> {
    const paths = templatePathsOf(this.trace, `${obj.apiVersion}.${obj.kind}`, this.ref.kind);
    const path = templatePathIn(obj, paths);
    const template = podTemplateOf(obj, path);
    if (template === undefined) {
      return fail(
        'FIELD_MISSING',
        `${this.where(ts)} has no pod template at ${JSON.stringify(path)} (the pod-template path of ${obj.apiVersion}.${obj.kind}); the trace cannot be edited there — check the tracer config's podSpecTemplatePaths.`,
      );
    }
    if (!isPlainObject(template.spec)) {
      return fail(
        'FIELD_MISSING',
        `${this.where(ts)}: the pod template at ${JSON.stringify(path)} has no spec.`,
      );
    }
    const specPath: PathSegment[] = parseJsonPointer(path);
    specPath.push('spec');
    return { ok: true, value: { specPath, spec: template.spec as JsonObject } };
  }

  private locate(
    spec: JsonObject,
    specPath: PathSegment[],
    wanted: string | undefined,
    ts: number,
  ): Outcome<Located> {
    if (wanted === undefined) {
      const first = Array.isArray(spec.containers) ? spec.containers[0] : undefined;
      if (!isPlainObject(first)) {
        return fail(
          'FIELD_MISSING',
          `${this.where(ts)}: the pod template has no app container (spec.containers is empty or missing); name an init container with "container".`,
          containerNames(spec),
        );
      }
      const name = typeof first.name === 'string' ? first.name : '';
      return {
        ok: true,
        value: { path: [...specPath, 'containers', 0], container: first as JsonObject, name },
      };
    }
    for (const field of ['containers', 'initContainers'] as const) {
      const list = spec[field];
      if (!Array.isArray(list)) continue;
      const index = list.findIndex((c) => isPlainObject(c) && c.name === wanted);
      if (index >= 0) {
        return {
          ok: true,
          value: { path: [...specPath, field, index], container: list[index] as JsonObject, name: wanted },
        };
      }
    }
    const names = containerNames(spec);
    return fail(
      'NO_SUCH_CONTAINER',
      `${this.where(ts)} has no container ${JSON.stringify(wanted)}; its containers are ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'}.`,
      names,
    );
  }

  /** Applies resource edits to one applied version; returns the new object. */
  editResources(
    obj: KubeObject,
    ts: number,
    wanted: string | undefined,
    edits: readonly ResourceEdit[],
  ): Outcome<KubeObject> {
    const found = this.podSpec(obj, ts);
    if (!found.ok) return found;
    const located = this.locate(found.value.spec, found.value.specPath, wanted, ts);
    if (!located.ok) return located;
    const { path, container, name } = located.value;
    const resources = isPlainObject(container.resources) ? container.resources : {};
    const requests = isPlainObject(resources.requests) ? resources.requests : {};
    const limits = isPlainObject(resources.limits) ? resources.limits : {};
    let result: JsonValue = obj;
    for (const { resource, compute } of edits) {
      const where = `container ${JSON.stringify(name)} of ${this.where(ts)}`;
      const rawRequest = Object.hasOwn(requests, resource) ? requests[resource] : undefined;
      const rawLimit = Object.hasOwn(limits, resource) ? limits[resource] : undefined;
      const request = quantityAt(rawRequest, `resources.requests.${resource} of ${where}`);
      if (!request.ok) return request;
      const limit = quantityAt(rawLimit, `resources.limits.${resource} of ${where}`);
      if (!limit.ok) return limit;
      const next = compute(request.value ?? limit.value);
      if (!next.ok) {
        return fail(
          next.failure.code,
          `${next.failure.message.replace('{where}', where)}`,
          next.failure.choices,
        );
      }
      const text = next.value.toString();
      const from = rawRequest === undefined || rawRequest === null ? null : (rawRequest as string | number);
      if (from === null || String(from) !== text) {
        result = setIn(result, [...path, 'resources', 'requests', resource], text);
        this.record({ container: name, field: `requests.${resource}`, from, to: text });
      }
      if (limit.value !== undefined && next.value.cmp(limit.value) > 0) {
        result = setIn(result, [...path, 'resources', 'limits', resource], text);
        this.record({
          container: name,
          field: `limits.${resource}`,
          from: rawLimit as string | number,
          to: text,
        });
      }
    }
    return { ok: true, value: result as KubeObject };
  }

  /** Applies a replica edit to one applied version; returns the new object. */
  editReplicas(
    obj: KubeObject,
    ts: number,
    compute: (current: number) => Outcome<number>,
  ): Outcome<KubeObject> {
    const spec = obj.spec;
    if (!isPlainObject(spec)) {
      return fail(
        'FIELD_MISSING',
        `${this.where(ts)} has no spec, so no spec.replicas to change; check the trace.`,
      );
    }
    const raw = Object.hasOwn(spec, 'replicas') ? spec.replicas : undefined;
    let current = 1;
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
        return fail(
          'INVALID_VALUE',
          `${this.where(ts)}: spec.replicas is ${JSON.stringify(String(raw))}, not a non-negative integer; use set_replicas to replace it.`,
        );
      }
      current = raw;
    }
    const next = compute(current);
    if (!next.ok) return fail(next.failure.code, next.failure.message.replace('{where}', this.where(ts)));
    if (raw === next.value) return { ok: true, value: obj };
    this.record({ field: 'replicas', from: raw === undefined || raw === null ? null : raw, to: next.value });
    return { ok: true, value: setIn(obj, ['spec', 'replicas'], next.value) as KubeObject };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The operations

function bump(resource: Resource, step: Quantity): ResourceEdit {
  return { resource, compute: (current) => ({ ok: true, value: (current ?? Quantity.zero()).add(step) }) };
}

function reduce(resource: Resource, step: Quantity): ResourceEdit {
  return {
    resource,
    compute: (current) => {
      if (current === undefined) {
        return fail(
          'FIELD_MISSING',
          `resources.requests.${resource} of {where} is not set (nor a limit), so there is nothing to reduce; use set_requests or a bump operation to set it.`,
        );
      }
      const next = current.sub(step);
      if (next.sign() < 0) {
        return fail(
          'INVALID_VALUE',
          `cannot reduce resources.requests.${resource} of {where} by ${step.toString()}: it requests ${current.toString()}, which would go below zero; use set_requests with a smaller value (down to "0") instead.`,
        );
      }
      return { ok: true, value: next };
    },
  };
}

function set(resource: Resource, text: string): ResourceEdit {
  const value = Quantity.parse(text);
  return { resource, compute: () => ({ ok: true, value }) };
}

function resourceEdits(op: TraceOp): ResourceEdit[] | undefined {
  switch (op.type) {
    case 'bump_cpu_small':
      return [bump('cpu', CPU_STEP)];
    case 'bump_mem_small':
      return [bump('memory', MEMORY_STEP)];
    case 'reduce_cpu_small':
      return [reduce('cpu', CPU_STEP)];
    case 'reduce_mem_small':
      return [reduce('memory', MEMORY_STEP)];
    case 'set_requests': {
      const edits: ResourceEdit[] = [];
      if (op.cpu !== undefined) edits.push(set('cpu', op.cpu));
      if (op.memory !== undefined) edits.push(set('memory', op.memory));
      return edits;
    }
    default:
      return undefined;
  }
}

function replicaEdit(op: TraceOp): ((current: number) => Outcome<number>) | undefined {
  switch (op.type) {
    case 'scale_up_replicas':
      return (current) => ({ ok: true, value: current + REPLICA_STEP });
    case 'scale_down_replicas':
      return (current) =>
        current - REPLICA_STEP < 0
          ? fail(
              'INVALID_VALUE',
              `cannot scale {where} down: it already has ${current} replicas; replicas cannot go below 0.`,
            )
          : { ok: true, value: current - REPLICA_STEP };
    case 'set_replicas':
      return () => ({ ok: true, value: op.replicas });
    default:
      return undefined;
  }
}

function invalidOp(error: z.ZodError): TraceOpFailure {
  const issue = error.issues[0];
  const path = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  const aboutType =
    issue !== undefined && (issue.path[0] === 'type' || (issue.path.length === 0 && issue.code !== 'custom'));
  const choices = aboutType ? [...TRACE_OP_TYPES] : [];
  return {
    code: 'INVALID_VALUE',
    message: `Invalid trace operation: ${path}${issue?.message ?? 'not an operation'}.`,
    choices,
  };
}

/**
 * Applies one operation to a trace and returns the new trace and what changed, or a typed failure (see the module
 * documentation for the semantics). Never throws for a bad operation or target, never mutates `trace`.
 */
export function applyTraceOp(trace: Trace, op: TraceOp): TraceOpResult {
  const parsed = TraceOpSchema.safeParse(op);
  if (!parsed.success) return { ok: false, failure: invalidOp(parsed.error) };
  const checked = parsed.data;
  try {
    return applyChecked(trace, checked);
  } catch (error) {
    if (error instanceof WorkloadQueryError || error instanceof QuantityError) {
      return fail('INVALID_VALUE', error.message);
    }
    throw error;
  }
}

function applyChecked(trace: Trace, op: TraceOp): TraceOpResult {
  const resolved = resolveWorkloadRef(trace, op.workload);
  if (!resolved.ok) return { ok: false, failure: resolved.failure };
  const { ref } = resolved;
  const edits = resourceEdits(op);
  const scale = replicaEdit(op);
  if (scale !== undefined && !SCALABLE_KINDS.includes(ref.kind)) {
    const scalable = listWorkloadRefs(trace)
      .filter((candidate) => SCALABLE_KINDS.includes(candidate.kind))
      .map((candidate) => candidate.key);
    return fail(
      'NOT_SCALABLE',
      `${ref.kind} ${ref.key} has no replica count (only Deployments, StatefulSets and ReplicaSets scale); ` +
        (scalable.length > 0
          ? `scalable workloads: ${scalable.join(', ')}.`
          : 'the trace has no scalable workload.'),
      scalable,
    );
  }
  const editor = new Editor(trace, ref);
  const events: TraceEvent[] = [];
  for (const event of trace.events) {
    editor.startEvent();
    let applied: KubeObject[] | undefined;
    for (let i = 0; i < event.appliedObjs.length; i++) {
      const obj = event.appliedObjs[i]!;
      if (!isObjectOf(obj, ref)) continue;
      const edited =
        scale !== undefined
          ? editor.editReplicas(obj, event.ts, scale)
          : editor.editResources(obj, event.ts, op.container, edits ?? []);
      if (!edited.ok) return edited;
      if (edited.value !== obj) {
        applied ??= [...event.appliedObjs];
        applied[i] = edited.value;
      }
    }
    events.push(applied === undefined ? event : { ...event, appliedObjs: applied });
  }
  const edited: Trace = { ...trace, events };
  shareWorkloadRefs(trace, edited);
  return { ok: true, trace: edited, changes: [...editor.changes.values()] };
}

/**
 * Applies operations in order, each to the result of the previous one; stops at the first failure (and returns
 * it). The changes of every operation are concatenated.
 */
export function applyTraceOps(trace: Trace, ops: readonly TraceOp[]): TraceOpResult {
  let current = trace;
  const changes: TraceChange[] = [];
  for (const op of ops) {
    const result = applyTraceOp(current, op);
    if (!result.ok) return result;
    current = result.trace;
    changes.push(...result.changes);
  }
  return { ok: true, trace: current, changes };
}
