/**
 * The clusters the embedded simulator schedules onto: a list of {@link SimNode}s, read from Kubernetes `Node` objects
 * (as KWOK users write them, YAML or JSON) or from a shorthand such as `4x16cpu-32Gi`.
 *
 * Node objects:
 * - YAML (one or several documents, each a `Node`, a `List`/`NodeList` with `items`, or an array of nodes) or JSON
 *   (the same shapes). Fields read: `metadata.name`, `metadata.labels`, `spec.taints`, `spec.unschedulable`, and
 *   `status.allocatable` cpu / memory / pods, each falling back to `status.capacity` when absent there. A node
 *   without `pods` gets 110, the kubelet's default `maxPods`. Every other field is ignored.
 * - Quantities follow the Kubernetes grammar (`"16"`, `500m`, `32Gi`); CPU is rounded up to whole millicores and
 *   memory up to whole bytes, as the scheduler reads them, and must stay below 2^53.
 *
 * Shorthand: `<count>x<cpu>cpu-<memory>[-<pods>pods]`, several groups joined by `+` (`2x8cpu-16Gi+1x32cpu-64Gi`).
 * Nodes are named `node-0`, `node-1`… across groups and labelled like SimKube's KWOK nodes (`type: virtual`) plus the
 * well-known labels a kubelet sets (`kubernetes.io/hostname`, `kubernetes.io/os: linux`, `kubernetes.io/arch:
 * amd64`), so that pods selecting `kubernetes.io/os: linux` (most system workloads do) find them. They carry no
 * taint: SimKube's KWOK nodes are tainted `kwok-provider=true:NoSchedule`, which every replayed pod tolerates (as
 * SimKube's driver makes them), so the taint would change nothing.
 *
 * Every error is a {@link ClusterSpecError} naming the file, the node (index from 0, and name) and the field.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { SimArenaError } from '../../../src/core/errors.js';
import { Quantity, QuantityError } from '../trace/quantity.js';
import { describeValue, isPlainObject } from '../trace/schema.js';

/** What a taint does to pods that do not tolerate it. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** Every {@link TaintEffect}. */
export const TAINT_EFFECTS: readonly TaintEffect[] = Object.freeze([
  'NoSchedule',
  'PreferNoSchedule',
  'NoExecute',
]);

/** A node taint (`spec.taints[*]`). */
export interface Taint {
  /** The taint key. */
  key: string;
  /** The taint value (absent means empty). */
  value?: string;
  /** What the taint does. */
  effect: TaintEffect;
}

/** What a node offers the scheduler: CPU in millicores, memory in bytes, and a pod count. */
export interface NodeResources {
  /** CPU in millicores. */
  cpuMillis: number;
  /** Memory in bytes. */
  memoryBytes: number;
  /** How many pods fit on the node. */
  pods: number;
}

/** One node of a simulated cluster. */
export interface SimNode {
  /** `metadata.name`. */
  name: string;
  /** `metadata.labels`. */
  labels: Record<string, string>;
  /** `spec.taints`, in the node's order. */
  taints: Taint[];
  /** `spec.unschedulable` (cordoned). */
  unschedulable: boolean;
  /** `status.allocatable` (falling back to `status.capacity`). */
  allocatable: NodeResources;
}

/**
 * The cluster used when none is given: four nodes of 16 CPUs and 32Gi, the size of the nodes SimArena's traces were
 * designed for (a container asking for more than 16 CPUs or 32Gi can never run).
 */
export const DEFAULT_CLUSTER = '4x16cpu-32Gi';

/** The pod capacity of a node that does not say (the kubelet's default `maxPods`). */
export const DEFAULT_MAX_PODS = 110;

/** The stable codes of a {@link ClusterSpecError}. */
export type ClusterSpecErrorCode =
  /** A shorthand group is malformed (`4x16cpu32Gi`, `0x8cpu-16Gi`…). */
  | 'INVALID_SHORTHAND'
  /** The text is not valid YAML. */
  | 'INVALID_YAML'
  /** The text is not valid JSON. */
  | 'INVALID_JSON'
  /** A node object has a missing or invalid field. */
  | 'INVALID_NODE'
  /** Two nodes have the same name. */
  | 'DUPLICATE_NODE'
  /** No node at all. */
  | 'EMPTY_CLUSTER'
  /** The file could not be read. */
  | 'IO_ERROR';

