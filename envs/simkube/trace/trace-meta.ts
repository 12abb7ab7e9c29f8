/**
 * What a generated (or canonical) trace is known to be: its label, the seed it came from, the cluster it was made
 * for, its defects and the operations that fix them.
 *
 * Storage: a sidecar JSON file next to the trace, `<trace file>.meta.json` (`trace-007.sktrace.meta.json`). The
 * metadata is not stored inside the trace because SimKube 2.6 and later reject unknown keys in the tracer config;
 * this way SimKube reads the `.sktrace` unchanged, and the metadata stays readable with any JSON tool.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { SimArenaError } from '../../../src/core/errors.js';
import { TraceOpSchema } from './ops.js';
import { Quantity, QuantityError } from './quantity.js';

/** The labels a generated trace can carry. */
export const TRACE_LABELS = [
  'very-bad-cpu',
  'very-bad-memory',
  'slightly-bad-cpu',
  'mixed',
  'too-many-replicas',
  'healthy',
] as const;

/**
 * One of {@link TRACE_LABELS}:
 * - `very-bad-cpu`: a container asks for more CPU than any node allocates (by at least one CPU);
 * - `very-bad-memory`: a container asks for more memory than any node allocates;
 * - `slightly-bad-cpu`: a pod asks for more CPU than a node allocates, by at most 500m (one `reduce_cpu_small`);
 * - `mixed`: one workload's CPU and another's (or the same one's) memory do not fit a node;
 * - `too-many-replicas`: every pod fits a node, but one workload's replicas together ask for more than the cluster;
 * - `healthy`: everything fits, with headroom, even with every workload's pods running together.
 */
export type TraceLabel = (typeof TRACE_LABELS)[number];

/** The version of the generator that wrote a meta file; bumped whenever the same seed would give another trace. */
export const GENERATOR_VERSION = 1;

/** What sidecar meta files are named after their trace: `<trace file>` + this suffix. */
export const TRACE_META_SUFFIX = '.meta.json';

/** {@link TraceLabel}. */
export const TraceLabelSchema = z.enum(TRACE_LABELS, {
  error: `expected one of ${TRACE_LABELS.join(', ')}`,
});

function quantityText(what: string) {
  return z.string({ error: `expected ${what} as a quantity string` }).superRefine((text, ctx) => {
    try {
      if (Quantity.parse(text).sign() <= 0)
        ctx.addIssue({ code: 'custom', message: `${what} must be positive` });
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof QuantityError ? error.message : String(error),
      });
    }
  });
}

/** The cluster a trace was made for: identical nodes with this allocatable. */
export const ClusterShapeSchema = z.strictObject({
  nodes: z.int({ error: 'expected a whole number of nodes' }).min(1, { error: 'expected at least one node' }),
  cpu: quantityText('the CPU each node allocates'),
  memory: quantityText('the memory each node allocates'),
  pods: z
    .int({ error: 'expected a whole number of pods' })
    .min(1, { error: 'expected at least one pod per node' }),
});

/** The cluster a trace was made for: `nodes` identical nodes, each allocating `cpu`, `memory` and `pods`. */
export type ClusterShape = z.infer<typeof ClusterShapeSchema>;

/** One known defect of a trace. */
export const TraceDefectSchema = z.strictObject({
  workload: z.string({ error: 'expected the workload as "namespace/name"' }).min(1),
  container: z.string({ error: 'expected a container name' }).min(1).optional(),
  resource: z.enum(['cpu', 'memory', 'replicas'], { error: 'expected cpu, memory or replicas' }),
  requested: z.string({ error: 'expected a string' }),
  allocatable: z.string({ error: 'expected a string' }),
});

/**
 * One known defect. For `cpu` and `memory`: `requested` is what one pod of the workload requests of the resource as
 * kube-scheduler computes it (canonical quantity), `allocatable` what one node allocates; `container` is the
 * container whose request is at fault. For `replicas`: `requested` is the workload's replica count and
 * `allocatable` the most replicas of its pod that the whole cluster's allocatable can hold.
 */
