/**
 * kube-scheduler's decisions for resources, as pure functions over a compiled cluster and its current use.
 *
 * Followed: kubernetes/kubernetes at the v1.35 development cycle (`pkg/scheduler/framework/plugins/{nodeunschedulable,
 * tainttoleration, nodeaffinity, noderesources}`, the default plugin order and weights, and `FitError.Error()` in
 * `pkg/scheduler/framework/types.go`). The resource formulas have been stable since v1.2x; the best-effort skip below
 * is recent.
 *
 * Filter, per node, in the default plugin order; a node fails at the first plugin that rejects it:
 * 1. NodeUnschedulable: `node(s) were unschedulable` when `spec.unschedulable` and the pod does not tolerate
 *    `node.kubernetes.io/unschedulable:NoSchedule`.
 * 2. TaintToleration: `node(s) had untolerated taint {key: value}` for the node's first NoSchedule or NoExecute taint
 *    the pod does not tolerate. A toleration matches when its effect is empty or equal, its key is empty or equal,
 *    and its operator is `Exists`, or `Equal` (the default) with an equal value.
 * 3. NodeAffinity: `node(s) didn't match Pod's node affinity/selector` when `spec.nodeSelector` or the required node
 *    affinity (`nodeSelectorTerms`, ORed; `matchExpressions` In/NotIn/Exists/DoesNotExist/Gt/Lt and `matchFields`
 *    on `metadata.name`, ANDed) does not match. Gt and Lt compare the label and the value as int64 (Go's
 *    `strconv.ParseInt`): a label or value that is not a decimal int64, such as 99999999999999999999, never matches.
 *    A DaemonSet pod is pinned to its node the same way.
 * 4. NodeResourcesFit: `Too many pods`, `Insufficient cpu`, `Insufficient memory` (several at once), comparing the
 *    pod's requests (see `effectivePodRequests`) with allocatable minus the requests of the non-terminal pods bound to
 *    the node (a Succeeded pod releases its share).
 *    A zero request is never insufficient, so a pod without requests only needs a pod slot.
 *
 * When no node fits, the FailedScheduling message is `0/N nodes are available: <count> <reason>, ….` with the
 * "count reason" strings sorted as strings (Go's `sort.Strings`; so "10 …" sorts before "3 …", as in Kubernetes).
 * There is no preemption (kube-scheduler's DefaultPreemption would append "preemption: …" to the message; the
 * simulator never evicts a running pod). With no node at all the message is `no nodes available to schedule pods`.
 *
 * Score (only the two resource plugins, weight 1 each; TaintToleration, NodeAffinity preferences, PodTopologySpread,
 * InterPodAffinity and ImageLocality scoring are not modelled):
 * - NodeResourcesFit, LeastAllocated strategy, from the non-zero requests (a container without a CPU or memory
 *   request counts as 100m / 200Mi) of the pod plus the pods on the node: per resource
 *   `(allocatable - requested) * 100 / allocatable` in integer division (0 when requested exceeds allocatable),
 *   then `(cpuScore + memoryScore) / 2` in integer division. Resources with zero allocatable are left out.
 * - NodeResourcesBalancedAllocation, from the actual requests (`useRequested`): fractions `requested/allocatable`
 *   capped at 1, `std = |cpuFraction - memoryFraction| / 2`, score `int64((1 - std) * 100)` (truncated, in float64
 *   exactly as Go computes it). Best-effort pods (no CPU and no memory request) skip this plugin (recent releases,
 *   kubernetes/kubernetes#129138; it would otherwise pile them onto one node).
 * - The node with the highest total wins; among equal totals the first in cluster order (kube-scheduler picks one at
 *   random; the simulator must be deterministic). All feasible nodes are scored (kube-scheduler samples only in
 *   clusters of 100+ nodes).
 *
 * Queue: pods are tried in queue order, higher `priority` first, then arrival order (kube-scheduler's PrioritySort).
 * Priority is `spec.priority`, else the value of the built-in `system-cluster-critical` / `system-node-critical`
 * classes when named by `priorityClassName`, else 0.
 *
 * Numbers are plain doubles (millicores and bytes are exact below 2^53); nothing is allocated while filtering and
 * scoring.
 */
import { SimArenaError } from '../../../src/core/errors.js';
import { isPlainObject, type JsonObject, type JsonValue } from '../trace/schema.js';
import type { SimNode, TaintEffect } from './nodes.js';
import { analyzePodRequests, type PodRequestsAnalysis } from './pod-requests.js';
import { ScoreTree } from './score-tree.js';

