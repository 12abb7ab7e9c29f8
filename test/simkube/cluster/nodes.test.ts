import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClusterSpecError,
  clusterFromObjects,
  clusterFromShape,
  DEFAULT_CLUSTER,
  DEFAULT_MAX_PODS,
  describeCluster,
  isClusterShorthand,
  parseCluster,
  parseClusterShorthand,
  readClusterFile,
  type SimNode,
} from '../../../envs/simkube/cluster/nodes.js';
import { SimArenaError } from '../../../src/core/errors.js';

/** The real KWOK-style node file shared by the workspace. */
const SHARED_NODES = fileURLToPath(
  new URL('../../../../shared/k8s-control-plane/nodes.yaml', import.meta.url),
);

const GI = 1024 ** 3;
const MI = 1024 ** 2;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-arena-nodes-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `fn`, expects a ClusterSpecError and returns it. */
function clusterError(fn: () => unknown): ClusterSpecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterSpecError);
    expect(error).toBeInstanceOf(SimArenaError);
    return error as ClusterSpecError;
  }
  throw new Error('expected a ClusterSpecError');
}

const kwokNode = (name: string, cpu: string | number, memory: string, extra = ''): string => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {type: virtual}
${extra}status:
  allocatable: {cpu: ${typeof cpu === 'string' ? JSON.stringify(cpu) : cpu}, memory: ${memory}, pods: "110"}
`;

describe('the shared KWOK node file', () => {
  it('reads both nodes of /work/shared/k8s-control-plane/nodes.yaml', async () => {
    const nodes = await readClusterFile(SHARED_NODES);
    expect(nodes).toEqual<SimNode[]>([
      {
        name: 'node-a',
        labels: { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'z1' },
        taints: [],
        unschedulable: false,
        allocatable: { cpuMillis: 16_000, memoryBytes: 32 * GI, pods: 110 },
      },
      {
        name: 'node-b',
        labels: { 'kubernetes.io/hostname': 'node-b', 'topology.kubernetes.io/zone': 'z2' },
        taints: [],
        unschedulable: false,
        allocatable: { cpuMillis: 16_000, memoryBytes: 32 * GI, pods: 110 },
      },
    ]);
    expect(describeCluster(nodes)).toBe('2x16cpu-32Gi');
  });
});

describe('Node objects', () => {
  it('reads taints, unschedulable, labels and quantities written as numbers', () => {
    const nodes = parseCluster(`apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  labels:
    type: virtual
    kubernetes.io/os: linux
spec:
  unschedulable: true
  taints:
  - {key: kwok-provider, value: "true", effect: NoSchedule}
  - {key: dedicated, effect: NoExecute}
  - {key: soft, value: x, effect: PreferNoSchedule}
status:
  allocatable:
    cpu: 7.5
    memory: 16Gi
    pods: 50
`);
    expect(nodes).toEqual([
      {
        name: 'kwok-node-0',
        labels: { type: 'virtual', 'kubernetes.io/os': 'linux' },
        taints: [
          { key: 'kwok-provider', value: 'true', effect: 'NoSchedule' },
          { key: 'dedicated', effect: 'NoExecute' },
          { key: 'soft', value: 'x', effect: 'PreferNoSchedule' },
        ],
        unschedulable: true,
        allocatable: { cpuMillis: 7500, memoryBytes: 16 * GI, pods: 50 },
      },
    ]);
  });

  it('falls back to status.capacity per resource, and gives 110 pods when neither says', () => {
    // SimKube's own skeleton node: allocatable cpu only, memory in capacity
    const [node] = parseCluster(`kind: Node
metadata: {name: skeleton}
status:
  allocatable: {cpu: "1"}
  capacity: {cpu: "2", memory: 5Gi}
`);
    expect(node!.allocatable).toEqual({ cpuMillis: 1000, memoryBytes: 5 * GI, pods: DEFAULT_MAX_PODS });
  });

  it('rounds CPU up to millicores and memory up to bytes, as the scheduler reads them', () => {
    const [node] = parseCluster(kwokNode('n', '0.0001', '1.5Ki'));
    expect(node!.allocatable.cpuMillis).toBe(1);
    expect(node!.allocatable.memoryBytes).toBe(1536);
  });

  it('reads multi-document YAML, skipping empty documents', () => {
    const nodes = parseCluster(
      `---\n${kwokNode('kwok-node-0', '4', '8Gi')}---\n---\n${kwokNode('kwok-node-1', 8, '16Gi')}`,
    );
    expect(nodes.map((n) => [n.name, n.allocatable.cpuMillis, n.allocatable.memoryBytes])).toEqual([
      ['kwok-node-0', 4000, 8 * GI],
      ['kwok-node-1', 8000, 16 * GI],
    ]);
  });

  it('reads kind: List and kind: NodeList in YAML', () => {
    for (const kind of ['List', 'NodeList']) {
      const nodes = parseCluster(`apiVersion: v1
