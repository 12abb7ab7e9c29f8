/**
 * A pod's resource requests as kube-scheduler sees them (k8s.io/component-helpers/resource `PodRequests`, which the
 * NodeResourcesFit plugin calls):
 *
 *     max( Σ app containers + Σ sidecars,  max over ordinary init containers i of (init_i + Σ sidecars before i) )
 *       + spec.overhead
 *
 * where a sidecar is an init container with `restartPolicy: Always`, and, per resource:
 * - a container's request is its `resources.requests` entry; when only a limit is set, the limit (the API server's
 *   defaulting copies limits into missing requests); with neither, 0;
 * - pod-level requests (`spec.resources.requests`, the PodLevelResources feature) replace the aggregated container
 *   value for cpu, memory and hugepages-*; pod-level limits are not defaulted into requests here;
 * - the sum is exact (quantities are added as quantities), then CPU is rounded up to whole millicores
 *   (`MilliValue`) and every other resource up to whole units (`Value`), as the scheduler does.
 *
 * {@link nonZeroPodRequests} is the scoring variant (NodeResourcesLeastAllocated/BalancedAllocation): a container
 * without a CPU or memory request counts as 100m CPU / 200Mi memory (`NonMissingContainerRequests` with
 * `DefaultMilliCPURequest` and `DefaultMemoryRequest`); an explicit request of 0 stays 0.
 */
import { SimArenaError } from '../../../src/core/errors.js';
import { Quantity, QuantityError } from '../trace/quantity.js';
import { isPlainObject, type JsonObject, type JsonValue } from '../trace/schema.js';

/** What a pod requests, per resource, in the units the scheduler compares. */
export interface PodRequests {
  /** CPU in millicores, rounded up. */
  cpuMillis: bigint;
  /** Memory in bytes, rounded up. */
  memoryBytes: bigint;
  /** Every other requested resource (`ephemeral-storage`, `nvidia.com/gpu`, `hugepages-2Mi`…) in whole units. */
  other: Record<string, bigint>;
}

/** kube-scheduler's `DefaultMilliCPURequest`: what a container without a CPU request counts for in scoring. */
export const DEFAULT_NONZERO_CPU_MILLIS = 100n;

/** kube-scheduler's `DefaultMemoryRequest` (200 MiB): what a container without a memory request counts for in scoring. */
export const DEFAULT_NONZERO_MEMORY_BYTES = 200n * 1024n * 1024n;

/** The stable codes of a {@link PodRequestsError}. */
export type PodRequestsErrorCode = 'INVALID_QUANTITY';

/** A pod spec holds a request, limit or overhead that is not a valid non-negative quantity. */
export class PodRequestsError extends SimArenaError {
  declare readonly code: PodRequestsErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_QUANTITY', message, options);
  }
}

const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;

/** Resource name → exact amount in nanounits. */
type Amounts = Map<string, bigint>;

/** The exact amount of a quantity in nanounits (quantities are parsed once per text, see `Quantity.parse`). */
function parseAmount(raw: JsonValue | undefined, where: () => string): bigint {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new PodRequestsError(
      `${where()} is ${JSON.stringify(String(raw))}, not a quantity; write a quantity such as "500m" or "256Mi".`,
    );
  }
  let quantity: Quantity;
  try {
    quantity = Quantity.parse(raw);
  } catch (error) {
    if (!(error instanceof QuantityError)) throw error;
    throw new PodRequestsError(`${where()}: ${error.message}`, { cause: error });
  }
  if (quantity.sign() < 0) {
    throw new PodRequestsError(
      `${where()} is ${JSON.stringify(String(raw))}; resource amounts cannot be negative (the API server rejects them).`,
    );
  }
  return quantity.nanoValue();
}

