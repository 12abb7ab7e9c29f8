/**
 * `heuristic`: reads the pending reasons and the nodes' capacity and use, and fixes one workload at a time with a
 * single `set_requests` or `set_replicas` where it can, without over-allocating:
 *
 * 1. The target is the first workload (slot order) whose pods were ever Pending and for which one of the rules
 *    below gives an edit.
 * 2. If one of its pods asks for more CPU or memory than the largest node allocates, that resource is too big:
 *    the pod is shrunk — to the largest request that fits when it is a near miss (within 10% of the node), else to
 *    at most a quarter of the largest node — and never beyond the largest request with
 *    which all its replicas (a DaemonSet: one per node) fit in the cluster's free capacity — what the nodes have left, plus what its own running pods hold (they are replaced),
 *    minus what the other workloads' Pending pods wait for. The container cut is the one
 *    that makes the pod's request: the largest init container when it dominates, else the largest app or sidecar
 *    container.
 * 3. Otherwise its pods fit a node but the cluster is full ("Insufficient …" or "Too many pods"): a scalable
 *    workload with several replicas is scaled down to the replicas that fit (never below one); any other is
 *    shrunk as in 2, on the resource its pods lacked.
 * 4. When a computed edit would change nothing, or no action budget is left (`observation.actionsRemaining`), it
 *    falls back to the small operation of the same kind (`reduce_cpu_small`, `reduce_mem_small`,
 *    `scale_down_replicas`), and to `noop` when that too is masked.
 *
 * Requests are only ever lowered and replicas only ever removed, so the fix never wastes resources; it can take
 * more than the minimum of replicas away when the trace is full mid-way and not at its end (the observation's free
 * capacity is the end's).
 */
import type { FixResourcesAction, SmallOp } from '../../envs/simkube/env/actions.js';
import type { FixResourcesObservation, WorkloadObservation } from '../../envs/simkube/env/observation.js';
import type { TraceOp } from '../../envs/simkube/trace/ops.js';
import type { ActContext, Policy } from '../../src/core/policy.js';
import { unlessMasked } from './baselines.js';
import { type FixTarget, pendingWorkloads, SCALABLE_KINDS } from './target.js';

const NOOP: FixResourcesAction = Object.freeze({ type: 'noop' });
const MI = 2 ** 20;
/** Requests are rounded down to these steps, so the edited trace reads naturally ("1250m", "40Mi"). */
const CPU_GRAIN_MILLIS = 10;
const MEMORY_GRAIN_BYTES = MI;

type Resource = 'cpu' | 'memory';

/** Per node: what is left for the target's pods. */
interface Room {
  cpu: number;
  memory: number;
  pods: number;
}

/**
 * What each node has left for `target`'s pods: allocatable minus requested, minus the requests of the other
 * workloads' Pending pods (at their peak, placed first-fit, so that a fix does not take the room they wait for), plus — when the
 * edit replaces the target's pods (`giveBack`) — what its own running pods hold, spread evenly.
 */
function roomOf(
  observation: FixResourcesObservation,
  target: WorkloadObservation,
  giveBack: boolean,
): Room[] {
  const nodes = observation.nodes;
  const share = giveBack && nodes.length > 0 ? target.ready / nodes.length : 0;
  const rooms = nodes.map((n) => ({
    cpu: n.cpuAllocatableMillis - n.cpuRequestedMillis + share * target.podCpuMillis,
    memory: n.memoryAllocatableBytes - n.memoryRequestedBytes + share * target.podMemoryBytes,
    pods: n.podsAllocatable - n.podsRequested + share,
  }));
  for (const other of observation.workloads) {
    if (other === target) continue;
    // the most of its pods that waited together: those of a finished Job or a deleted workload waited too
    for (let k = 0; k < Math.max(other.pending, other.peakPending); k++) {
      const room = rooms.find(
        (r) => r.cpu >= other.podCpuMillis && r.memory >= other.podMemoryBytes && r.pods >= 1,
      );
      if (room === undefined) break;
      room.cpu -= other.podCpuMillis;
      room.memory -= other.podMemoryBytes;
      room.pods -= 1;
    }
  }
  return rooms;
}

/** How many pods of `cpu` × `memory` the rooms hold (each node on its own). */
function podsThatFit(rooms: readonly Room[], cpu: number, memory: number): number {
  let count = 0;
  for (const room of rooms) {
    let fit = Math.floor(room.pods);
    if (cpu > 0) fit = Math.min(fit, Math.floor(room.cpu / cpu));
    if (memory > 0) fit = Math.min(fit, Math.floor(room.memory / memory));
    count += Math.max(0, fit);
  }
  return count;
}

/**
 * The largest amount ≤ `current` (on the grain) with which the workload's pods fit: `replicas` of them anywhere, or
 * for a DaemonSet one on every node. 0 when none does.
 */
function largestFitting(
  rooms: readonly Room[],
  resource: Resource,
  current: number,
  other: number,
  replicas: number,
  daemon: boolean,
  grain: number,
): number {
  const fits = (amount: number) => {
    const cpu = resource === 'cpu' ? amount : other;
    const memory = resource === 'cpu' ? other : amount;
    return daemon
      ? rooms.every((room) => podsThatFit([room], cpu, memory) >= 1)
      : podsThatFit(rooms, cpu, memory) >= replicas;
  };
  let low = 0;
  let high = Math.floor(current / grain);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid * grain)) low = mid;
    else high = mid - 1;
  }
  return low * grain;
}

/**
 * The pod request to bring an oversized one to: the most that fits when the request is within 10% of the largest
 * node (a near miss); else at most a quarter of the largest node (a request far above every node is a mistake, not
 * a need, and the pods that ran while this one could not must keep their room).
 */
