/** fast-check arbitraries for SimKube traces: generated traces by seed and label, and trace operations on a trace. */
import fc from 'fast-check';
import { type GeneratedTrace, generateTrace } from '../../../envs/simkube/trace/generator.js';
import type { TraceOp } from '../../../envs/simkube/trace/ops.js';
import { Quantity } from '../../../envs/simkube/trace/quantity.js';
import type { Trace } from '../../../envs/simkube/trace/schema.js';
import { TRACE_LABELS, type TraceLabel } from '../../../envs/simkube/trace/trace-meta.js';
import { listWorkloads, SCALABLE_KINDS } from '../../../envs/simkube/trace/workloads.js';

/** A generator seed (a non-negative safe integer, biased towards small values now and then). */
export const traceSeedArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

/** Any trace label. */
export const traceLabelArb: fc.Arbitrary<TraceLabel> = fc.constantFrom(...TRACE_LABELS);

/** A generated trace: a seed with a label, or with the label drawn from the seed. */
export const generatedTraceArb: fc.Arbitrary<GeneratedTrace> = fc
  .tuple(traceSeedArb, fc.option(traceLabelArb, { nil: undefined }))
  .map(([seed, label]) => generateTrace({ seed, label }));

/** A generated trace of one label. */
export function generatedTraceWithLabelArb(label: TraceLabel): fc.Arbitrary<GeneratedTrace> {
  return traceSeedArb.map((seed) => generateTrace({ seed, label }));
}

/** A CPU quantity text from 0 to 16 CPUs, in canonical form. */
export const cpuTextArb: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 16_000 })
  .map((m) => Quantity.fromMillis(BigInt(m)).toString());

/** A memory quantity text from 0 to 32Gi, in whole MiB, in canonical form. */
export const memoryTextArb: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 32 * 1024 })
  .map((mi) => Quantity.fromBytes(BigInt(mi) * 1024n * 1024n).toString());

/** A resource operation (bump, reduce or set) on one container of one of the trace's workloads. */
export function resourceOpArb(trace: Trace): fc.Arbitrary<TraceOp> {
  const workloads = listWorkloads(trace).filter((w) => w.containers.length > 0);
  return fc.constantFrom(...workloads).chain((workload) => {
    const container = fc.option(fc.constantFrom(...workload.containers.map((c) => c.name)), {
      nil: undefined,
    });
    const target = fc.record({ workload: fc.constant(workload.key), container });
    return fc.oneof(
      target.chain(({ workload: w, container: c }) =>
        fc
          .constantFrom('bump_cpu_small', 'bump_mem_small', 'reduce_cpu_small', 'reduce_mem_small')
          .map((type): TraceOp => ({ type, workload: w, ...(c === undefined ? {} : { container: c }) })),
      ),
      fc
        .tuple(
          target,
          fc.option(cpuTextArb, { nil: undefined }),
          fc.option(memoryTextArb, { nil: undefined }),
        )
        .filter(([, cpu, memory]) => cpu !== undefined || memory !== undefined)
        .map(
          ([{ workload: w, container: c }, cpu, memory]): TraceOp => ({
            type: 'set_requests',
            workload: w,
            ...(c === undefined ? {} : { container: c }),
            ...(cpu === undefined ? {} : { cpu }),
            ...(memory === undefined ? {} : { memory }),
          }),
        ),
    );
  });
}

/** A replica operation on one of the trace's scalable workloads (the trace must have one). */
export function replicaOpArb(trace: Trace): fc.Arbitrary<TraceOp> {
  const keys = listWorkloads(trace)
    .filter((w) => SCALABLE_KINDS.includes(w.kind))
    .map((w) => w.key);
  return fc.constantFrom(...keys).chain((workload) =>
    fc.oneof(
      fc
        .constantFrom('scale_up_replicas', 'scale_down_replicas')
        .map((type): TraceOp => ({ type, workload })),
      fc
        .integer({ min: 0, max: 100 })
        .map((replicas): TraceOp => ({ type: 'set_replicas', workload, replicas })),
    ),
  );
}

/** Any operation on one of the trace's workloads. */
export function traceOpArb(trace: Trace): fc.Arbitrary<TraceOp> {
  const hasScalable = listWorkloads(trace).some((w) => SCALABLE_KINDS.includes(w.kind));
  return hasScalable ? fc.oneof(resourceOpArb(trace), replicaOpArb(trace)) : resourceOpArb(trace);
}

/** A generated trace together with an operation on it. */
export const traceWithOpArb: fc.Arbitrary<{ generated: GeneratedTrace; op: TraceOp }> =
  generatedTraceArb.chain((generated) => traceOpArb(generated.trace).map((op) => ({ generated, op })));
