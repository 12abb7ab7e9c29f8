/**
 * The typed model of a SimKube trace (format version 2) and the zod schemas that validate it.
 *
 * The model mirrors the file closely so that it can be written back byte for byte:
 * - Kubernetes objects and other free-form data are plain JSON-like objects ({@link JsonValue}) kept whole, unknown
 *   fields included; integers are `number` when they are safe integers and `bigint` beyond 2^53.
 * - Hashes (`index` values, `pod_lifecycles` keys) are always `bigint` (u64).
 * - `pod_lifecycles`, whose keys are `[GVK, "ns/name"]` pairs, is a list of `[owner, Map<hash, Lifecycle[]>]`
 *   entries in file order.
 * - Field names follow the file, except `podLifecycles`, `appliedObjs` and `deletedObjs` (camel case); error paths
 *   always use the names in the file (`pod_lifecycles`, `applied_objs`, `deleted_objs`).
 *
 * The schemas only validate: they never copy or reorder (see {@link validateTrace}).
 */
import { z } from 'zod';
import { TraceFormatError, type TracePath } from './errors.js';

/** The trace format version this model describes (written by SimKube 2.0.0 through 2.7.0). */
export const TRACE_FORMAT_VERSION = 2;

/** The deepest nesting of arrays and maps accepted anywhere in a trace. */
export const MAX_TRACE_DEPTH = 512;

/** The largest u64, the range of a hash. */
export const U64_MAX = (1n << 64n) - 1n;

/** The smallest i64. */
export const I64_MIN = -(1n << 63n);

/** A JSON-like value as stored in a trace. `bigint` holds integers beyond ±2^53 (within the 64-bit range). */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;

/** A JSON-like map with string keys; key order is the order of the file. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A Kubernetes object (`DynamicObject` in SimKube): `apiVersion`, `kind`, `metadata` and any other fields, all kept.
 * Deleted objects may carry only `apiVersion`, `kind` and `metadata`.
 */
export type KubeObject = JsonObject & { metadata: JsonObject; apiVersion?: string; kind?: string };

/** What the tracer recorded about one kind of object. Unknown keys are kept. */
export interface TrackedObjectConfig {
  /** JSON pointers to the pod templates inside the object (SimKube 2.x). */
  podSpecTemplatePaths?: string[] | null;
  /** The single pod-template path written by older writers (SimKube 1.x and early 2.x). */
  podSpecTemplatePath?: string | null;
  /** Whether pod lifecycles of these objects were recorded. */
  trackLifecycle?: boolean;
  /** Whether objects owned by another tracked object were skipped. */
  skipOwned?: boolean;
  /** Fields this model does not know; kept and written back. */
  [key: string]: JsonValue | undefined;
}

/** The tracer configuration stored in the trace. */
export interface TracerConfig {
  /** Tracked kinds keyed by GVK (`apps/v1.Deployment`, `v1.Pod`). */
  trackedObjects: Record<string, TrackedObjectConfig>;
  /** Fields this model does not know; kept and written back. */
  [key: string]: JsonValue | Record<string, TrackedObjectConfig>;
}

/** One event of the trace: objects applied and deleted at `ts`. */
export interface TraceEvent {
  /** Unix seconds. */
  ts: number;
  /** Objects created or updated (`applied_objs` in the file). */
  appliedObjs: KubeObject[];
  /** Objects deleted (`deleted_objs` in the file). */
  deletedObjs: KubeObject[];
}

/** The index: GVK → `"namespace/name"` (or `"name"` for cluster-scoped objects) → u64 hash of the spec. */
export type TraceIndex = Record<string, Record<string, bigint>>;

/** How long one pod ran: never started, started at a unix second, or ran from start to end. */
export type Lifecycle = 'Empty' | { Running: number } | { Finished: [number, number] };

/** The owner of recorded pods: `[GVK, "namespace/name"]`. */
export type PodOwner = [gvk: string, nsName: string];

/** One `pod_lifecycles` entry: the owner, and per pod-spec hash the lifecycles of its pods in launch order. */
export type PodLifecycleEntry = [owner: PodOwner, lifecycles: Map<bigint, Lifecycle[]>];

