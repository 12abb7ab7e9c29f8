/**
 * How an episode's cluster stands after a replay, in the numbers rewards are made of: how many pods run, whether the
 * task is done, how much the edits over-allocate compared with the original trace, and how many replicas they took
 * away. Computed from the simulation result and the compiled traces (original and current), never from the files.
 */
import type { SimNode } from '../cluster/nodes.js';
import type { CompiledTrace, CompiledVersion, SimulationResult } from '../cluster/replay.js';

/** What a reward is computed from. */
export interface Assessment {
  /** Running pods at the end of the trace. */
  ready: number;
  /** Pending pods at the end of the trace. */
  pending: number;
  /** The most pods Pending together at any time of the trace (a trace can be broken in the middle, fine at the end). */
  peakPending: number;
  /** Running + Pending pods. */
  total: number;
  /** No pod was Pending at any time of the trace, and some pod ran (a trace that creates no pod is not healthy). */
  healthy: boolean;
  /**
   * The share of pods that never had to wait: 1 − Σ peak Pending / Σ max(pods at the end, peak Pending), over
   * workloads; 1 when healthy without pods at the end, else 0.
   */
  progress: number;
  /**
   * Over-allocation: for each workload, the requests of all its replicas now minus in the original trace, where
   * positive, summed and divided by the cluster's allocatable; the mean of the CPU and memory fractions.
   */
  waste: number;
  /** Replicas taken away: Σ max(0, original − now) over workloads, divided by the original replicas. */
  shortfall: number;
  /** Workloads whose pods ask for more CPU or memory than the largest node allocates. */
  oversized: number;
}

/** The last applied version of each workload of a compiled trace, by workload key (`Kind/ns/name`). */
export function lastVersions(compiled: CompiledTrace): Map<string, CompiledVersion> {
  const versions = new Map<string, CompiledVersion>();
  for (const step of compiled.steps) {
    const workload = compiled.workloads[step.workload];
    if (step.op === 'apply' && step.version !== null && workload !== undefined)
      versions.set(workload.key, step.version);
  }
  return versions;
}

/** Assesses a replay of the current trace against the original one. */
export function assess(
  result: SimulationResult,
  original: ReadonlyMap<string, CompiledVersion>,
  current: ReadonlyMap<string, CompiledVersion>,
  nodes: readonly SimNode[],
): Assessment {
  const { ready, pending, total, peakPending } = result.summary;
  let waited = 0;
  let pods = 0;
  for (const w of result.workloads) {
    waited += w.peakPending;
    pods += Math.max(w.total, w.peakPending);
  }
  const healthy = peakPending === 0 && result.summary.peakReady > 0;
  let clusterCpu = 0;
  let clusterMemory = 0;
  let largestCpu = 0;
  let largestMemory = 0;
  for (const node of nodes) {
    clusterCpu += node.allocatable.cpuMillis;
    clusterMemory += node.allocatable.memoryBytes;
    largestCpu = Math.max(largestCpu, node.allocatable.cpuMillis);
    largestMemory = Math.max(largestMemory, node.allocatable.memoryBytes);
  }
  let wasteCpu = 0;
  let wasteMemory = 0;
  let missing = 0;
  let originalReplicas = 0;
  let oversized = 0;
  for (const [key, now] of current) {
    if (now.shape.cpuMillis > largestCpu || now.shape.memoryBytes > largestMemory) oversized += 1;
    const before = original.get(key);
    if (before === undefined) continue;
    wasteCpu += Math.max(0, now.replicas * now.shape.cpuMillis - before.replicas * before.shape.cpuMillis);
    wasteMemory += Math.max(
      0,
      now.replicas * now.shape.memoryBytes - before.replicas * before.shape.memoryBytes,
    );
    missing += Math.max(0, before.replicas - now.replicas);
    originalReplicas += before.replicas;
  }
  return {
    ready,
    pending,
    total,
    peakPending,
    healthy,
    progress: pods > 0 ? 1 - waited / pods : healthy ? 1 : 0,
    waste:
      ((clusterCpu > 0 ? wasteCpu / clusterCpu : 0) + (clusterMemory > 0 ? wasteMemory / clusterMemory : 0)) /
      2,
    shortfall: originalReplicas > 0 ? missing / originalReplicas : 0,
    oversized,
  };
}
