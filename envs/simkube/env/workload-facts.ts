/**
 * What the environment needs to know about each workload between steps, kept current without re-reading the trace:
 * read once per episode with `listWorkloads`, then updated from the `changes` every applied trace operation reports.
 * It answers the action mask's questions (can this container's CPU be bumped without crossing the cap? is there a
 * request to reduce? can this workload scale?) in constant time.
 */
import { CPU_STEP, MEMORY_STEP, type TraceChange } from '../trace/ops.js';
import { Quantity } from '../trace/quantity.js';
import type { Trace } from '../trace/schema.js';
import { listWorkloads, SCALABLE_KINDS } from '../trace/workloads.js';
import type { SmallOp } from './actions.js';
import type { Caps } from './safeguards.js';

/** A container's current requests as operations see them (the request, or the limit standing in for it). */
interface ContainerFacts {
  cpuMillis: bigint | undefined;
  memoryBytes: bigint | undefined;
}

/** One workload's facts. */
export interface WorkloadFacts {
  /** `Kind/namespace/name`, as the simulator names workloads. */
  key: string;
  /** `namespace/name`, as trace changes name workloads. */
  nsName: string;
  scalable: boolean;
  /** `spec.replicas` (1 when absent); 1 for kinds without replicas. */
  replicas: number;
  /** The container operations target without `container`: the first app container. */
  defaultContainer: string | undefined;
  containers: Map<string, ContainerFacts>;
}

const CPU_STEP_MILLIS = CPU_STEP.milliValue();
const MEMORY_STEP_BYTES = MEMORY_STEP.value();

function current(
  requests: Record<string, Quantity>,
  limits: Record<string, Quantity>,
  resource: string,
): Quantity | undefined {
  return requests[resource] ?? limits[resource];
}

/** Reads every workload's facts from a trace. */
export function readWorkloadFacts(trace: Trace): Map<string, WorkloadFacts> {
  const facts = new Map<string, WorkloadFacts>();
  for (const workload of listWorkloads(trace)) {
    const key = `${workload.kind}/${workload.namespace}/${workload.name}`;
    const containers = new Map<string, ContainerFacts>();
    for (const c of workload.containers) {
      containers.set(c.name, {
        cpuMillis: current(c.requests, c.limits, 'cpu')?.milliValue(),
        memoryBytes: current(c.requests, c.limits, 'memory')?.value(),
      });
    }
    const last = workload.replicas.at(-1)?.replicas;
    facts.set(key, {
      key,
      nsName: workload.key,
      scalable: SCALABLE_KINDS.includes(workload.kind),
      replicas: typeof last === 'number' ? last : 1,
      defaultContainer: workload.containers.find((c) => c.kind === 'app')?.name,
      containers,
    });
  }
  return facts;
}

/** Applies the changes of a trace operation to the facts (in place). */
export function updateWorkloadFacts(
  facts: Map<string, WorkloadFacts>,
  changes: readonly TraceChange[],
): void {
  for (const change of changes) {
    for (const workload of facts.values()) {
      if (workload.nsName !== change.workload) continue;
      if (change.field === 'replicas') {
        if (workload.scalable) workload.replicas = Number(change.to);
        continue;
      }
      const container =
        change.container === undefined ? undefined : workload.containers.get(change.container);
      if (container === undefined) continue;
      const value = Quantity.parse(String(change.to));
      if (change.field === 'requests.cpu') container.cpuMillis = value.milliValue();
      else if (change.field === 'requests.memory') container.memoryBytes = value.value();
    }
  }
}

/** Whether a small operation would be applied (not blocked, not failed) on this workload, with these caps. */
export function smallOpAllowed(workload: WorkloadFacts, op: SmallOp, caps: Caps, clip: boolean): boolean {
  if (op === 'scale_up_replicas')
    return (
      workload.scalable && (clip ? workload.replicas < caps.replicas : workload.replicas + 1 <= caps.replicas)
    );
  if (op === 'scale_down_replicas') return workload.scalable && workload.replicas >= 1;
  const container =
    workload.defaultContainer === undefined ? undefined : workload.containers.get(workload.defaultContainer);
  if (container === undefined) return false;
  switch (op) {
    case 'bump_cpu_small': {
      const now = container.cpuMillis ?? 0n;
      return clip ? now < caps.cpuMillis : now + CPU_STEP_MILLIS <= caps.cpuMillis;
    }
    case 'reduce_cpu_small':
      return container.cpuMillis !== undefined && container.cpuMillis >= CPU_STEP_MILLIS;
    case 'bump_mem_small': {
      const now = container.memoryBytes ?? 0n;
      return clip ? now < caps.memoryBytes : now + MEMORY_STEP_BYTES <= caps.memoryBytes;
    }
    case 'reduce_mem_small':
      return container.memoryBytes !== undefined && container.memoryBytes >= MEMORY_STEP_BYTES;
  }
}