/** Where a {@link ClusterSpecError} happened. */
export interface ClusterErrorLocation {
  /** The file, when the cluster came from one. */
  file?: string | undefined;
  /** The index of the node (from 0) in the file. */
  node?: number | undefined;
  /** The node's name, when it has one. */
  nodeName?: string | undefined;
  /** The offending field (`status.allocatable.cpu`). */
  field?: string | undefined;
}

/** A cluster description cannot be used: the message names the file, node and field, and how to fix it. */
export class ClusterSpecError extends SimArenaError {
  declare readonly code: ClusterSpecErrorCode;
  /** The file, when the cluster came from one. */
  readonly file: string | undefined;
  /** The index of the offending node (from 0). */
  readonly node: number | undefined;
  /** The offending node's name. */
  readonly nodeName: string | undefined;
  /** The offending field. */
  readonly field: string | undefined;

  constructor(
    code: ClusterSpecErrorCode,
    problem: string,
    where: ClusterErrorLocation = {},
    options?: ErrorOptions,
  ) {
    const parts: string[] = [];
    if (where.file !== undefined) parts.push(where.file);
    if (where.node !== undefined) {
      parts.push(
        where.nodeName === undefined ? `node ${where.node}` : `node ${where.node} (${where.nodeName})`,
      );
    }
    if (where.field !== undefined) parts.push(where.field);
    parts.push(problem);
    super(code, parts.join(': '), options);
    this.file = where.file;
    this.node = where.node;
    this.nodeName = where.nodeName;
    this.field = where.field;
  }
}

/** Options of {@link parseCluster}. */
export interface ParseClusterOptions {
  /** The file name to show in error messages. */
  file?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shorthand

const SHORTHAND_GROUP = /^(\d+)x(.+)cpu-([^-]+)(?:-(\d+)pods)?$/;
const SHORTHAND_HELP =
  'write <count>x<cpu>cpu-<memory>[-<pods>pods], groups joined by "+", e.g. "4x16cpu-32Gi" or "2x8cpu-16Gi+1x32cpu-64Gi-250pods"';

/** Whether text looks like a shorthand (one token without YAML or JSON punctuation) rather than node objects. */
export function isClusterShorthand(text: string): boolean {
  const trimmed = text.trim();
  return trimmed !== '' && /^[^\s:{}[\]#"',]+$/.test(trimmed) && /^\d/.test(trimmed);
}

/** A quantity error's explanation without its "Invalid quantity "x": " prefix. */
function quantityReason(error: QuantityError): string {
  return error.message.replace(/^Invalid quantity "(?:[^"\\]|\\.)*": /, '');
}

function shorthandQuantity(
  text: string,
  what: 'cpu' | 'memory',
  fail: (problem: string) => ClusterSpecError,
): number {
  let quantity: Quantity;
  try {
    quantity = Quantity.parse(text);
  } catch (error) {
    if (!(error instanceof QuantityError)) throw error;
    throw fail(`${what} ${JSON.stringify(text)} is not a quantity: ${quantityReason(error)}`);
  }
  const value = what === 'cpu' ? quantity.milliValue() : quantity.value();
  if (value <= 0n) throw fail(`${what} ${JSON.stringify(text)} must be more than zero`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`${what} ${JSON.stringify(text)} is too large`);
  return Number(value);
}

/**
 * The nodes of a shorthand cluster (`4x16cpu-32Gi`, `2x8cpu-16Gi+1x32cpu-64Gi-250pods`); see the module
 * documentation for names and labels.
 * @throws ClusterSpecError `INVALID_SHORTHAND` naming the group and what is wrong with it.
 */
export function parseClusterShorthand(text: string, options: ParseClusterOptions = {}): SimNode[] {
  const spec = text.trim();
  const nodes: SimNode[] = [];
  const groups = spec.split('+');
  groups.forEach((group, index) => {
    const fail = (problem: string) =>
      new ClusterSpecError(
        'INVALID_SHORTHAND',
        `cluster ${JSON.stringify(spec)}: group ${index + 1} ${JSON.stringify(group)}: ${problem}; ${SHORTHAND_HELP}`,
        { file: options.file },
      );
    const match = SHORTHAND_GROUP.exec(group);
    if (match === null) throw fail('not of the form <count>x<cpu>cpu-<memory>[-<pods>pods]');
    const [, countText = '', cpuText = '', memoryText = '', podsText] = match;
    const count = Number(countText);
    if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) {
      throw fail(`the node count ${countText} must be between 1 and 100000`);
    }
    const cpuMillis = shorthandQuantity(cpuText, 'cpu', fail);
    const memoryBytes = shorthandQuantity(memoryText, 'memory', fail);
    const pods = podsText === undefined ? DEFAULT_MAX_PODS : Number(podsText);
    if (!Number.isSafeInteger(pods) || pods < 1) throw fail(`the pod count ${podsText} must be at least 1`);
    for (let i = 0; i < count; i++) {
      const name = `node-${nodes.length}`;
      nodes.push({
        name,
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          type: 'virtual',
        },
        taints: [],
        unschedulable: false,
        allocatable: { cpuMillis, memoryBytes, pods },
      });
    }
  });
  return nodes;
}