/** The amounts of a `requests` / `limits` / `overhead` map; `where` names it in errors (built only then). */
function amountsOf(list: JsonValue | undefined, where: () => string): Amounts {
  const out: Amounts = new Map();
  if (!isPlainObject(list)) return out;
  for (const resource in list) {
    if (!Object.hasOwn(list, resource)) continue;
    out.set(
      resource,
      parseAmount(list[resource], () => `${where()}.${resource}`),
    );
  }
  return out;
}

function add(into: Amounts, more: Amounts): void {
  for (const [resource, amount] of more) into.set(resource, (into.get(resource) ?? 0n) + amount);
}

function maxInto(into: Amounts, other: Amounts): void {
  for (const [resource, amount] of other) {
    const current = into.get(resource);
    if (current === undefined || amount > current) into.set(resource, amount);
  }
}

/** What a container requests as the Fit filter counts it, and as the scoring plugins count it. */
interface ContainerAmounts {
  readonly requests: Amounts;
  readonly nonZero: Amounts;
}

const NON_MISSING: ReadonlyMap<string, bigint> = new Map([
  ['cpu', DEFAULT_NONZERO_CPU_MILLIS * NANOS_PER_MILLI],
  ['memory', DEFAULT_NONZERO_MEMORY_BYTES * NANOS_PER_UNIT],
]);

/** A container's requests (a limit counts where the request is missing), and their scoring variant. */
function containerAmounts(container: JsonObject, where: () => string): ContainerAmounts {
  const resources = isPlainObject(container.resources) ? container.resources : {};
  const requests = amountsOf(resources.requests, () => `${where()}.resources.requests`);
  const limits = amountsOf(resources.limits, () => `${where()}.resources.limits`);
  for (const [resource, limit] of limits) if (!requests.has(resource)) requests.set(resource, limit);
  const nonZero: Amounts = new Map(requests);
  for (const [resource, amount] of NON_MISSING) if (!nonZero.has(resource)) nonZero.set(resource, amount);
  return { requests, nonZero };
}

/** One container of a pod spec, with its amounts. */
interface ReadContainer {
  readonly container: JsonObject;
  readonly kind: ContainerRequests['kind'];
  readonly amounts: ContainerAmounts;
}

type ContainerField = 'containers' | 'initContainers';

/** `containers[0] (container "app")`: where a container is, for error messages. */
function describeContainer(field: ContainerField, index: number, container: JsonObject): string {
  const name = typeof container.name === 'string' ? `"${container.name}"` : `#${index}`;
  return `${field}[${index}] (container ${name})`;
}

/** The containers (maps) of a pod spec with their amounts: app containers, then init containers, in spec order. */
function readContainers(podSpec: JsonObject): ReadContainer[] {
  const out: ReadContainer[] = [];
  for (const field of ['containers', 'initContainers'] as const) {
    const list = podSpec[field];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const container = list[i];
      if (!isPlainObject(container)) continue;
      const kind = field === 'containers' ? 'app' : container.restartPolicy === 'Always' ? 'sidecar' : 'init';
      const amounts = containerAmounts(container, () => describeContainer(field, i, container));
      out.push({ container, kind, amounts });
    }
  }
  return out;
}

const POD_LEVEL_RESOURCES = (resource: string) =>
  resource === 'cpu' || resource === 'memory' || resource.startsWith('hugepages-');