/** A SimKube trace, format version 2. */
export interface Trace {
  /** Always {@link TRACE_FORMAT_VERSION}. */
  version: 2;
  /** The tracer configuration. */
  config: TracerConfig;
  /** Events in time order. */
  events: TraceEvent[];
  /** Which objects the trace holds, with a hash of each spec. */
  index: TraceIndex;
  /** Recorded pod lifecycles (`pod_lifecycles` in the file), in file order. */
  podLifecycles: PodLifecycleEntry[];
}

/** `group/version.Kind`, `version.Kind` for the core group, or `/version.Kind` (writers before 1.1). */
export const GVK_PATTERN = /^(?:[^/]*\/)?[^/.]+\.[^/.]+$/;

/** The GVK string of an object's `apiVersion` and `kind`: `apps/v1` + `Deployment` → `apps/v1.Deployment`. */
export function gvkOf(apiVersion: string, kind: string): string {
  return `${apiVersion}.${kind}`;
}

/** Whether a value is a plain object (not an array, Map, Date, typed array…). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/** Describes a value in a few words for an error message: `"abc"`, `12`, `a map`, `an array of 3`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 60 ? `${quoted.slice(0, 57)}…"` : quoted;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Map) return `a map with ${value.size} entr${value.size === 1 ? 'y' : 'ies'}`;
  if (value instanceof Uint8Array) return `${value.length} bytes of binary data`;
  if (isPlainObject(value)) return 'a map';
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}

function jsonProblem(value: unknown, path: (string | number)[], depth: number): Problem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value)
        ? undefined
        : {
            path,
            message: `expected a finite number, got ${value}; JSON-like data holds no NaN or Infinity`,
          };
    case 'bigint':
      return value >= I64_MIN && value <= U64_MAX
        ? undefined
        : { path, message: `integer ${value} does not fit in 64 bits` };
    case 'object': {
      if (value === null) return undefined;
      if (depth >= MAX_TRACE_DEPTH) {
        return {
          path,
          message: `values nest deeper than ${MAX_TRACE_DEPTH} levels (or refer to themselves)`,
        };
      }
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = jsonProblem(value[i], [...path, i], depth + 1);
          if (problem) return problem;
        }
        return undefined;
      }
      if (isPlainObject(value)) {
        for (const key of Object.keys(value)) {
          const problem = jsonProblem(value[key], [...path, key], depth + 1);
          if (problem) return problem;
        }
        return undefined;
      }
      return { path, message: `expected JSON-like data, got ${describeValue(value)}` };
    }
    default:
      return { path, message: `expected JSON-like data, got ${describeValue(value)}` };
  }
}

/** Any JSON-like value ({@link JsonValue}); validates without copying. */
export const JsonValueSchema = z.custom<JsonValue>().superRefine((value, ctx) => {
  const problem = jsonProblem(value, [], 0);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: value });
});