// ---------------------------------------------------------------------------------------------------------------
// Node objects

const QuantityValueSchema = z.union([z.string(), z.number()], {
  error: 'expected a quantity such as "16", "500m" or "32Gi"',
});

const ResourceListSchema = z
  .record(z.string(), QuantityValueSchema, { error: 'expected a map of resource name to quantity' })
  .nullish();

const TaintSchema = z.looseObject(
  {
    key: z
      .string({ error: 'expected the taint key (a string)' })
      .min(1, { error: 'the taint key cannot be empty' }),
    value: z.string({ error: 'expected the taint value (a string; quote numbers and booleans)' }).nullish(),
    effect: z.enum(TAINT_EFFECTS as [TaintEffect, ...TaintEffect[]], {
      error: 'expected the effect "NoSchedule", "PreferNoSchedule" or "NoExecute"',
    }),
  },
  { error: 'expected a taint (a map with key, value and effect)' },
);

/** A Kubernetes `Node` object as far as the simulator reads it (other fields are allowed and ignored). */
export const NodeObjectSchema = z.looseObject(
  {
    apiVersion: z.string({ error: 'expected a string such as "v1"' }).nullish(),
    kind: z.literal('Node', { error: 'expected "Node" (only Node objects describe a cluster)' }).nullish(),
    metadata: z.looseObject(
      {
        name: z
          .string({ error: 'expected the node name (a string)' })
          .min(1, { error: 'the node name cannot be empty' }),
        labels: z
          .record(
            z.string(),
            z.string({ error: 'expected a string label value (quote numbers and booleans)' }),
            {
              error: 'expected a map of label to value',
            },
          )
          .nullish(),
      },
      { error: 'expected the node metadata (a map with at least name)' },
    ),
    spec: z
      .looseObject(
        {
          taints: z.array(TaintSchema, { error: 'expected a list of taints' }).nullish(),
          unschedulable: z.boolean({ error: 'expected true or false' }).nullish(),
        },
        { error: 'expected the node spec (a map)' },
      )
      .nullish(),
    status: z
      .looseObject(
        { allocatable: ResourceListSchema, capacity: ResourceListSchema },
        { error: 'expected the node status (a map with allocatable and capacity)' },
      )
      .nullish(),
  },
  { error: 'expected a Node object (a map with metadata and status)' },
);

/** A `Node` object accepted by {@link NodeObjectSchema}. */
export type NodeObject = z.infer<typeof NodeObjectSchema>;

function formatField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const text = String(segment);
      out += out === '' ? text : `.${text}`;
    }
  }
  return out;
}

function explainIssue(issue: z.core.$ZodIssue): { field: string; problem: string } {
  let current: z.core.$ZodIssue = issue;
  // a union of string | number reports its own message; take the innermost path otherwise
  if (current.code === 'invalid_union' && current.errors.length > 0) {
    const deepest = current.errors
      .map((branch) => branch[0])
      .filter((first): first is z.core.$ZodIssue => first !== undefined && first.path.length > 0)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest !== undefined) current = { ...deepest, path: [...issue.path, ...deepest.path] };
  }
  const input = (current as { input?: unknown }).input;
  const field = formatField(current.path);
  if (input === undefined && current.code === 'invalid_type')
    return { field, problem: `missing; ${current.message}` };
  return { field, problem: `${current.message}, got ${describeValue(input)}` };
}