/** The taint kube-scheduler's NodeUnschedulable plugin checks tolerations against. */
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/** The priorities of Kubernetes' built-in priority classes. */
export const BUILT_IN_PRIORITY_CLASSES: Readonly<Record<string, number>> = Object.freeze({
  'system-cluster-critical': 2_000_000_000,
  'system-node-critical': 2_000_001_000,
});

/** kube-scheduler's FailedScheduling reason for a cordoned node. */
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
/** kube-scheduler's FailedScheduling reason for a nodeSelector / required node affinity mismatch. */
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
/** kube-scheduler's FailedScheduling reason for a full pod count. */
export const REASON_TOO_MANY_PODS = 'Too many pods';
/** kube-scheduler's FailedScheduling reason for too little CPU. */
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
/** kube-scheduler's FailedScheduling reason for too little memory. */
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
/** kube-scheduler's message when the cluster has no node at all. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

const R_UNSCHEDULABLE = 0;
const R_NODE_AFFINITY = 1;
const R_TOO_MANY_PODS = 2;
const R_CPU = 3;
const R_MEMORY = 4;

/** A pod toleration (`spec.tolerations[*]`), with Kubernetes' defaults filled in. */
export interface Toleration {
  /** The taint key it matches; empty matches every key (with `Exists`). */
  key: string;
  /** `Equal` (the default) or `Exists`; any other operator tolerates nothing. */
  operator: string;
  /** The value compared by `Equal`. */
  value: string;
  /** The effect it matches; empty matches every effect. */
  effect: string;
}

/** One requirement of a node selector term. */
export interface NodeSelectorRequirement {
  /** The label (or field) key. */
  key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`. */
  operator: string;
  /** The values compared. */
  values: string[];
}

/** One term of a required node affinity: its requirements are ANDed. */
export interface NodeSelectorTerm {
  /** Requirements on node labels. */
  matchExpressions: NodeSelectorRequirement[];
  /** Requirements on node fields (only `metadata.name` exists). */
  matchFields: NodeSelectorRequirement[];
}

/** What the scheduler needs to know about a pod, computed once per pod template. */
export interface PodShape {
  /** The CPU request the Fit filter compares (millicores). */
  cpuMillis: number;
  /** The memory request the Fit filter compares (bytes). */
  memoryBytes: number;
  /** The CPU request LeastAllocated scores with (100m per container without one). */
  nonZeroCpuMillis: number;
  /** The memory request LeastAllocated scores with (200Mi per container without one). */
  nonZeroMemoryBytes: number;
  /** The queue priority. */
  priority: number;
  /** `spec.nodeSelector` as key/value pairs. */
  nodeSelector: [string, string][];
  /** The required node affinity's terms, or `null` when there is none. */
  requiredNodeAffinity: NodeSelectorTerm[] | null;
  /** `spec.tolerations`, with defaults filled in. */
  tolerations: Toleration[];
  /**
   * `nodeSelector`, `requiredNodeAffinity` and `tolerations` as text: shapes with the same key pass the same static
   * filters ({@link staticVerdicts} caches by it).
   */
  placementKey: string;
}

/** The stable codes of a {@link SchedulerError}. */
export type SchedulerErrorCode = 'REQUEST_TOO_LARGE';

/** A pod cannot be turned into numbers the simulator computes with. */
export class SchedulerError extends SimArenaError {
  declare readonly code: SchedulerErrorCode;

  constructor(code: SchedulerErrorCode, message: string) {
    super(code, message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pod shapes

function stringOf(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function tolerationsOf(list: JsonValue | undefined): Toleration[] {
  if (!Array.isArray(list)) return [];
  const out: Toleration[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) continue;
    out.push({
      key: stringOf(item.key),
      operator: typeof item.operator === 'string' && item.operator !== '' ? item.operator : 'Equal',
      value: stringOf(item.value),
      effect: stringOf(item.effect),
    });
  }
  return out;
}

function requirementsOf(list: JsonValue | undefined): NodeSelectorRequirement[] {
  if (!Array.isArray(list)) return [];
  const out: NodeSelectorRequirement[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) continue;
    const values = Array.isArray(item.values)
      ? item.values.map((v) => (typeof v === 'string' ? v : String(v)))
      : [];
    out.push({ key: stringOf(item.key), operator: stringOf(item.operator), values });
  }
  return out;
}

function requiredAffinityOf(affinity: JsonValue | undefined): NodeSelectorTerm[] | null {
  if (!isPlainObject(affinity) || !isPlainObject(affinity.nodeAffinity)) return null;
  const required = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!isPlainObject(required) || !Array.isArray(required.nodeSelectorTerms)) return null;
  const terms: NodeSelectorTerm[] = [];
  for (const term of required.nodeSelectorTerms) {
    if (!isPlainObject(term)) continue;
    terms.push({
      matchExpressions: requirementsOf(term.matchExpressions),
      matchFields: requirementsOf(term.matchFields),
    });
  }
  return terms;
}

function priorityOf(podSpec: JsonObject): number {
  const priority = podSpec.priority;
  if (typeof priority === 'number' && Number.isSafeInteger(priority)) return priority;
  const className = podSpec.priorityClassName;
  if (typeof className === 'string' && Object.hasOwn(BUILT_IN_PRIORITY_CLASSES, className)) {
    return BUILT_IN_PRIORITY_CLASSES[className]!;
  }
  return 0;
}

function toNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SchedulerError(
      'REQUEST_TOO_LARGE',
      `The pod's ${what} request ${value} is beyond what the simulator computes exactly (2^53); lower the request.`,
    );
  }
  return Number(value);
}