kind: ${kind}
items:
- metadata: {name: a}
  status: {allocatable: {cpu: "2", memory: 4Gi}}
- metadata: {name: b}
  status: {allocatable: {cpu: "2", memory: 4Gi}}
`);
      expect(nodes.map((n) => n.name)).toEqual(['a', 'b']);
    }
  });

  it('reads JSON: a List, an array, a single Node', () => {
    const node = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { type: 'virtual' } },
      status: { allocatable: { cpu: '16', memory: '32Gi', pods: '110' } },
    });
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node('a'), node('b')] }, null, 2);
    expect(parseCluster(list).map((n) => n.name)).toEqual(['a', 'b']);
    expect(parseCluster(JSON.stringify([node('x'), node('y'), node('z')])).map((n) => n.name)).toEqual([
      'x',
      'y',
      'z',
    ]);
    expect(parseCluster(JSON.stringify(node('solo')))[0]!.allocatable).toEqual({
      cpuMillis: 16_000,
      memoryBytes: 32 * GI,
      pods: 110,
    });
  });

  it('reads already-parsed objects', () => {
    const node = { metadata: { name: 'p' }, status: { capacity: { cpu: 2, memory: '1Gi' } } };
    expect(parseCluster(node)[0]!.allocatable.cpuMillis).toBe(2000);
    expect(parseCluster([node])[0]!.name).toBe('p');
    expect(clusterFromObjects([{ kind: 'List', items: [node] }])[0]!.name).toBe('p');
  });

  it('reads a file holding a shorthand', async () => {
    const nodes = await readClusterFile(tempFile('cluster.txt', '2x4cpu-8Gi\n'));
    expect(nodes.map((n) => n.name)).toEqual(['node-0', 'node-1']);
  });
});

describe('the shorthand', () => {
  it('DEFAULT_CLUSTER is four 16-CPU 32Gi nodes', () => {
    expect(DEFAULT_CLUSTER).toBe('4x16cpu-32Gi');
    const nodes = parseCluster(DEFAULT_CLUSTER);
    expect(nodes).toHaveLength(4);
    expect(nodes[3]).toEqual<SimNode>({
      name: 'node-3',
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': 'node-3',
        'kubernetes.io/os': 'linux',
        type: 'virtual',
      },
      taints: [],
      unschedulable: false,
      allocatable: { cpuMillis: 16_000, memoryBytes: 32 * GI, pods: 110 },
    });
  });

  it('joins groups with "+" and names nodes across groups', () => {
    const nodes = parseCluster('2x8cpu-16Gi+1x32cpu-64Gi');
    expect(nodes.map((n) => [n.name, n.allocatable.cpuMillis, n.allocatable.memoryBytes])).toEqual([
      ['node-0', 8000, 16 * GI],
      ['node-1', 8000, 16 * GI],
      ['node-2', 32_000, 64 * GI],
    ]);
  });

  it('accepts a pod count, fractional and milli CPUs, any memory quantity', () => {
    expect(parseClusterShorthand('1x500mcpu-512Mi-10pods')[0]!.allocatable).toEqual({
      cpuMillis: 500,
      memoryBytes: 512 * MI,
      pods: 10,
    });
    expect(parseCluster(' 3x1.5cpu-2G ')[2]!.allocatable).toEqual({
      cpuMillis: 1500,
      memoryBytes: 2e9,
      pods: 110,
    });
  });

  it('round-trips through describeCluster', () => {
    for (const spec of ['4x16cpu-32Gi', '2x8cpu-16Gi+1x32cpu-64Gi-250pods', '1x500mcpu-512Mi']) {
      expect(describeCluster(parseCluster(spec))).toBe(spec);
    }
  });

  it('builds the cluster a generated trace was made for', () => {
    const nodes = clusterFromShape({ nodes: 3, cpu: '8', memory: '16Gi', pods: 30 });
    expect(describeCluster(nodes)).toBe('3x8cpu-16Gi-30pods');
    expect(nodes[2]!.name).toBe('node-2');
    expect(clusterError(() => clusterFromShape({ nodes: 0, cpu: '8', memory: '16Gi', pods: 30 })).code).toBe(
      'INVALID_SHORTHAND',
    );
  });

  it('is told apart from YAML and JSON', () => {
    expect(isClusterShorthand('4x16cpu-32Gi')).toBe(true);
    expect(isClusterShorthand('kind: Node')).toBe(false);
    expect(isClusterShorthand('[]')).toBe(false);
    expect(isClusterShorthand('')).toBe(false);
  });
});

describe('errors name the file, the node and the field', () => {
  it('a bad quantity: file, node index and name, field, value', () => {
    const path = tempFile(
      'nodes.yaml',
      [
        kwokNode('kwok-node-0', '4', '8Gi'),
        kwokNode('kwok-node-1', '4', '8Gi'),
        kwokNode('kwok-node-2', 'abc', '8Gi'),
      ].join('---\n'),
    );
    return expect(readClusterFile(path)).rejects.toSatisfy((error: unknown) => {
      expect(error).toBeInstanceOf(ClusterSpecError);
      const e = error as ClusterSpecError;
      expect(e.code).toBe('INVALID_NODE');
      expect(e.message).toMatch(
        new RegExp(
          `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: node 2 \\(kwok-node-2\\): status\\.allocatable\\.cpu: "abc" is not a quantity: `,
        ),
      );
      expect([e.file, e.node, e.nodeName, e.field]).toEqual([
        path,
        2,
        'kwok-node-2',
        'status.allocatable.cpu',
      ]);
      return true;
    });
  });

  it('a bad quantity in status.capacity names that field', () => {
    const e = clusterError(() =>
      parseCluster('kind: Node\nmetadata: {name: n}\nstatus: {capacity: {cpu: "2", memory: 12GB}}', {
        file: 'c.yaml',
      }),
    );
    expect(e.message).toMatch(
      /^c\.yaml: node 0 \(n\): status\.capacity\.memory: "12GB" is not a quantity: .*"GB" is not a suffix/,
    );
  });

  it.each([
    [
      'a missing name',
      'kind: Node\nmetadata: {}\nstatus: {allocatable: {cpu: "1", memory: 1Gi}}',
      'node 0: metadata.name: missing; expected the node name',
    ],
    [
      'a missing metadata',
      'kind: Node\nstatus: {allocatable: {cpu: "1", memory: 1Gi}}',
      'node 0: metadata: missing; expected the node metadata',
    ],
    ['an empty name', 'metadata: {name: ""}', 'node 0: metadata.name: the node name cannot be empty, got ""'],
    [
      'a label that is not a string',
      'metadata: {name: n, labels: {zone: 1}}',
      'node 0 (n): metadata.labels.zone: expected a string label value (quote numbers and booleans), got 1',
    ],
    [
      'a taint with an unknown effect',
      'metadata: {name: n}\nspec: {taints: [{key: a, effect: NoRun}]}',
      'node 0 (n): spec.taints[0].effect: expected the effect "NoSchedule", "PreferNoSchedule" or "NoExecute", got "NoRun"',
    ],
    [
      'a taint without a key',
      'metadata: {name: n}\nspec: {taints: [{effect: NoSchedule}]}',
      'node 0 (n): spec.taints[0].key: missing; expected the taint key',
    ],
    [
      'taints that are not a list',
      'metadata: {name: n}\nspec: {taints: {key: a}}',
      'node 0 (n): spec.taints: expected a list of taints, got a map',
    ],
    [
      'unschedulable that is not a boolean',
      'metadata: {name: n}\nspec: {unschedulable: "yes"}',
      'node 0 (n): spec.unschedulable: expected true or false, got "yes"',
    ],
    [
      'another kind',
      'kind: ConfigMap\nmetadata: {name: n}',
      'node 0 (n): kind: expected "Node" (only Node objects describe a cluster), got "ConfigMap"',
    ],
    [
      'allocatable that is not a map',
      'metadata: {name: n}\nstatus: {allocatable: 4}',
      'node 0 (n): status.allocatable: expected a map of resource name to quantity, got 4',
    ],
    [
      'a quantity that is neither text nor number',
      'metadata: {name: n}\nstatus: {allocatable: {cpu: [1]}}',
      'node 0 (n): status.allocatable.cpu: expected a quantity such as "16", "500m" or "32Gi", got an array of 1',
    ],
    [
      'no CPU anywhere',
      'metadata: {name: n}\nstatus: {allocatable: {memory: 1Gi}}',
      'node 0 (n): status.allocatable.cpu: missing, and status.capacity.cpu too',
    ],
    [
      'no memory anywhere',
      'metadata: {name: n}\nstatus: {allocatable: {cpu: "1"}}',
      'node 0 (n): status.allocatable.memory: missing, and status.capacity.memory too',
    ],
    [
      'a negative quantity',
      'metadata: {name: n}\nstatus: {allocatable: {cpu: "1", memory: -1Gi}}',
      'node 0 (n): status.allocatable.memory: "-1Gi" is negative',
    ],
    [
      'an absurd quantity',
      'metadata: {name: n}\nstatus: {allocatable: {cpu: "1", memory: 1e30}}',
      'node 0 (n): status.allocatable.memory: "1e+30" is too large',
    ],
    [
      'a node that is not a map',
      '- just text',
      'node 0: expected a Node object (a map with metadata and status), got "just text"',
    ],
  ])('%s', (_what, yaml, expected) => {
    const e = clusterError(() => parseCluster(yaml));
    expect(e.code).toBe('INVALID_NODE');
    expect(e.message).toContain(expected);
    expect(e.message.startsWith(expected.split(':')[0]!)).toBe(true);
  });

  it('counts node indexes across documents and list items', () => {
    const e = clusterError(() =>
      parseCluster(
        `${kwokNode('a', '1', '1Gi')}---\nkind: List\nitems:\n- metadata: {name: b}\n  status: {allocatable: {cpu: "1", memory: 1Gi}}\n- metadata: {name: c}\n  status: {allocatable: {cpu: x, memory: 1Gi}}\n`,
      ),
    );
    expect(e.message).toMatch(/^node 2 \(c\): status\.allocatable\.cpu: "x" is not a quantity/);
  });

  it('a List whose items are not a list', () => {
    const e = clusterError(() => parseCluster('kind: List\nitems: {a: 1}', { file: 'l.yaml' }));
    expect(e.message).toBe('l.yaml: node 0: items: expected a list of Node objects, got a map');
  });

  it('duplicate node names', () => {
    const e = clusterError(() =>
      parseCluster(`${kwokNode('a', '1', '1Gi')}---\n${kwokNode('a', '2', '1Gi')}`, { file: 'n.yaml' }),
    );
    expect(e.code).toBe('DUPLICATE_NODE');
    expect(e.message).toBe(
      'n.yaml: node 1 (a): metadata.name: node 0 has the same name; node names must be unique',
    );
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing here\n'],
    ['an empty JSON array', '[]'],
    ['a List without items', 'kind: List\nitems: []'],
  ])('no node at all: %s', (_what, text) => {
    const e = clusterError(() => parseCluster(text, { file: 'empty.yaml' }));
    expect(e.code).toBe('EMPTY_CLUSTER');
    expect(e.message).toMatch(/^empty\.yaml: no Node object found; .* "4x16cpu-32Gi"/);
  });

  it('invalid YAML and invalid JSON', () => {
    const yaml = clusterError(() => parseCluster('metadata: {name: n\nstatus: [', { file: 'bad.yaml' }));
    expect(yaml.code).toBe('INVALID_YAML');
    expect(yaml.message).toMatch(/^bad\.yaml: not valid YAML: /);
    const json = clusterError(() => parseCluster('{"metadata": ', { file: 'bad.json' }));
    expect(json.code).toBe('INVALID_JSON');
    expect(json.message).toMatch(/^bad\.json: not valid JSON \(.+\); fix the syntax or write YAML$/);
  });

  it('a file that cannot be read', async () => {
    const path = join(tmpdir(), 'sim-arena-no-such-dir', 'nodes.yaml');
    await expect(readClusterFile(path)).rejects.toMatchObject({
      code: 'IO_ERROR',
      file: path,
      message: expect.stringMatching(
        new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the file: `),
      ),
    });
  });

  it.each([
    ['4x16cpu32Gi', 'group 1 "4x16cpu32Gi": not of the form <count>x<cpu>cpu-<memory>[-<pods>pods]'],
    ['0x8cpu-16Gi', 'group 1 "0x8cpu-16Gi": the node count 0 must be between 1 and 100000'],
    ['2x8cpu-16Gi+', 'group 2 "": not of the form'],
    ['1x8cpu-16Gi+2xabccpu-1Gi', 'group 2 "2xabccpu-1Gi": cpu "abc" is not a quantity: '],
    ['1x8cpu-16GB', 'group 1 "1x8cpu-16GB": memory "16GB" is not a quantity: "GB" is not a suffix'],
    ['1x0cpu-1Gi', 'group 1 "1x0cpu-1Gi": cpu "0" must be more than zero'],
    ['1x1cpu-1e30', 'group 1 "1x1cpu-1e30": memory "1e30" is too large'],
    ['1x1cpu-1Gi-0pods', 'group 1 "1x1cpu-1Gi-0pods": the pod count 0 must be at least 1'],
  ])('shorthand %s', (spec, expected) => {
    const e = clusterError(() => parseCluster(spec, { file: 'cluster.txt' }));
    expect(e.code).toBe('INVALID_SHORTHAND');
    expect(e.message).toContain(`cluster.txt: cluster ${JSON.stringify(spec)}: ${expected}`);
    expect(e.message).toContain('e.g. "4x16cpu-32Gi"');
  });
});