function aggregate(
  podSpec: JsonObject,
  containers: readonly ReadContainer[],
  variant: keyof ContainerAmounts,
): Amounts {
  const total: Amounts = new Map();
  const sidecars: Amounts = new Map();
  const initPeak: Amounts = new Map();
  for (const { kind, amounts } of containers) {
    const requests = amounts[variant];
    if (kind === 'app') {
      add(total, requests);
    } else if (kind === 'sidecar') {
      add(total, requests);
      add(sidecars, requests);
      maxInto(initPeak, sidecars);
    } else {
      const running: Amounts = new Map(requests);
      add(running, sidecars);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  const podResources = podSpec.resources;
  if (isPlainObject(podResources)) {
    const podLevel = amountsOf(podResources.requests, () => 'spec.resources.requests');
    for (const [resource, amount] of podLevel) if (POD_LEVEL_RESOURCES(resource)) total.set(resource, amount);
  }
  add(
    total,
    amountsOf(podSpec.overhead, () => 'spec.overhead'),
  );
  return total;
}

/** One container's own requests (a limit without a request counts as the request), as trace operations target it. */
export interface ContainerRequests {
  /** Its name (`""` when it has none). */
  name: string;
  /** `app` (spec.containers), `init`, or `sidecar` (an init container with `restartPolicy: Always`). */
  kind: 'app' | 'init' | 'sidecar';
  /** CPU in millicores, rounded up. */
  cpuMillis: bigint;
  /** Memory in bytes, rounded up. */
  memoryBytes: bigint;
}

/**
 * Each container's requests: app containers, then init containers and sidecars, in spec order.
 * @throws PodRequestsError naming the container and field for a malformed quantity.
 */
export function containerRequestsOf(podSpec: JsonObject): ContainerRequests[] {
  return readContainers(podSpec).map(ownRequests);
}

function ownRequests({ container, kind, amounts }: ReadContainer): ContainerRequests {
  return {
    name: typeof container.name === 'string' ? container.name : '',
    kind,
    cpuMillis: ceilDiv(amounts.requests.get('cpu') ?? 0n, NANOS_PER_MILLI),
    memoryBytes: ceilDiv(amounts.requests.get('memory') ?? 0n, NANOS_PER_UNIT),
  };
}

function ceilDiv(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d;
}

function toPodRequests(amounts: Amounts): PodRequests {
  const other: Record<string, bigint> = {};
  for (const [resource, amount] of amounts) {
    if (resource !== 'cpu' && resource !== 'memory') other[resource] = ceilDiv(amount, NANOS_PER_UNIT);
  }
  return {
    cpuMillis: ceilDiv(amounts.get('cpu') ?? 0n, NANOS_PER_MILLI),
    memoryBytes: ceilDiv(amounts.get('memory') ?? 0n, NANOS_PER_UNIT),
    other,
  };
}

/**
 * A pod's requests as kube-scheduler's NodeResourcesFit filter computes them (see the module documentation).
 * @throws PodRequestsError `INVALID_QUANTITY` naming the container and field of a malformed or negative quantity.
 */
export function effectivePodRequests(podSpec: JsonObject): PodRequests {
  return toPodRequests(aggregate(podSpec, readContainers(podSpec), 'requests'));
}

/**
 * A pod's requests as kube-scheduler's scoring plugins compute them: like {@link effectivePodRequests}, but a
 * container without a CPU (memory) request counts as 100m (200Mi).
 * @throws PodRequestsError `INVALID_QUANTITY` as {@link effectivePodRequests}.
 */
export function nonZeroPodRequests(podSpec: JsonObject): PodRequests {
  return toPodRequests(aggregate(podSpec, readContainers(podSpec), 'nonZero'));
}

/** A pod's requests for filtering and for scoring, and each container's own, from one reading of the spec. */
export interface PodRequestsAnalysis {
  /** {@link effectivePodRequests}. */
  readonly requests: PodRequests;
  /** {@link nonZeroPodRequests}. */
  readonly nonZero: PodRequests;
  /** {@link containerRequestsOf}. */
  readonly containers: ContainerRequests[];
}

/**
 * {@link effectivePodRequests}, {@link nonZeroPodRequests} and {@link containerRequestsOf} at once, reading each
 * quantity once.
 * @throws PodRequestsError `INVALID_QUANTITY` as {@link effectivePodRequests}.
 */
export function analyzePodRequests(podSpec: JsonObject): PodRequestsAnalysis {
  const containers = readContainers(podSpec);
  return {
    requests: toPodRequests(aggregate(podSpec, containers, 'requests')),
    nonZero: toPodRequests(aggregate(podSpec, containers, 'nonZero')),
    containers: containers.map(ownRequests),
  };
}