function nodeNameOf(value: unknown): string | undefined {
  if (!isPlainObject(value) || !isPlainObject(value.metadata)) return undefined;
  const name = value.metadata.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function resourceOf(
  node: NodeObject,
  resource: 'cpu' | 'memory' | 'pods',
  where: (field: string, problem: string, cause?: unknown) => ClusterSpecError,
): number {
  const allocatable = node.status?.allocatable ?? undefined;
  const capacity = node.status?.capacity ?? undefined;
  let field = `status.allocatable.${resource}`;
  let raw = allocatable?.[resource];
  if (raw === undefined) {
    raw = capacity?.[resource];
    if (raw !== undefined) field = `status.capacity.${resource}`;
  }
  if (raw === undefined) {
    if (resource === 'pods') return DEFAULT_MAX_PODS;
    const example = resource === 'cpu' ? 'cpu: "16"' : 'memory: 32Gi';
    throw where(
      `status.allocatable.${resource}`,
      `missing, and status.capacity.${resource} too; give the node's ${resource === 'cpu' ? 'CPUs' : 'memory'} (e.g. ${example} under status.allocatable)`,
    );
  }
  let quantity: Quantity;
  try {
    quantity = Quantity.parse(raw);
  } catch (error) {
    if (!(error instanceof QuantityError)) throw error;
    throw where(field, `${JSON.stringify(String(raw))} is not a quantity: ${quantityReason(error)}`, error);
  }
  if (quantity.sign() < 0) throw where(field, `${JSON.stringify(String(raw))} is negative`);
  const value = resource === 'cpu' ? quantity.milliValue() : quantity.value();
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw where(
      field,
      `${JSON.stringify(String(raw))} is too large (the simulator supports values below 2^53)`,
    );
  }
  return Number(value);
}

function toSimNode(value: unknown, index: number, file: string | undefined): SimNode {
  const nodeName = nodeNameOf(value);
  const where = (field: string | undefined, problem: string, cause?: unknown) =>
    new ClusterSpecError(
      'INVALID_NODE',
      problem,
      { file, node: index, nodeName, field: field === '' ? undefined : field },
      cause === undefined ? undefined : { cause },
    );
  const parsed = NodeObjectSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first === undefined) throw where(undefined, 'not a valid Node object');
    const { field, problem } = explainIssue(first);
    throw where(field, problem);
  }
  const node = parsed.data;
  const labels: Record<string, string> = {};
  for (const [key, labelValue] of Object.entries(node.metadata.labels ?? {})) {
    Object.defineProperty(labels, key, {
      value: labelValue,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const taints: Taint[] = (node.spec?.taints ?? []).map((taint) => {
    const out: Taint = { key: taint.key, effect: taint.effect };
    if (taint.value !== undefined && taint.value !== null) out.value = taint.value;
    return out;
  });
  return {
    name: node.metadata.name,
    labels,
    taints,
    unschedulable: node.spec?.unschedulable === true,
    allocatable: {
      cpuMillis: resourceOf(node, 'cpu', where),
      memoryBytes: resourceOf(node, 'memory', where),
      pods: resourceOf(node, 'pods', where),
    },
  };
}

/** The node values of one parsed document: an array, a `List`/`NodeList`'s items, a single node, or nothing. */
function nodeValuesOf(document: unknown, file: string | undefined, firstIndex: number): unknown[] {
  if (document === null || document === undefined) return [];
  if (Array.isArray(document)) return document;
  if (isPlainObject(document) && (document.kind === 'List' || document.kind === 'NodeList')) {
    const items = document.items;
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) {
      throw new ClusterSpecError(
        'INVALID_NODE',
        `expected a list of Node objects, got ${describeValue(items)}`,
        { file, node: firstIndex, field: 'items' },
      );
    }
    return items;
  }
  return [document];
}

/**
 * The nodes of already-parsed data: one `Node` object, a `List`/`NodeList`, an array of nodes, or an array of such
 * documents (as YAML's multi-document streams give them).
 * @throws ClusterSpecError `INVALID_NODE`, `DUPLICATE_NODE` or `EMPTY_CLUSTER`.
 */
export function clusterFromObjects(
  documents: readonly unknown[],
  options: ParseClusterOptions = {},
): SimNode[] {
  const nodes: SimNode[] = [];
  const seen = new Map<string, number>();
  for (const document of documents) {
    for (const value of nodeValuesOf(document, options.file, nodes.length)) {
      const index = nodes.length;
      const node = toSimNode(value, index, options.file);
      const previous = seen.get(node.name);
      if (previous !== undefined) {
        throw new ClusterSpecError(
          'DUPLICATE_NODE',
          `node ${previous} has the same name; node names must be unique`,
          { file: options.file, node: index, nodeName: node.name, field: 'metadata.name' },
        );
      }
      seen.set(node.name, index);
      nodes.push(node);
    }
  }
  if (nodes.length === 0) {
    throw new ClusterSpecError(
      'EMPTY_CLUSTER',
      `no Node object found; describe at least one node (kind: Node with status.allocatable), or use a shorthand such as "${DEFAULT_CLUSTER}"`,
      { file: options.file },
    );
  }
  return nodes;
}

function parseDocuments(text: string, file: string | undefined): unknown[] {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(trimmed) as unknown];
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ClusterSpecError('INVALID_JSON', `not valid JSON (${reason}); fix the syntax or write YAML`, {
        file,
      });
    }
  }
  const documents = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  const values: unknown[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error !== undefined) {
      throw new ClusterSpecError(
        'INVALID_YAML',
        `not valid YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`,
        {
          file,
        },
      );
    }
    values.push(document.toJS({ maxAliasCount: 100 }) as unknown);
  }
  return values;
}