export type TraceDefect = z.infer<typeof TraceDefectSchema>;

/** {@link TraceMeta}. */
export const TraceMetaSchema = z.strictObject({
  label: TraceLabelSchema,
  seed: z.int({ error: 'expected the integer seed' }).min(0, { error: 'expected a non-negative seed' }),
  cluster: ClusterShapeSchema,
  defect: z.array(TraceDefectSchema, { error: 'expected an array of defects' }),
  fix: z.array(TraceOpSchema, { error: 'expected an array of trace operations' }),
  generatorVersion: z.literal(GENERATOR_VERSION, { error: `expected ${GENERATOR_VERSION}` }),
  description: z.string({ error: 'expected a string' }).optional(),
});

/**
 * What is known about a generated or canonical trace. `fix` applied in order with `applyTraceOps` makes the trace
 * healthy on `cluster`, within the default safeguard caps (16 CPU and 32Gi per container, 100 replicas).
 * Canonical traces have seed 0 and a `description`.
 */
export type TraceMeta = z.infer<typeof TraceMetaSchema>;

/** The stable codes of a {@link TraceMetaError}. */
export type TraceMetaErrorCode = 'META_NOT_FOUND' | 'INVALID_META' | 'IO_ERROR';

/** A sidecar meta file is missing, unreadable or invalid; the message names the file and the field. */
export class TraceMetaError extends SimArenaError {
  declare readonly code: TraceMetaErrorCode;
  /** The meta file. */
  readonly file: string;

  constructor(code: TraceMetaErrorCode, file: string, message: string, options?: ErrorOptions) {
    super(code, `${file}: ${message}`, options);
    this.file = file;
  }
}

/** The sidecar meta file of a trace file: `<trace file>.meta.json`. */
export function traceMetaFileOf(traceFile: string): string {
  return `${traceFile}${TRACE_META_SUFFIX}`;
}

/** A meta as the JSON text of its sidecar file (2-space indentation, final newline). */
export function encodeTraceMeta(meta: TraceMeta): string {
  return `${JSON.stringify(TraceMetaSchema.parse(meta), null, 2)}\n`;
}

/**
 * Parses and validates the JSON text of a meta file.
 * @throws TraceMetaError `INVALID_META` naming `file` and the offending field.
 */
export function parseTraceMeta(text: string, file = '<meta>'): TraceMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceMetaError(
      'INVALID_META',
      file,
      `not valid JSON (${reason}); regenerate the trace and its meta file.`,
      {
        cause,
      },
    );
  }
  const result = TraceMetaSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(the whole file)';
  throw new TraceMetaError(
    'INVALID_META',
    file,
    `${path}: ${issue?.message ?? 'invalid'}; fix that field or regenerate the trace and its meta file.`,
  );
}

/**
 * Reads the sidecar meta of a trace file (`<traceFile>.meta.json`).
 * @throws TraceMetaError `META_NOT_FOUND` when there is no meta file, `IO_ERROR` when it cannot be read,
 *   `INVALID_META` naming the field when it is invalid.
 */
export async function readTraceMeta(traceFile: string): Promise<TraceMeta> {
  const file = traceMetaFileOf(traceFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TraceMetaError(
        'META_NOT_FOUND',
        file,
        `no meta file: ${traceFile} has no known label; only traces written by the generator (or with writeTraceMeta) have one.`,
        { cause },
      );
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceMetaError('IO_ERROR', file, `cannot read the meta file: ${reason}`, { cause });
  }
  return parseTraceMeta(text, file);
}

/** Writes the sidecar meta of a trace file (atomically: a temporary file renamed into place); returns its path. */
export async function writeTraceMeta(traceFile: string, meta: TraceMeta): Promise<string> {
  const file = traceMetaFileOf(traceFile);
  const text = encodeTraceMeta(meta);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (cause) {
    await unlink(temporary).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceMetaError('IO_ERROR', file, `cannot write the meta file: ${reason}`, { cause });
  }
  return file;
}