function oversizedTarget(current: number, largest: number, fitting: (ceiling: number) => number): number {
  return fitting(current <= largest * 1.1 ? largest : Math.floor(largest / 4));
}

/** The container whose request makes the pod's, and how much of the pod's request is not its own. */
function dominantContainer(
  workload: WorkloadObservation,
  resource: Resource,
): { name: string; own: number; rest: number } | undefined {
  const amount = (c: WorkloadObservation['containers'][number]) =>
    resource === 'cpu' ? c.cpuMillis : c.memoryBytes;
  const pod = resource === 'cpu' ? workload.podCpuMillis : workload.podMemoryBytes;
  const running = workload.containers.filter((c) => c.kind !== 'init');
  const sum = running.reduce((s, c) => s + amount(c), 0);
  const init = workload.containers.filter((c) => c.kind === 'init').sort((a, b) => amount(b) - amount(a))[0];
  if (init !== undefined && amount(init) > sum)
    return { name: init.name, own: amount(init), rest: pod - amount(init) };
  const largest = [...running].sort((a, b) => amount(b) - amount(a))[0];
  return largest === undefined
    ? undefined
    : { name: largest.name, own: amount(largest), rest: pod - amount(largest) };
}

/** A `set_requests` that brings the pod's request of `resource` down to at most `podTarget`, if one does. */
function shrink(target: FixTarget, resource: Resource, podTarget: number): TraceOp | undefined {
  const container = dominantContainer(target.workload, resource);
  if (container === undefined) return undefined;
  const grain = resource === 'cpu' ? CPU_GRAIN_MILLIS : MEMORY_GRAIN_BYTES;
  // never below one grain: a container asking for nothing is not a fix
  const own = Math.max(grain, Math.floor((podTarget - container.rest) / grain) * grain);
  if (own >= container.own) return undefined;
  const value = resource === 'cpu' ? `${own}m` : `${own / MI}Mi`;
  return { type: 'set_requests', workload: target.ref, container: container.name, [resource]: value };
}

/** The heuristic policy (see the module documentation). */
export class HeuristicPolicy implements Policy<FixResourcesObservation, FixResourcesAction> {
  readonly name = 'heuristic';

  act(observation: FixResourcesObservation, { info }: ActContext<FixResourcesAction>): FixResourcesAction {
    // the first pending workload something can be done for
    for (const target of pendingWorkloads(observation)) {
      const action = this.#fix(observation, target, info);
      if (action.type !== 'noop') return action;
    }
    return NOOP;
  }

  #fix(
    observation: FixResourcesObservation,
    target: FixTarget,
    info: ActContext<FixResourcesAction>['info'],
  ): FixResourcesAction {
    const { workload } = target;
    const largestCpu = Math.max(0, ...observation.nodes.map((n) => n.cpuAllocatableMillis));
    const largestMemory = Math.max(0, ...observation.nodes.map((n) => n.memoryAllocatableBytes));
    const cpuTooBig = workload.podCpuMillis > largestCpu;
    const memoryTooBig = workload.podMemoryBytes > largestMemory;

    let resource: Resource;
    if (cpuTooBig || memoryTooBig) {
      // the resource that overshoots the most goes first
      resource =
        cpuTooBig &&
        (!memoryTooBig || workload.podCpuMillis / largestCpu >= workload.podMemoryBytes / largestMemory)
          ? 'cpu'
          : 'memory';
    } else if (SCALABLE_KINDS.has(workload.kind) && workload.replicas > 1) {
      // scaling keeps the running pods where they are
      const rooms = roomOf(observation, workload, false);
      const fit = workload.ready + podsThatFit(rooms, workload.podCpuMillis, workload.podMemoryBytes);
      const wanted = Math.max(1, Math.min(workload.replicas - 1, fit));
      const scale: FixResourcesAction = { type: 'set_replicas', workload: target.ref, replicas: wanted };
      return this.#orSmall(scale, 'scale_down_replicas', target, observation, info);
    } else {
      resource = target.insufficientMemory && !target.insufficientCpu ? 'memory' : 'cpu';
    }
    const rooms = roomOf(observation, workload, true);
    const largest = resource === 'cpu' ? largestCpu : largestMemory;
    const current = resource === 'cpu' ? workload.podCpuMillis : workload.podMemoryBytes;
    const other = resource === 'cpu' ? workload.podMemoryBytes : workload.podCpuMillis;
    const grain = resource === 'cpu' ? CPU_GRAIN_MILLIS : MEMORY_GRAIN_BYTES;
    const daemon = workload.kind === 'DaemonSet';
    const replicas = Math.max(1, workload.replicas);
    const fitting = (ceiling: number) =>
      largestFitting(rooms, resource, ceiling, other, replicas, daemon, grain);
    const podTarget = current > largest ? oversizedTarget(current, largest, fitting) : fitting(current);
    const edit = shrink(target, resource, podTarget > 0 ? podTarget : Math.min(current, largest));
    return this.#orSmall(
      edit,
      resource === 'cpu' ? 'reduce_cpu_small' : 'reduce_mem_small',
      target,
      observation,
      info,
    );
  }

  /** `edit` while the action budget lasts, else the small operation unless masked, else noop. */
  #orSmall(
    edit: FixResourcesAction | undefined,
    small: SmallOp,
    target: FixTarget,
    observation: FixResourcesObservation,
    info: ActContext<FixResourcesAction>['info'],
  ): FixResourcesAction {
    // set_* edits are not in the mask (it lists small operations only): the observation says whether budget is left
    if (edit !== undefined && observation.actionsRemaining > 0) return edit;
    return unlessMasked({ type: small, workload: target.ref }, info);
  }
}