/**
 * A cluster from text (a shorthand, or YAML / JSON `Node` objects) or from already-parsed data (a `Node`, a
 * `List`/`NodeList`, or an array of nodes). See the module documentation for what is read.
 * @throws ClusterSpecError naming the file, node and field of the first problem.
 */
export function parseCluster(input: unknown, options: ParseClusterOptions = {}): SimNode[] {
  if (typeof input === 'string') {
    if (isClusterShorthand(input)) return parseClusterShorthand(input, options);
    return clusterFromObjects(parseDocuments(input, options.file), options);
  }
  return clusterFromObjects([input], options);
}

/**
 * Reads a cluster file (YAML or JSON `Node` objects, or a file holding a shorthand).
 * @throws ClusterSpecError `IO_ERROR` when the file cannot be read, or as {@link parseCluster}.
 */
export async function readClusterFile(path: string): Promise<SimNode[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ClusterSpecError(
      'IO_ERROR',
      `cannot read the file: ${reason}`,
      { file: path },
      { cause: error },
    );
  }
  return parseCluster(text, { file: path });
}

/** A cluster of identical nodes as trace metadata describes it (`TraceMeta.cluster`). */
export interface UniformClusterShape {
  /** How many nodes. */
  nodes: number;
  /** The CPU each node allocates (a quantity, e.g. "16"). */
  cpu: string;
  /** The memory each node allocates (a quantity, e.g. "32Gi"). */
  memory: string;
  /** The pods each node holds. */
  pods: number;
}

/**
 * The nodes of a cluster of identical nodes (the cluster a generated trace was made for), named and labelled like the
 * shorthand's.
 * @throws ClusterSpecError `INVALID_SHORTHAND` when a count or quantity is invalid.
 */
export function clusterFromShape(shape: UniformClusterShape, options: ParseClusterOptions = {}): SimNode[] {
  return parseClusterShorthand(`${shape.nodes}x${shape.cpu}cpu-${shape.memory}-${shape.pods}pods`, options);
}

/** A short description of a cluster: `4 nodes (4x16cpu-32Gi)` style groups of equal nodes in order. */
export function describeCluster(nodes: readonly SimNode[]): string {
  const groups: { count: number; text: string }[] = [];
  for (const node of nodes) {
    const cpu = Quantity.fromMillis(BigInt(node.allocatable.cpuMillis)).toString();
    const memory = Quantity.fromBytes(BigInt(node.allocatable.memoryBytes)).toString();
    const pods = node.allocatable.pods === DEFAULT_MAX_PODS ? '' : `-${node.allocatable.pods}pods`;
    const text = `${cpu}cpu-${memory}${pods}`;
    const last = groups[groups.length - 1];
    if (last !== undefined && last.text === text) last.count++;
    else groups.push({ count: 1, text });
  }
  return groups.map((group) => `${group.count}x${group.text}`).join('+');
}