/** Options of {@link podShapeOf}. */
export interface PodShapeOptions {
  /** Tolerations added to the pod's own (a DaemonSet controller adds some to its pods). */
  extraTolerations?: readonly Toleration[];
  /** The spec's requests when the caller has read them already ({@link analyzePodRequests}). */
  requests?: PodRequestsAnalysis;
}

/**
 * The scheduler's view of a pod spec: requests (`effectivePodRequests` / `nonZeroPodRequests`), priority,
 * nodeSelector, required node affinity and tolerations.
 * @throws PodRequestsError for a malformed quantity; SchedulerError `REQUEST_TOO_LARGE` beyond 2^53.
 */
export function podShapeOf(podSpec: JsonObject, options: PodShapeOptions = {}): PodShape {
  const { requests, nonZero } = options.requests ?? analyzePodRequests(podSpec);
  const selector = podSpec.nodeSelector;
  const nodeSelector: [string, string][] = isPlainObject(selector)
    ? Object.entries(selector).map(([key, value]) => [key, typeof value === 'string' ? value : String(value)])
    : [];
  const requiredNodeAffinity = requiredAffinityOf(podSpec.affinity);
  const tolerations = [...tolerationsOf(podSpec.tolerations), ...(options.extraTolerations ?? [])];
  return {
    cpuMillis: toNumber(requests.cpuMillis, 'CPU'),
    memoryBytes: toNumber(requests.memoryBytes, 'memory'),
    nonZeroCpuMillis: toNumber(nonZero.cpuMillis, 'CPU'),
    nonZeroMemoryBytes: toNumber(nonZero.memoryBytes, 'memory'),
    priority: priorityOf(podSpec),
    nodeSelector,
    requiredNodeAffinity,
    tolerations,
    placementKey: JSON.stringify([nodeSelector, requiredNodeAffinity, tolerations]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Static predicates

/** Whether a toleration tolerates a taint (Kubernetes' `Toleration.ToleratesTaint`). */
export function toleratesTaint(
  toleration: Toleration,
  taint: { key: string; value?: string | undefined; effect: string },
): boolean {
  if (toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  if (toleration.key !== '' && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  if (toleration.operator === 'Equal') return toleration.value === (taint.value ?? '');
  return false;
}

function tolerated(
  tolerations: readonly Toleration[],
  taint: { key: string; value?: string | undefined; effect: string },
): boolean {
  for (const toleration of tolerations) if (toleratesTaint(toleration, taint)) return true;
  return false;
}

const INTEGER = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A label or requirement value as Go's `strconv.ParseInt(text, 10, 64)` reads it; `undefined` when that fails. */
function parseInt64(text: string): bigint | undefined {
  if (!INTEGER.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

function requirementMatches(requirement: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const bound = requirement.values[0];
      if (value === undefined || requirement.values.length !== 1 || bound === undefined) return false;
      const label = parseInt64(value);
      const limit = parseInt64(bound);
      if (label === undefined || limit === undefined) return false;
      return requirement.operator === 'Gt' ? label > limit : label < limit;
    }
    default:
      return false;
  }
}

function labelOf(node: SimNode, key: string): string | undefined {
  return Object.hasOwn(node.labels, key) ? node.labels[key] : undefined;
}

/** Whether a node matches a pod's nodeSelector and required node affinity (the NodeAffinity filter). */
export function matchesNodeAffinity(shape: PodShape, node: SimNode): boolean {
  for (const [key, value] of shape.nodeSelector) if (labelOf(node, key) !== value) return false;
  const terms = shape.requiredNodeAffinity;
  if (terms === null) return true;
  for (const term of terms) {
    if (term.matchExpressions.length === 0 && term.matchFields.length === 0) continue;
    let all = true;
    for (const requirement of term.matchExpressions) {
      if (!requirementMatches(requirement, labelOf(node, requirement.key))) {
        all = false;
        break;
      }
    }
    if (all) {
      for (const requirement of term.matchFields) {
        const field = requirement.key === 'metadata.name' ? node.name : undefined;
        if (!requirementMatches(requirement, field)) {
          all = false;
          break;
        }
      }
    }
    if (all) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled clusters and their use

/** A cluster prepared for scheduling: allocatable as flat arrays and the FailedScheduling reasons it can produce. */
export interface CompiledCluster {
  /** The nodes, in cluster order. */
  readonly nodes: readonly SimNode[];
  /** The number of nodes. */
  readonly size: number;
  /** Allocatable CPU per node (millicores). */
  readonly allocatableCpu: Float64Array;
  /** Allocatable memory per node (bytes). */
  readonly allocatableMemory: Float64Array;
  /** Allocatable pod slots per node. */
  readonly allocatablePods: Float64Array;
  /** Reason id → FailedScheduling reason text. */
  readonly reasons: readonly string[];
  /** Per node, the reason id of each NoSchedule/NoExecute taint (−1 for other effects), in the node's order. */
  readonly taintReasons: readonly Int32Array[];
  /** Per-reason counters reused when explaining a failure. */
  readonly counts: Int32Array;
  /** Static verdicts per {@link PodShape.placementKey} (see {@link staticVerdicts}). */
  readonly verdictCache: Map<string, Int32Array>;
  /**
   * Every allocatable CPU and memory is above 0 and below 2^46, so `Math.floor(a * 100 / b)` is exact for `0 ≤ a ≤ b`: the
   * quotient is at most 100 and any non-integer quotient is at least `1/b` > 2^-46 away from the next integer, more
   * than the rounding error of one division (≤ 2^-47 near 100).
   */
  readonly smallNumbers: boolean;
}

const compiledClusters = new WeakMap<readonly SimNode[], CompiledCluster>();

function isScheduleBlocking(effect: TaintEffect): boolean {
  return effect === 'NoSchedule' || effect === 'NoExecute';
}

function sameNodes(cached: CompiledCluster, nodes: readonly SimNode[]): boolean {
  if (cached.size !== nodes.length) return false;
  for (let i = 0; i < nodes.length; i++) if (cached.nodes[i] !== nodes[i]) return false;
  return true;
}

/**
 * Prepares a cluster for scheduling. Cached per nodes array (recompiled when nodes were added, removed or replaced
 * in it); the node objects themselves are treated as immutable.
 */
export function compileCluster(nodes: readonly SimNode[]): CompiledCluster {
  const cached = compiledClusters.get(nodes);
  if (cached !== undefined && sameNodes(cached, nodes)) return cached;
  const size = nodes.length;
  const reasons = [
    REASON_UNSCHEDULABLE,
    REASON_NODE_AFFINITY,
    REASON_TOO_MANY_PODS,
    REASON_INSUFFICIENT_CPU,
    REASON_INSUFFICIENT_MEMORY,
  ];
  const reasonIds = new Map<string, number>();
  const taintReasons = nodes.map((node) => {
    const ids = new Int32Array(node.taints.length).fill(-1);
    node.taints.forEach((taint, i) => {
      if (!isScheduleBlocking(taint.effect)) return;
      const text = `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
      let id = reasonIds.get(text);
      if (id === undefined) {
        id = reasons.length;
        reasons.push(text);
        reasonIds.set(text, id);
      }
      ids[i] = id;
    });
    return ids;
  });
  const compiled: CompiledCluster = {
    nodes: [...nodes],
    size,
    allocatableCpu: Float64Array.from(nodes, (node) => node.allocatable.cpuMillis),
    allocatableMemory: Float64Array.from(nodes, (node) => node.allocatable.memoryBytes),
    allocatablePods: Float64Array.from(nodes, (node) => node.allocatable.pods),
    reasons,
    taintReasons,
    counts: new Int32Array(reasons.length),
    verdictCache: new Map(),
    smallNumbers: nodes.every(
      (node) =>
        node.allocatable.cpuMillis > 0 &&
        node.allocatable.cpuMillis < 2 ** 46 &&
        node.allocatable.memoryBytes > 0 &&
        node.allocatable.memoryBytes < 2 ** 46,
    ),
  };
  compiledClusters.set(nodes, compiled);
  return compiled;
}

/** How many placements a cluster's verdict cache holds before it starts again. */
const VERDICT_CACHE_MAX = 4096;

/**
 * Per node, the first filter (before NodeResourcesFit) that rejects the pod, as a reason id into
 * `cluster.reasons`, or −1 when the node passes them. These do not depend on load, so they are computed once per
 * placement (nodeSelector, affinity, tolerations) and cluster and cached.
 */
export function staticVerdicts(cluster: CompiledCluster, shape: PodShape): Int32Array {
  const cached = cluster.verdictCache.get(shape.placementKey);
  if (cached !== undefined) return cached;
  const verdicts = new Int32Array(cluster.size).fill(-1);
  cluster.nodes.forEach((node, i) => {
    if (
      node.unschedulable &&
      !tolerated(shape.tolerations, { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' })
    ) {
      verdicts[i] = R_UNSCHEDULABLE;
      return;
    }
    const ids = cluster.taintReasons[i]!;
    for (let t = 0; t < node.taints.length; t++) {
      if (ids[t]! >= 0 && !tolerated(shape.tolerations, node.taints[t]!)) {
        verdicts[i] = ids[t]!;
        return;
      }
    }
    if (!matchesNodeAffinity(shape, node)) verdicts[i] = R_NODE_AFFINITY;
  });
  if (cluster.verdictCache.size >= VERDICT_CACHE_MAX) cluster.verdictCache.clear();
  cluster.verdictCache.set(shape.placementKey, verdicts);
  return verdicts;
}

/**
 * What the pods bound to each node request, with versions that change on every bind and unbind, and a cache of the
 * last shape's node scores (a node's score only changes when its own use does).
 */
export class NodeUsage {
  /** Requested CPU per node (millicores). */
  readonly cpuMillis: Float64Array;
  /** Requested memory per node (bytes). */
  readonly memoryBytes: Float64Array;
  /** Non-zero requested CPU per node (LeastAllocated's view). */
  readonly nonZeroCpuMillis: Float64Array;
  /** Non-zero requested memory per node. */
  readonly nonZeroMemoryBytes: Float64Array;
  /** Pods bound per node. */
  readonly pods: Float64Array;
  /** Per node, increments when the node's use changes. */
  readonly nodeVersions: Int32Array;
  /** Increments on every change; lets callers reuse a failure message while nothing changed. */
  version = 0;
  /** The shape whose requests {@link scoreCache} holds scores for. */
  scoreShape: PodShape | undefined = undefined;
  /** Per node, the last shape's score (−1: does not fit), valid while `scoreVersions[i] === nodeVersions[i]`. */
  readonly scoreCache: Float64Array;
  /** Per node, the node version the cached score was computed at (−1: none). */
  readonly scoreVersions: Int32Array;
  /** The nodes whose use changed since {@link findNode}'s score tree last looked, each once. */
  readonly changed: number[] = [];
  /** Per node, 1 while it is in {@link changed}. */
  readonly changedFlags: Uint8Array;
  /** On clusters of {@link SCORE_TREE_MIN_NODES} nodes or more: the scores of {@link treeShape}'s requests. */
  tree: ScoreTree | undefined = undefined;
  /** The shape whose requests {@link tree} holds scores for (undefined: none yet). */
  treeShape: PodShape | undefined = undefined;
  /** The static verdicts the tree was built with. */
  treeVerdicts: Int32Array | undefined = undefined;

  constructor(size: number) {
    this.cpuMillis = new Float64Array(size);
    this.memoryBytes = new Float64Array(size);
    this.nonZeroCpuMillis = new Float64Array(size);
    this.nonZeroMemoryBytes = new Float64Array(size);
    this.pods = new Float64Array(size);
    this.nodeVersions = new Int32Array(size);
    this.scoreCache = new Float64Array(size);
    this.scoreVersions = new Int32Array(size).fill(-1);
    this.changedFlags = new Uint8Array(size);
  }

  /** Empties every node. */
  reset(): void {
    this.cpuMillis.fill(0);
    this.memoryBytes.fill(0);
    this.nonZeroCpuMillis.fill(0);
    this.nonZeroMemoryBytes.fill(0);
    this.pods.fill(0);
    this.nodeVersions.fill(0);
    this.scoreShape = undefined;
    this.scoreVersions.fill(-1);
    this.treeShape = undefined;
    this.changed.length = 0;
    this.changedFlags.fill(0);
    this.version++;
  }

  #markChanged(node: number): void {
    this.nodeVersions[node]!++;
    this.version++;
    if (this.changedFlags[node] === 0) {
      this.changedFlags[node] = 1;
      this.changed.push(node);
    }
  }

  /** Accounts a pod bound to `node`. */
  bind(node: number, shape: PodShape): void {
    this.cpuMillis[node]! += shape.cpuMillis;
    this.memoryBytes[node]! += shape.memoryBytes;
    this.nonZeroCpuMillis[node]! += shape.nonZeroCpuMillis;
    this.nonZeroMemoryBytes[node]! += shape.nonZeroMemoryBytes;
    this.pods[node]! += 1;
    this.#markChanged(node);
  }

  /** Releases a pod from `node`. */
  unbind(node: number, shape: PodShape): void {
    this.cpuMillis[node]! -= shape.cpuMillis;
    this.memoryBytes[node]! -= shape.memoryBytes;
    this.nonZeroCpuMillis[node]! -= shape.nonZeroCpuMillis;
    this.nonZeroMemoryBytes[node]! -= shape.nonZeroMemoryBytes;
    this.pods[node]! -= 1;
    this.#markChanged(node);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Filter and score

/** `floor(numerator / denominator)` for non-negative integers below 2^53, exact. */
function intDiv(numerator: number, denominator: number): number {
  let q = Math.floor(numerator / denominator);
  if (q * denominator > numerator) q--;
  else if ((q + 1) * denominator <= numerator) q++;
  return q;
}

/** kube-scheduler's `leastRequestedScore`: the free share of a resource after placing the pod, 0–100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return intDiv((capacity - requested) * 100, capacity);
}

/**
 * NodeResourcesFit's LeastAllocated score (cpu and memory, weight 1 each) for node totals that include the pod.
 * Resources with zero allocatable are left out.
 */
export function leastAllocatedScore(
  cpuRequested: number,
  cpuAllocatable: number,
  memoryRequested: number,
  memoryAllocatable: number,
): number {
  let score = 0;
  let weights = 0;
  if (cpuAllocatable !== 0) {
    score += leastRequestedScore(cpuRequested, cpuAllocatable);
    weights++;
  }
  if (memoryAllocatable !== 0) {
    score += leastRequestedScore(memoryRequested, memoryAllocatable);
    weights++;
  }
  return weights === 0 ? 0 : weights === 1 ? score : intDiv(score, weights);
}

/** NodeResourcesBalancedAllocation's score for node totals that include the pod: `int((1 - std) * 100)`. */
export function balancedAllocationScore(
  cpuRequested: number,
  cpuAllocatable: number,
  memoryRequested: number,
  memoryAllocatable: number,
): number {
  if (cpuAllocatable === 0 || memoryAllocatable === 0) return 100; // fewer than two fractions: std = 0
  let cpuFraction = cpuRequested / cpuAllocatable;
  if (cpuFraction > 1) cpuFraction = 1;
  let memoryFraction = memoryRequested / memoryAllocatable;
  if (memoryFraction > 1) memoryFraction = 1;
  const std = Math.abs((cpuFraction - memoryFraction) / 2);
  return Math.trunc((1 - std) * 100);
}

/**
 * The score kube-scheduler gives node `i` for the pod (LeastAllocated + BalancedAllocation), or −1 when the pod does
 * not fit there (NodeResourcesFit). The static filters are not checked here (see {@link staticVerdicts}).
 */
export function scoreNode(cluster: CompiledCluster, usage: NodeUsage, shape: PodShape, i: number): number {
  const cpu = shape.cpuMillis;
  const memory = shape.memoryBytes;
  if (usage.pods[i]! + 1 > cluster.allocatablePods[i]!) return -1;
  const nodeCpu = cluster.allocatableCpu[i]!;
  const nodeMemory = cluster.allocatableMemory[i]!;
  const usedCpu = usage.cpuMillis[i]!;
  const usedMemory = usage.memoryBytes[i]!;
  if (cpu > 0 && cpu > nodeCpu - usedCpu) return -1;
  if (memory > 0 && memory > nodeMemory - usedMemory) return -1;
  let score: number;
  const nzCpu = usage.nonZeroCpuMillis[i]! + shape.nonZeroCpuMillis;
  const nzMemory = usage.nonZeroMemoryBytes[i]! + shape.nonZeroMemoryBytes;
  if (cluster.smallNumbers) {
    // every allocatable is below 2^46: a double division floors exactly (see CompiledCluster.smallNumbers)
    const cpuScore = nzCpu > nodeCpu ? 0 : Math.floor(((nodeCpu - nzCpu) * 100) / nodeCpu);
    const memoryScore = nzMemory > nodeMemory ? 0 : Math.floor(((nodeMemory - nzMemory) * 100) / nodeMemory);
    score = (cpuScore + memoryScore) >> 1;
  } else {
    score = leastAllocatedScore(nzCpu, nodeCpu, nzMemory, nodeMemory);
  }
  if (cpu !== 0 || memory !== 0) {
    score += balancedAllocationScore(usedCpu + cpu, nodeCpu, usedMemory + memory, nodeMemory);
  }
  return score;
}

/** Whether two shapes request the same amounts (for filtering and for scoring). */
function sameRequests(a: PodShape | undefined, b: PodShape): boolean {
  return (
    a !== undefined &&
    a.cpuMillis === b.cpuMillis &&
    a.memoryBytes === b.memoryBytes &&
    a.nonZeroCpuMillis === b.nonZeroCpuMillis &&
    a.nonZeroMemoryBytes === b.nonZeroMemoryBytes
  );
}

/**
 * The node kube-scheduler would bind the pod to (its index), or −1 when no node fits. `verdicts` are the shape's
 * {@link staticVerdicts}; `pinned` (≥ 0) restricts the pod to one node, as a DaemonSet pod's node affinity does.
 * Changes only `usage`'s score caches (the per-node cache, or on larger clusters the score tree, made once per
 * `usage`); allocates nothing else.
 */
export function findNode(
  cluster: CompiledCluster,
  usage: NodeUsage,
  shape: PodShape,
  verdicts: Int32Array,
  pinned = -1,
): number {
  if (pinned < 0 && cluster.size >= SCORE_TREE_MIN_NODES)
    return bestNodeByTree(cluster, usage, shape, verdicts);
  const cache = usage.scoreCache;
  const cachedAt = usage.scoreVersions;
  const nodeVersions = usage.nodeVersions;
  if (usage.scoreShape !== shape) {
    // scores depend on the requests only: pods of other workloads with the same requests reuse them
    if (!sameRequests(usage.scoreShape, shape)) cachedAt.fill(-1);
    usage.scoreShape = shape;
  }
  let best = -1;
  let bestScore = -1;
  const from = Math.max(pinned, 0);
  const to = pinned >= 0 ? pinned + 1 : cluster.size;
  for (let i = from; i < to; i++) {
    if (verdicts[i]! >= 0) continue;
    let score: number;
    if (cachedAt[i] === nodeVersions[i]) {
      score = cache[i]!;
    } else {
      score = scoreNode(cluster, usage, shape, i);
      cache[i] = score;
      cachedAt[i] = nodeVersions[i]!;
    }
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/**
 * From this many nodes on, {@link findNode} keeps the scores in a {@link ScoreTree} instead of scanning every node
 * for every pod. Measured per pod (150 pods, 5 per shape): even at 20 nodes, the tree 26% faster at 50 and 33% at
 * 100, the scan about twice as fast at 4.
 */
export const SCORE_TREE_MIN_NODES = 24;

/** {@link findNode} on a larger cluster: rescores only the nodes whose use changed since the last pod. */
function bestNodeByTree(
  cluster: CompiledCluster,
  usage: NodeUsage,
  shape: PodShape,
  verdicts: Int32Array,
): number {
  let tree = usage.tree;
  if (tree === undefined) {
    tree = new ScoreTree(cluster.size);
    usage.tree = tree;
  }
  const changed = usage.changed;
  if (usage.treeVerdicts !== verdicts || !sameRequests(usage.treeShape, shape)) {
    // another pod: every node is scored again
    for (let i = 0; i < cluster.size; i++) {
      tree.scores[i] = verdicts[i]! >= 0 ? -1 : scoreNode(cluster, usage, shape, i);
    }
    tree.rebuild();
    usage.treeShape = shape;
    usage.treeVerdicts = verdicts;
  } else {
    for (const node of changed) {
      tree.set(node, verdicts[node]! >= 0 ? -1 : scoreNode(cluster, usage, shape, node));
    }
  }
  for (const node of changed) usage.changedFlags[node] = 0;
  changed.length = 0;
  return tree.best();
}

/**
 * The FailedScheduling message for a pod that {@link findNode} placed nowhere:
 * `0/4 nodes are available: 3 Insufficient cpu, 1 Insufficient memory.`
 */
export function explainUnschedulable(
  cluster: CompiledCluster,
  usage: NodeUsage,
  shape: PodShape,
  verdicts: Int32Array,
  pinned = -1,
): string {
  if (cluster.size === 0) return NO_NODES_MESSAGE;
  const counts = cluster.counts;
  counts.fill(0);
  for (let i = 0; i < cluster.size; i++) {
    let verdict = verdicts[i]!;
    // a pinned pod's node affinity excludes every other node, after the unschedulable and taint filters
    if (pinned >= 0 && i !== pinned && (verdict < 0 || verdict === R_NODE_AFFINITY))
      verdict = R_NODE_AFFINITY;
    if (verdict >= 0) {
      counts[verdict]!++;
      continue;
    }
    if (usage.pods[i]! + 1 > cluster.allocatablePods[i]!) counts[R_TOO_MANY_PODS]!++;
    if (shape.cpuMillis > 0 && shape.cpuMillis > cluster.allocatableCpu[i]! - usage.cpuMillis[i]!)
      counts[R_CPU]!++;
    if (shape.memoryBytes > 0 && shape.memoryBytes > cluster.allocatableMemory[i]! - usage.memoryBytes[i]!) {
      counts[R_MEMORY]!++;
    }
  }
  const parts: string[] = [];
  for (let id = 0; id < counts.length; id++) {
    if (counts[id]! > 0) parts.push(`${counts[id]} ${cluster.reasons[id]}`);
  }
  parts.sort();
  return parts.length === 0
    ? `0/${cluster.size} nodes are available.`
    : `0/${cluster.size} nodes are available: ${parts.join(', ')}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// The queue

/** A pod in the scheduling queue: its shape, where it may go, and where it went. */
export interface SchedulablePod {
  /** Its shape. */
  readonly shape: PodShape;
  /** Its shape's {@link staticVerdicts} on the cluster. */
  readonly verdicts: Int32Array;
  /** The node it is pinned to (DaemonSet pods), or −1. */
  readonly pinned: number;
  /** Its arrival order (smaller first among equal priorities). */
  readonly seq: number;
  /** The node it is bound to, or −1 while pending. */
  node: number;
  /** The last FailedScheduling message while pending. */
  reason: string | undefined;
}

/** kube-scheduler's queue order (PrioritySort): higher priority first, then earlier arrival. */
export function compareQueueOrder(a: SchedulablePod, b: SchedulablePod): number {
  return b.shape.priority - a.shape.priority || a.seq - b.seq;
}

/** Sorts pods into queue order in place (an insertion sort: stable, linear on the usual nearly sorted input). */
export function sortQueue<T extends SchedulablePod>(queue: T[]): void {
  for (let i = 1; i < queue.length; i++) {
    const pod = queue[i]!;
    let j = i - 1;
    while (j >= 0 && compareQueueOrder(queue[j]!, pod) > 0) {
      queue[j + 1] = queue[j]!;
      j--;
    }
    queue[j + 1] = pod;
  }
}

/**
 * Tries every pod of `queue` in queue order (sorting it in place): binds each to the node {@link findNode} picks
 * (updating `usage` and `pod.node`, clearing `pod.reason`), or leaves it pending with its FailedScheduling message.
 * Returns how many pods were bound.
 */
export function scheduleQueue<T extends SchedulablePod>(
  cluster: CompiledCluster,
  usage: NodeUsage,
  queue: T[],
): number {
  sortQueue(queue);
  let bound = 0;
  let lastShape: PodShape | undefined;
  let lastPinned = -2;
  let lastVersion = -1;
  let lastMessage = '';
  for (const pod of queue) {
    const node = findNode(cluster, usage, pod.shape, pod.verdicts, pod.pinned);
    if (node >= 0) {
      usage.bind(node, pod.shape);
      pod.node = node;
      pod.reason = undefined;
      bound++;
      continue;
    }
    // nothing changed since the same shape failed: the message is the same
    if (pod.shape !== lastShape || pod.pinned !== lastPinned || usage.version !== lastVersion) {
      lastMessage = explainUnschedulable(cluster, usage, pod.shape, pod.verdicts, pod.pinned);
      lastShape = pod.shape;
      lastPinned = pod.pinned;
      lastVersion = usage.version;
    }
    pod.node = -1;
    pod.reason = lastMessage;
  }
  return bound;
}

/** Where {@link placePods} put one pod. */
export interface Placement {
  /** The node's name, when the pod was bound. */
  node?: string;
  /** The FailedScheduling message, when it was not. */
  reason?: string;
}

/**
 * Schedules pod specs onto an empty cluster, in queue order (priority, then the order given), and says where each
 * went, in the order given. A quick way to ask "does this fit?".
 * @throws PodRequestsError for a malformed quantity.
 */
export function placePods(nodes: readonly SimNode[], podSpecs: readonly JsonObject[]): Placement[] {
  const cluster = compileCluster(nodes);
  const usage = new NodeUsage(cluster.size);
  const pods: SchedulablePod[] = podSpecs.map((spec, seq) => {
    const shape = podShapeOf(spec);
    return { shape, verdicts: staticVerdicts(cluster, shape), pinned: -1, seq, node: -1, reason: undefined };
  });
  scheduleQueue(cluster, usage, [...pods]);
  return pods.map((pod) =>
    pod.node >= 0 ? { node: nodes[pod.node]!.name } : { reason: pod.reason ?? NO_NODES_MESSAGE },
  );
}