/** A Kubernetes object ({@link KubeObject}); validates without copying, so unknown fields and key order survive. */
export const KubeObjectSchema = z.custom<KubeObject>().superRefine((value, ctx) => {
  if (!isPlainObject(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a Kubernetes object (a map with metadata), got ${describeValue(value)}`,
      input: value,
    });
    return;
  }
  for (const key of ['apiVersion', 'kind'] as const) {
    if (key in value && typeof value[key] !== 'string') {
      ctx.addIssue({
        code: 'custom',
        message: `expected a string, got ${describeValue(value[key])}`,
        path: [key],
        input: value,
      });
      return;
    }
  }
  if (!isPlainObject(value.metadata)) {
    ctx.addIssue({
      code: 'custom',
      message:
        value.metadata === undefined
          ? 'missing; every Kubernetes object in a trace needs metadata (at least name and namespace)'
          : `expected a map, got ${describeValue(value.metadata)}`,
      path: ['metadata'],
      input: value,
    });
    return;
  }
  const problem = jsonProblem(value, [], 0);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: value });
});

/** A GVK string (see {@link GVK_PATTERN}). */
export const GvkSchema = z
  .string({ error: 'expected a GVK string such as "apps/v1.Deployment"' })
  .regex(GVK_PATTERN, {
    error: 'expected a GVK of the form group/version.Kind (or version.Kind for core kinds)',
  });

/** Unix seconds (an i64 in SimKube; here a safe integer). */
export const TimestampSchema = z.int({ error: 'expected an integer (unix seconds)' });

/** A u64 hash. */
export const HashSchema = z
  .bigint({ error: 'expected an unsigned 64-bit integer (a hash)' })
  .min(0n, { error: 'expected an unsigned 64-bit integer (a hash)' })
  .max(U64_MAX, { error: 'expected an unsigned 64-bit integer (a hash)' });

/** {@link TrackedObjectConfig}. */
export const TrackedObjectConfigSchema = z
  .object(
    {
      podSpecTemplatePaths: z.array(z.string()).nullable().optional(),
      podSpecTemplatePath: z.string().nullable().optional(),
      trackLifecycle: z.boolean().optional(),
      skipOwned: z.boolean().optional(),
    },
    { error: 'expected a tracked-object config (a map)' },
  )
  .catchall(JsonValueSchema);

/** {@link TracerConfig}. */
export const TracerConfigSchema = z
  .object(
    {
      trackedObjects: z.record(GvkSchema, TrackedObjectConfigSchema, {
        error: 'expected a map of GVK to config',
      }),
    },
    { error: 'expected the tracer config (a map with trackedObjects)' },
  )
  .catchall(JsonValueSchema);

/** {@link TraceEvent}. */
export const TraceEventSchema = z.strictObject(
  {
    ts: TimestampSchema,
    appliedObjs: z.array(KubeObjectSchema, { error: 'expected an array of Kubernetes objects' }),
    deletedObjs: z.array(KubeObjectSchema, { error: 'expected an array of Kubernetes objects' }),
  },
  { error: 'expected an event (a map with ts, applied_objs and deleted_objs)' },
);

/** {@link TraceIndex}. */
export const TraceIndexSchema = z.record(
  GvkSchema,
  z.record(z.string(), HashSchema, { error: 'expected a map of "namespace/name" to hash' }),
  { error: 'expected the index (a map of GVK to objects)' },
);

const LIFECYCLE_FORMS = 'expected "Empty", { Running: start } or { Finished: [start, end] }';

/** {@link Lifecycle}. */
export const LifecycleSchema = z.union(
  [
    z.literal('Empty'),
    z.strictObject({ Running: TimestampSchema }),
    z.strictObject({
      Finished: z.tuple([TimestampSchema, TimestampSchema], { error: 'expected [start, end]' }),
    }),
  ],
  { error: LIFECYCLE_FORMS },
);

/** {@link PodLifecycleEntry}. */
export const PodLifecycleEntrySchema = z.tuple(
  [
    z.tuple([GvkSchema, z.string({ error: 'expected "namespace/name"' })], {
      error: 'expected the owner as [GVK, "namespace/name"]',
    }),
    z.map(HashSchema, z.array(LifecycleSchema, { error: 'expected an array of lifecycles' }), {
      error: 'expected a map of pod-spec hash to lifecycles',
    }),
  ],
  { error: 'expected [owner, lifecycles]' },
);

/** {@link Trace}. */
export const TraceSchema = z.strictObject(
  {
    version: z.literal(TRACE_FORMAT_VERSION, { error: 'expected 2 (the trace format version)' }),
    config: TracerConfigSchema,
    events: z.array(TraceEventSchema, { error: 'expected an array of events' }),
    index: TraceIndexSchema,
    podLifecycles: z.array(PodLifecycleEntrySchema, { error: 'expected the pod lifecycles' }),
  },
  { error: 'expected a trace (a map)' },
);

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  tuple: 'an array',
  object: 'a map',
  record: 'a map',
  map: 'a map',
  null: 'nil',
};

interface Explained {
  path: PropertyKey[];
  message: string;
}

interface Issue {
  readonly code?: string;
  readonly path?: readonly PropertyKey[];
  readonly message?: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly key?: unknown;
  readonly origin?: string;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly issues?: readonly Issue[];
  readonly errors?: readonly (readonly Issue[])[];
}

function isDefaultMessage(message: string | undefined): boolean {
  return (
    message === undefined ||
    /^(Invalid input|Invalid (value|key|element)|Too (big|small)|Unrecognized key)/.test(message)
  );
}

function explainIssue(issue: Issue, prefix: readonly PropertyKey[]): Explained {
  const path = [...prefix, ...(issue.path ?? [])];
  const got = `, got ${describeValue(issue.input)}`;
  const custom = isDefaultMessage(issue.message) ? undefined : issue.message;
  switch (issue.code) {
    case 'invalid_union': {
      let best: { issue: Issue; depth: number } | undefined;
      for (const branch of issue.errors ?? []) {
        const first = branch[0];
        const depth = first?.path?.length ?? 0;
        if (first && depth > 0 && (best === undefined || depth > best.depth)) best = { issue: first, depth };
      }
      if (best) return explainIssue(best.issue, path);
      return { path, message: `${custom ?? 'expected a different value'}${got}` };
    }
    case 'invalid_element': {
      const inner = issue.issues?.[0];
      const key = typeof issue.key === 'bigint' ? issue.key.toString() : String(issue.key);
      if (inner) return explainIssue(inner, [...path, key]);
      return { path, message: custom ?? 'invalid map value' };
    }
    case 'invalid_key': {
      const inner = issue.issues?.[0];
      const innerMessage = inner ? explainIssue(inner, []).message : 'invalid key';
      return { path, message: `invalid key: ${innerMessage}` };
    }
    case 'invalid_type': {
      const expected =
        custom ?? `expected ${EXPECTED[issue.expected ?? ''] ?? issue.expected ?? 'another type'}`;
      if (issue.input === undefined) return { path, message: `missing; ${expected}` };
      return { path, message: `${expected}${got}` };
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map((v) => describeValue(v)).join(' or ');
      return { path, message: `${custom ?? `expected ${values}`}${got}` };
    }
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return {
        path,
        message: `unknown field${keys.length === 1 ? '' : 's'} ${keys.map((k) => JSON.stringify(k)).join(', ')}`,
      };
    }
    case 'too_small':
    case 'too_big': {
      if (custom) return { path, message: `${custom}${got}` };
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      if (issue.origin === 'array') {
        const length = Array.isArray(issue.input) ? issue.input.length : '?';
        return { path, message: `expected ${bound} items, got ${length}` };
      }
      return { path, message: `expected a value of ${bound}${got}` };
    }
    case 'invalid_format':
      return { path, message: `${custom ?? 'badly formed value'}${got}` };
    default:
      return { path, message: issue.message ?? 'invalid value' };
  }
}

const WIRE_NAMES: Record<string, string> = {
  podLifecycles: 'pod_lifecycles',
  appliedObjs: 'applied_objs',
  deletedObjs: 'deleted_objs',
};

/** Turns a path in the model (`['podLifecycles', 0, 1, '42']`) into the names of the file. */
export function wirePathOf(modelPath: readonly PropertyKey[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (let i = 0; i < modelPath.length; i++) {
    const segment = modelPath[i];
    if (typeof segment === 'number') {
      out.push(segment);
      // an entry of pod_lifecycles is written as a map entry: [0] is its key, [1] its value
      if (i === 1 && modelPath[0] === 'podLifecycles' && i + 1 < modelPath.length) {
        out.push(modelPath[i + 1] === 0 ? 'key' : 'value');
        i++;
      }
    } else if (typeof segment === 'string') {
      out.push(
        (i === 0 || (i === 2 && modelPath[0] === 'events') ? WIRE_NAMES[segment] : undefined) ?? segment,
      );
    } else {
      out.push(String(segment));
    }
  }
  return out;
}

/** The options of {@link validateTrace}. */
export interface ValidateOptions {
  /** The file name to show in error messages. */
  readonly file?: string | undefined;
}

/**
 * Checks that `value` is a valid {@link Trace} and returns it unchanged (no copy, so key order and identity are
 * kept). Throws {@link TraceFormatError} `INVALID_TRACE` naming the first offending field as it is named in the file.
 */
export function validateTrace(value: unknown, options: ValidateOptions = {}): Trace {
  const result = TraceSchema.safeParse(value, { reportInput: true });
  if (result.success) return value as Trace;
  const first = result.error.issues[0] as Issue | undefined;
  const explained = first ? explainIssue(first, []) : { path: [], message: 'invalid trace' };
  const path: TracePath = wirePathOf(explained.path);
  throw new TraceFormatError('INVALID_TRACE', explained.message, { file: options.file, path });
}
