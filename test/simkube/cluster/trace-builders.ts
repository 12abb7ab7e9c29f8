/** Building traces in tests: events of applied and deleted objects, without a tracer config or index. */
import type { KubeObject, PodLifecycleEntry, Trace } from '../../../envs/simkube/trace/schema.js';

/** A format-2 trace with these events (SimKube's default pod-template paths apply). */
export function traceOf(
  events: { ts: number; apply?: KubeObject[]; delete?: KubeObject[] }[],
  podLifecycles: PodLifecycleEntry[] = [],
): Trace {
  return {
    version: 2,
    config: { trackedObjects: {} },
    events: events.map((event) => ({
      ts: event.ts,
      appliedObjs: event.apply ?? [],
      deletedObjs: event.delete ?? [],
    })),
    index: {},
    podLifecycles,
  };
}
