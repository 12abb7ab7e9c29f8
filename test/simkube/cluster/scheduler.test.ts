import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCluster, type SimNode, type Taint } from '../../../envs/simkube/cluster/nodes.js';
import { simulateTrace } from '../../../envs/simkube/cluster/replay.js';
import {
  balancedAllocationScore,
  compareQueueOrder,
  compileCluster,
  explainUnschedulable,
  findNode,
  leastAllocatedScore,
  leastRequestedScore,
  matchesNodeAffinity,
  NO_NODES_MESSAGE,
  NodeUsage,
  type PodShape,
  placePods,
  podShapeOf,
  SCORE_TREE_MIN_NODES,
  type SchedulablePod,
  scheduleQueue,
  scoreNode,
  staticVerdicts,
  type Toleration,
  toleratesTaint,
} from '../../../envs/simkube/cluster/scheduler.js';
import type { JsonObject, KubeObject } from '../../../envs/simkube/trace/schema.js';
import { traceOf } from './trace-builders.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

/** A node with `cpu` millicores and `memory` bytes. */
function simNode(
  name: string,
  cpuMillis: number,
  memoryBytes: number,
  extra: Partial<SimNode> = {},
): SimNode {
  return {
    name,
    labels: {},
    taints: [],
    unschedulable: false,
    allocatable: { cpuMillis, memoryBytes, pods: 110 },
    ...extra,
  };
}

/** A pod spec with one container requesting `cpu` and `memory` (either may be left out). */
function pod(cpu?: string, memory?: string, extra: JsonObject = {}): JsonObject {
  const requests: JsonObject = {};
  if (cpu !== undefined) requests.cpu = cpu;
  if (memory !== undefined) requests.memory = memory;
  return { containers: [{ name: 'app', image: 'busybox', resources: { requests } }], ...extra };
}

function reasonOf(nodes: SimNode[], spec: JsonObject): string | undefined {
  return placePods(nodes, [spec])[0]!.reason;
}

function nodeOf(nodes: SimNode[], spec: JsonObject): string | undefined {
  return placePods(nodes, [spec])[0]!.node;
}

function barePod(name: string, spec: JsonObject): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec };
}

describe('FailedScheduling messages', () => {
  it('counts reasons per node and sorts the "count reason" strings: "1 Insufficient memory, 3 Insufficient cpu"', () => {
    // three nodes lack CPU (1 < 2 CPUs), one lacks memory (1Gi < 2Gi). kube-scheduler's FitError.Error() sorts the
    // strings "3 Insufficient cpu" and "1 Insufficient memory" with sort.Strings, so "1 …" comes first.
    const nodes = [
      simNode('a', 1000, 8 * GI),
      simNode('b', 1000, 8 * GI),
      simNode('c', 1000, 8 * GI),
      simNode('d', 8000, 1 * GI),
    ];
    expect(reasonOf(nodes, pod('2', '2Gi'))).toBe(
      '0/4 nodes are available: 1 Insufficient memory, 3 Insufficient cpu.',
    );
    // with the counts the other way round, cpu comes first
    const other = [
      simNode('a', 1000, 8 * GI),
      simNode('b', 8000, 1 * GI),
      simNode('c', 8000, 1 * GI),
      simNode('d', 8000, 1 * GI),
    ];
    expect(reasonOf(other, pod('2', '2Gi'))).toBe(
      '0/4 nodes are available: 1 Insufficient cpu, 3 Insufficient memory.',
    );
  });

  it('a node can give several resource reasons at once', () => {
    expect(reasonOf(parseCluster('2x1cpu-1Gi'), pod('2', '2Gi'))).toBe(
      '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.',
    );
  });

  it('"Too many pods" when every pod slot is taken, even for pods without requests', () => {
    // 2 nodes × 2 slots: four request-less pods fit, the fifth does not
    const placements = placePods(parseCluster('2x1cpu-1Gi-2pods'), [pod(), pod(), pod(), pod(), pod()]);
    expect(placements.map((p) => p.node)).toEqual(['node-0', 'node-1', 'node-0', 'node-1', undefined]);
    expect(placements[4]!.reason).toBe('0/2 nodes are available: 2 Too many pods.');
  });

  it('sorts the "count reason" strings as strings, as kube-scheduler does ("10 …" before "3 …")', () => {
    const nodes = [
      ...Array.from({ length: 10 }, (_, i) => simNode(`small-memory-${i}`, 8000, 1 * GI)),
      ...Array.from({ length: 3 }, (_, i) => simNode(`small-cpu-${i}`, 1000, 8 * GI)),
    ];
    expect(reasonOf(nodes, pod('2', '2Gi'))).toBe(
      '0/13 nodes are available: 10 Insufficient memory, 3 Insufficient cpu.',
    );
  });

  it('counts what the pods already bound use', () => {
    // 4 CPUs: 3 for the first pod, 1 left, the second asks for 2
    const placements = placePods(parseCluster('1x4cpu-8Gi'), [pod('3'), pod('2')]);
    expect(placements).toEqual([
      { node: 'node-0' },
      { reason: '0/1 nodes are available: 1 Insufficient cpu.' },
    ]);
  });

  it('says so when there is no node at all', () => {
    expect(reasonOf([], pod('1'))).toBe(NO_NODES_MESSAGE);
    expect(NO_NODES_MESSAGE).toBe('no nodes available to schedule pods');
  });
});

describe('pod requests as the scheduler computes them (effectivePodRequests)', () => {
  it('an init container larger than the app containers sets the request', () => {
    // max(app 500m, init 2) = 2 CPUs
    const spec = {
      ...pod('500m'),
      initContainers: [{ name: 'init', resources: { requests: { cpu: '2' } } }],
    };
    expect(podShapeOf(spec).cpuMillis).toBe(2000);
    expect(reasonOf(parseCluster('1x1500mcpu-4Gi'), spec)).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
    expect(nodeOf(parseCluster('1x2cpu-4Gi'), spec)).toBe('node-0');
  });

  it('sidecars add to the app containers, and to the init containers after them', () => {
    // app 1 + sidecar 1 = 2; an init container of 1.5 after the sidecar runs beside it: 1.5 + 1 = 2.5 > 2
    const sidecar = { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } };
    const withSidecar = { ...pod('1'), initContainers: [sidecar] };
    expect(podShapeOf(withSidecar).cpuMillis).toBe(2000);
    expect(reasonOf(parseCluster('1x1500mcpu-4Gi'), withSidecar)).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
    const initAfter = {
      ...pod('1'),
      initContainers: [sidecar, { name: 'migrate', resources: { requests: { cpu: '1500m' } } }],
    };
    expect(podShapeOf(initAfter).cpuMillis).toBe(2500);
    expect(reasonOf(parseCluster('1x2cpu-4Gi'), initAfter)).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
    expect(nodeOf(parseCluster('1x2500mcpu-4Gi'), initAfter)).toBe('node-0');
  });

  it('the pod overhead is added', () => {
    // 1 CPU + 500m overhead = 1.5 CPUs
    const spec = pod('1', '1Gi', { overhead: { cpu: '500m', memory: '128Mi' } });
    expect(podShapeOf(spec)).toMatchObject({ cpuMillis: 1500, memoryBytes: 1 * GI + 128 * MI });
    expect(reasonOf(parseCluster('1x1400mcpu-4Gi'), spec)).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
    expect(nodeOf(parseCluster('1x1500mcpu-4Gi'), spec)).toBe('node-0');
  });

  it('a container with limits only requests its limits', () => {
    const spec = { containers: [{ name: 'app', resources: { limits: { cpu: '2', memory: '1Gi' } } }] };
    expect(podShapeOf(spec)).toMatchObject({ cpuMillis: 2000, memoryBytes: 1 * GI });
    expect(reasonOf(parseCluster('1x1cpu-4Gi'), spec)).toBe('0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('a pod without requests only needs a pod slot; it is scored as 100m / 200Mi', () => {
    expect(podShapeOf(pod())).toMatchObject({
      cpuMillis: 0,
      memoryBytes: 0,
      nonZeroCpuMillis: 100,
      nonZeroMemoryBytes: 200 * MI,
    });
    // the node is full (1 CPU, 1Gi requested); a request-less pod still fits, a pod asking for 1m does not
    const placements = placePods(parseCluster('1x1cpu-1Gi'), [pod('1', '1Gi'), pod(), pod('1m')]);
    expect(placements).toEqual([
      { node: 'node-0' },
      { node: 'node-0' },
      { reason: '0/1 nodes are available: 1 Insufficient cpu.' },
    ]);
  });
});

describe('scoring: LeastAllocated + BalancedAllocation, weight 1 each', () => {
  it('computes the plugins as kube-scheduler does (integer and float64 arithmetic)', () => {
    // (4000 - 1000) * 100 / 4000 = 75
    expect(leastRequestedScore(1000, 4000)).toBe(75);
    // (16Gi - 1Gi) * 100 / 16Gi = 93.75 → 93
    expect(leastRequestedScore(1 * GI, 16 * GI)).toBe(93);
    expect(leastRequestedScore(5000, 4000)).toBe(0);
    expect(leastRequestedScore(1, 0)).toBe(0);
    // (50 + 93) / 2 = 71.5 → 71
    expect(leastAllocatedScore(4000, 8000, 1 * GI, 16 * GI)).toBe(71);
    // a resource with nothing allocatable is left out: only cpu counts
    expect(leastAllocatedScore(1000, 4000, 0, 0)).toBe(75);
    // fractions 0.5 and 0.0625: std = 0.21875, (1 - 0.21875) * 100 = 78.125 → 78
    expect(balancedAllocationScore(4000, 8000, 1 * GI, 16 * GI)).toBe(78);
    // fractions are capped at 1: 1 and 0.5 → std 0.25 → 75
    expect(balancedAllocationScore(16_000, 8000, 8 * GI, 16 * GI)).toBe(75);
    expect(balancedAllocationScore(0, 8000, 0, 16 * GI)).toBe(100);
  });

  it('BalancedAllocation can outweigh LeastAllocated (worked by hand)', () => {
    // Two nodes of 8 CPUs / 16Gi. Y already runs a pod asking for 0 CPU (explicitly) and 7Gi.
    // The pod asks for 4 CPUs and 1Gi.
    // X (empty):  LeastAllocated cpu (8000-4000)*100/8000 = 50, memory (16-1)/16*100 = 93.75 → 93; (50+93)/2 = 71
    //             Balanced: fractions 0.5 and 1/16 = 0.0625, std 0.21875 → 78.125 → 78.          Total 149.
    // Y (7Gi):    LeastAllocated cpu 50, memory (16-8)/16*100 = 50; (50+50)/2 = 50
    //             Balanced: fractions 0.5 and 0.5, std 0 → 100.                                   Total 150.
    // LeastAllocated prefers X (71 > 50), BalancedAllocation prefers Y (100 > 78): Y wins, 150 to 149.
    const cluster = compileCluster([simNode('x', 8000, 16 * GI), simNode('y', 8000, 16 * GI)]);
    const usage = new NodeUsage(cluster.size);
    usage.bind(1, podShapeOf(pod('0', '7Gi')));
    const shape = podShapeOf(pod('4', '1Gi'));
    expect(findNode(cluster, usage, shape, staticVerdicts(cluster, shape))).toBe(1);
  });

  it('LeastAllocated spreads pods over emptier nodes (worked by hand)', () => {
    // Two nodes of 8 CPUs / 16Gi; Y already runs 4 CPUs / 8Gi. The pod asks for 1 CPU and 2Gi.
    // X: LeastAllocated cpu 7/8 → 87, memory 14/16 → 87; 87. Balanced: 0.125 and 0.125 → 100. Total 187.
    // Y: LeastAllocated cpu 3/8 → 37, memory 6/16 → 37; 37. Balanced: 0.625 and 0.625 → 100. Total 137.
    const cluster = compileCluster([simNode('x', 8000, 16 * GI), simNode('y', 8000, 16 * GI)]);
    const usage = new NodeUsage(cluster.size);
    usage.bind(1, podShapeOf(pod('4', '8Gi')));
    const shape = podShapeOf(pod('1', '2Gi'));
    expect(findNode(cluster, usage, shape, staticVerdicts(cluster, shape))).toBe(0);
  });

  it('best-effort pods skip BalancedAllocation (Kubernetes ≥ 1.33), others do not (worked by hand)', () => {
    // Two nodes of 4 CPUs / 4Gi (4096Mi). A runs 1 CPU / 3Gi, B runs 2 CPUs / 2Gi.
    // A best-effort pod is scored with 100m / 200Mi by LeastAllocated only:
    //   A: cpu (4000-1100)*100/4000 = 72.5 → 72, memory (4096-3072-200)*100/4096 = 20.1 → 20; (72+20)/2 = 46
    //   B: cpu (4000-2100)*100/4000 = 47.5 → 47, memory (4096-2048-200)*100/4096 = 45.1 → 45; (47+45)/2 = 46
    //   a tie: the first node, A (with BalancedAllocation B would win: 100 against 75).
    // A pod asking for 1m CPU (memory unrequested: 200Mi for LeastAllocated, 0 for BalancedAllocation):
    //   A: cpu (4000-1001)/4000 → 74, memory 20; 47. Balanced: 1001/4000 = 0.25025 and 0.75, std 0.249875 → 75.
    //      Total 122.
    //   B: cpu (4000-2001)/4000 → 49, memory 45; 47. Balanced: 0.50025 and 0.5, std 0.000125 → 99.9875 → 99.
    //      Total 146: B.
    const cluster = compileCluster([simNode('a', 4000, 4 * GI), simNode('b', 4000, 4 * GI)]);
    const usage = new NodeUsage(cluster.size);
    usage.bind(0, podShapeOf(pod('1', '3Gi')));
    usage.bind(1, podShapeOf(pod('2', '2Gi')));
    const bestEffort = podShapeOf(pod());
    expect(findNode(cluster, usage, bestEffort, staticVerdicts(cluster, bestEffort))).toBe(0);
    const tiny = podShapeOf(pod('1m'));
    expect(findNode(cluster, usage, tiny, staticVerdicts(cluster, tiny))).toBe(1);
  });

  it('breaks ties by cluster order (kube-scheduler would pick at random)', () => {
    // equal nodes: the first; then the first of those left emptiest
    // (pod 2 on node-0 would score 62 + 87 = 149, on node-1 81 + 93 = 174)
    const placements = placePods(parseCluster('3x4cpu-8Gi'), [
      pod('1', '1Gi'),
      pod('1', '1Gi'),
      pod('1', '1Gi'),
      pod('1', '1Gi'),
    ]);
    expect(placements.map((p) => p.node)).toEqual(['node-0', 'node-1', 'node-2', 'node-0']);
  });

  it('a score cache never leaks between pod shapes or usage changes', () => {
    const cluster = compileCluster(parseCluster('2x4cpu-8Gi'));
    const usage = new NodeUsage(cluster.size);
    const big = podShapeOf(pod('3'));
    const small = podShapeOf(pod('500m'));
    expect(findNode(cluster, usage, big, staticVerdicts(cluster, big))).toBe(0);
    usage.bind(0, big);
    expect(findNode(cluster, usage, small, staticVerdicts(cluster, small))).toBe(1);
    expect(findNode(cluster, usage, big, staticVerdicts(cluster, big))).toBe(1);
    usage.bind(1, big);
    expect(findNode(cluster, usage, big, staticVerdicts(cluster, big))).toBe(-1);
    usage.unbind(0, big);
    expect(findNode(cluster, usage, big, staticVerdicts(cluster, big))).toBe(0);
    usage.reset();
    expect(findNode(cluster, usage, big, staticVerdicts(cluster, big))).toBe(0);
  });

  /** Four kinds of node (plain, zone b, tainted, zone b), `copies` of each. */
  function mixedNodes(copies: number): SimNode[] {
    return Array.from({ length: copies }, (_, k) => [
      simNode(`a-${k}`, 4000, 8 * GI),
      simNode(`b-${k}`, 8000, 4 * GI, { labels: { zone: 'b' } }),
      simNode(`c-${k}`, 2000, 16 * GI, { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] }),
      simNode(`d-${k}`, 6000, 6 * GI, { labels: { zone: 'b' } }),
    ]).flat();
  }

  // 4 nodes: the scan with its score cache; 24: the score tree
  it.each([
    [1, 'a scan'],
    [6, 'a score tree'],
  ])(
    'property: findNode and its caches pick what scoring every node afresh picks (%i × 4 nodes: %s)',
    (copies) => {
      const nodes = mixedNodes(copies);
      const cluster = compileCluster(nodes);
      expect(cluster.size >= SCORE_TREE_MIN_NODES).toBe(copies > 1);
      // distinct objects, some with equal requests or equal placements: the caches key on content, not identity
      const specs = [
        pod('500m', '1Gi'),
        pod('500m', '1Gi'),
        pod('500m', '1Gi', { nodeSelector: { zone: 'b' } }),
        pod('500m', '1Gi', { tolerations: [{ key: 'gpu', operator: 'Exists' }] }),
        pod('1500m', '512Mi'),
        pod(undefined, '2Gi'),
        pod(),
        // same scoring requests (200Mi counts for a missing memory request), different filtering requests
        pod('3', '200Mi'),
        pod('3'),
      ];
      const eligible = (node: SimNode, pick: number) =>
        (node.taints.length === 0 || pick === 3) && (pick !== 2 || node.labels.zone === 'b');
      // each event schedules a pod of spec `pick`, or (negative) releases the |pick|-th pod still bound
      const events = fc.array(fc.integer({ min: -3, max: specs.length - 1 }), {
        minLength: 1,
        maxLength: 60,
      });
      fc.assert(
        fc.property(events, (picks) => {
          const usage = new NodeUsage(cluster.size);
          const bound: { node: number; shape: PodShape }[] = [];
          for (const pick of picks) {
            if (pick < 0) {
              const released = bound.splice(-pick % Math.max(1, bound.length), 1)[0];
              if (released) usage.unbind(released.node, released.shape);
              continue;
            }
            const shape = podShapeOf(specs[pick]!);
            const verdicts = staticVerdicts(cluster, shape);
            const fresh = podShapeOf(specs[pick]!);
            let expected = -1;
            let bestScore = -1;
            nodes.forEach((node, i) => {
              if (!eligible(node, pick)) return;
              const score = scoreNode(cluster, usage, fresh, i);
              if (score > bestScore) {
                bestScore = score;
                expected = i;
              }
            });
            const found = findNode(cluster, usage, shape, verdicts);
            expect(found).toBe(expected);
            // every score a cache holds as valid is the score of this pod
            nodes.forEach((node, i) => {
              if (!eligible(node, pick)) return;
              const score = scoreNode(cluster, usage, fresh, i);
              if (usage.tree !== undefined) expect(usage.tree.scores[i]).toBe(score);
              else if (usage.scoreVersions[i] === usage.nodeVersions[i])
                expect(usage.scoreCache[i]).toBe(score);
            });
            if (found >= 0) {
              usage.bind(found, shape);
              bound.push({ node: found, shape });
            }
          }
        }),
      );
    },
  );
});

describe('nodeSelector and required node affinity', () => {
  const nodes = [
    simNode('node-0', 4000, 8 * GI, { labels: { disk: 'hdd', cores: '8' } }),
    simNode('node-1', 4000, 8 * GI, { labels: { disk: 'ssd', cores: '16', gpu: 'yes' } }),
  ];

  it('nodeSelector picks matching nodes, or reports a mismatch on every other node', () => {
    expect(nodeOf(nodes, pod('1', undefined, { nodeSelector: { disk: 'ssd' } }))).toBe('node-1');
    expect(reasonOf(nodes, pod('1', undefined, { nodeSelector: { disk: 'nvme' } }))).toBe(
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
    );
    // a mismatch counts before resources: node-1 matches but is too small
    expect(reasonOf(nodes, pod('8', undefined, { nodeSelector: { disk: 'ssd' } }))).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  const withAffinity = (terms: JsonObject[]) =>
    podShapeOf(
      pod('1', undefined, {
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
        },
      }),
    );
  const matching = (shape: PodShape) =>
    nodes.filter((node) => matchesNodeAffinity(shape, node)).map((n) => n.name);

  it.each([
    ['In', [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }] }], ['node-1']],
    ['NotIn', [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }], ['node-0']],
    [
      'NotIn of a missing label',
      [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }],
      ['node-0', 'node-1'],
    ],
    ['Exists', [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }], ['node-1']],
    ['DoesNotExist', [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }], ['node-0']],
    ['Gt', [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['10'] }] }], ['node-1']],
    ['Lt', [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['10'] }] }], ['node-0']],
    ['Gt of a non-number', [{ matchExpressions: [{ key: 'disk', operator: 'Gt', values: ['1'] }] }], []],
    // kube-scheduler parses both sides with strconv.ParseInt(…, 10, 64); found by the fidelity suite (test/k8s)
    [
      'Lt of a value beyond int64',
      [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['9223372036854775808'] }] }],
      [],
    ],
    [
      'Gt/Lt at the int64 limits',
      [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['9223372036854775807'] }] }],
      ['node-0', 'node-1'],
    ],
    ['an unknown operator', [{ matchExpressions: [{ key: 'disk', operator: 'Like', values: ['ssd'] }] }], []],
    [
      'matchFields on metadata.name',
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-0'] }] }],
      ['node-0'],
    ],
    [
      'requirements of a term are ANDed',
      [
        {
          matchExpressions: [
            { key: 'disk', operator: 'In', values: ['hdd'] },
            { key: 'gpu', operator: 'Exists' },
          ],
        },
      ],
      [],
    ],
    [
      'terms are ORed',
      [
        { matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] },
        { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] },
      ],
      ['node-0', 'node-1'],
    ],
    ['an empty term matches nothing', [{}], []],
    ['no terms match nothing', [], []],
  ] as [string, JsonObject[], string[]][])('%s', (_what, terms, expected) => {
    expect(matching(withAffinity(terms))).toEqual(expected);
  });

  it('Gt and Lt never match a label beyond int64 (kube-scheduler cannot parse it)', () => {
    const ranked = [
      simNode('huge', 4000, 8 * GI, { labels: { rank: '99999999999999999999' } }),
      simNode('small', 4000, 8 * GI, { labels: { rank: '-5' } }),
    ];
    const rankAbove = (bound: string) =>
      podShapeOf(
        pod('1', undefined, {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'rank', operator: 'Gt', values: [bound] }] }],
              },
            },
          },
        }),
      );
    const names = (shape: PodShape) =>
      ranked.filter((node) => matchesNodeAffinity(shape, node)).map((n) => n.name);
    expect(names(rankAbove('-10'))).toEqual(['small']);
    expect(names(rankAbove('+0'))).toEqual([]);
  });
});

describe('taints and tolerations', () => {
  const tainted = (name: string, taints: Taint[]) => simNode(name, 4000, 8 * GI, { taints });
  const nodes = [
    tainted('node-0', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]),
    tainted('node-1', [{ key: 'team', value: 'a', effect: 'NoExecute' }]),
  ];

  it('NoSchedule and NoExecute taints keep pods away, each counted with its key and value', () => {
    expect(reasonOf(nodes, pod('1'))).toBe(
      '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {team: a}.',
    );
  });

  it('PreferNoSchedule does not filter', () => {
    const soft = [tainted('node-0', [{ key: 'soft', value: 'x', effect: 'PreferNoSchedule' }])];
    expect(nodeOf(soft, pod('1'))).toBe('node-0');
  });

  it.each([
    ['Equal with the value', { key: 'dedicated', operator: 'Equal', value: 'gpu' }, 'node-0'],
    ['the default operator (Equal)', { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, 'node-0'],
    ['Exists on the key', { key: 'team', operator: 'Exists' }, 'node-1'],
    ['Exists on the key and effect', { key: 'team', operator: 'Exists', effect: 'NoExecute' }, 'node-1'],
    ['an empty key with Exists tolerates everything', { operator: 'Exists' }, 'node-0'],
  ])('tolerated by %s', (_what, toleration, expected) => {
    expect(nodeOf(nodes, pod('1', undefined, { tolerations: [toleration] }))).toBe(expected);
  });

  it.each([
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'cpu' }],
    ['another effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }],
    ['another key', { key: 'other', operator: 'Exists' }],
  ])('not tolerated by %s', (_what, toleration) => {
    expect(reasonOf(nodes, pod('1', undefined, { tolerations: [toleration] }))).toMatch(
      /^0\/2 nodes are available: /,
    );
  });

  it('toleratesTaint follows Kubernetes', () => {
    const t = (toleration: Partial<Toleration>): Toleration => ({
      key: '',
      operator: 'Equal',
      value: '',
      effect: '',
      ...toleration,
    });
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(toleratesTaint(t({ key: 'k', value: 'v' }), taint)).toBe(true);
    expect(toleratesTaint(t({ key: 'k', value: 'w' }), taint)).toBe(false);
    expect(toleratesTaint(t({ key: 'k', operator: 'Exists' }), taint)).toBe(true);
    expect(toleratesTaint(t({ operator: 'Exists' }), taint)).toBe(true);
    expect(toleratesTaint(t({ operator: 'Exists', effect: 'NoExecute' }), taint)).toBe(false);
    expect(toleratesTaint(t({ key: 'k', operator: 'Gt', value: 'v' }), taint)).toBe(false);
    expect(toleratesTaint(t({ key: 'k' }), { key: 'k', effect: 'NoSchedule' })).toBe(true);
  });

  it('reports the first taint the pod does not tolerate; a taint without value prints empty', () => {
    const node = [
      tainted('node-0', [
        { key: 'a', value: '1', effect: 'NoSchedule' },
        { key: 'b', effect: 'NoSchedule' },
      ]),
    ];
    expect(reasonOf(node, pod('1', undefined, { tolerations: [{ key: 'a', operator: 'Exists' }] }))).toBe(
      '0/1 nodes are available: 1 node(s) had untolerated taint {b: }.',
    );
  });
});

describe('unschedulable nodes', () => {
  const nodes = [simNode('cordoned', 8000, 8 * GI, { unschedulable: true }), simNode('small', 1000, 8 * GI)];

  it('a cordoned node is not used', () => {
    expect(reasonOf(nodes, pod('2'))).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.',
    );
    expect(nodeOf(nodes, pod('500m'))).toBe('small');
  });

  it('unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const tolerant = pod('2', undefined, {
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
    });
    expect(nodeOf(nodes, tolerant)).toBe('cordoned');
  });

  it('filters run in kube-scheduler order: unschedulable, taints, node affinity, resources', () => {
    const ordered = [
      simNode('cordoned-and-tainted', 1000, 1 * GI, {
        unschedulable: true,
        taints: [{ key: 't', effect: 'NoSchedule' }],
      }),
      simNode('tainted-and-unlabelled', 1000, 1 * GI, { taints: [{ key: 't', effect: 'NoSchedule' }] }),
      simNode('unlabelled-and-small', 1000, 1 * GI),
    ];
    expect(reasonOf(ordered, pod('2', undefined, { nodeSelector: { disk: 'ssd' } }))).toBe(
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {t: }, 1 node(s) were unschedulable.",
    );
  });
});

describe('the queue: priority, then arrival', () => {
  it('higher priority first, then arrival order', () => {
    const cluster = compileCluster(parseCluster('1x1cpu-1Gi'));
    const usage = new NodeUsage(cluster.size);
    const low = podShapeOf(pod('1'));
    const high = podShapeOf(pod('1', undefined, { priority: 1000 }));
    const queued = (shape: PodShape, seq: number): SchedulablePod => ({
      shape,
      verdicts: staticVerdicts(cluster, shape),
      pinned: -1,
      seq,
      node: -1,
      reason: undefined,
    });
    const first = queued(low, 0);
    const second = queued(low, 1);
    const urgent = queued(high, 2);
    const queue = [first, second, urgent];
    expect(scheduleQueue(cluster, usage, queue)).toBe(1);
    expect(queue).toEqual([urgent, first, second]);
    expect(urgent.node).toBe(0);
    expect([first.node, first.reason]).toEqual([-1, '0/1 nodes are available: 1 Insufficient cpu.']);
    expect(compareQueueOrder(first, second)).toBeLessThan(0);
    // the urgent pod leaves: the first low-priority pod takes its place
    usage.unbind(0, high);
    expect(scheduleQueue(cluster, usage, [second, first])).toBe(1);
    expect([first.node, second.node]).toEqual([0, -1]);
    expect(explainUnschedulable(cluster, usage, low, second.verdicts)).toBe(second.reason);
  });

  it('built-in priority classes count when spec.priority is absent', () => {
    const placements = placePods(parseCluster('1x1cpu-1Gi'), [
      pod('1', undefined, { priority: 1000 }),
      pod('1', undefined, { priorityClassName: 'system-node-critical' }),
      pod('1', undefined, { priorityClassName: 'system-cluster-critical' }),
    ]);
    expect(placements.map((p) => p.node)).toEqual([undefined, 'node-0', undefined]);
    expect(
      podShapeOf(pod(undefined, undefined, { priorityClassName: 'system-cluster-critical' })).priority,
    ).toBe(2_000_000_000);
    expect(podShapeOf(pod(undefined, undefined, { priorityClassName: 'custom' })).priority).toBe(0);
  });

  it('pending pods are retried in priority order when resources free up (replay)', () => {
    // one CPU. "holder" takes it at t=100 for 10 s (its recorded lifecycle); "low" (priority 0) arrives at 101,
    // "high" (priority 1000) at 102, "late-low" at 103: all wait. At 110 the holder finishes: "high" gets the CPU
    // although it came after "low"; the two low-priority pods stay Pending.
    const trace = traceOf(
      [
        { ts: 100, apply: [barePod('holder', pod('1'))] },
        { ts: 101, apply: [barePod('low', pod('1'))] },
        { ts: 102, apply: [barePod('high', pod('1', undefined, { priority: 1000 }))] },
        { ts: 103, apply: [barePod('late-low', pod('1'))] },
      ],
      [[['v1.Pod', 'default/holder'], new Map([[1n, [{ Finished: [100, 110] }]]])]],
    );
    const nodes = parseCluster('1x1cpu-1Gi');
    const phases = (at: number) =>
      Object.fromEntries(simulateTrace(trace, nodes, { at }).pods.map((p) => [p.name, p.phase]));
    expect(phases(109)).toEqual({
      holder: 'Running',
      low: 'Pending',
      high: 'Pending',
      'late-low': 'Pending',
    });
    expect(phases(110)).toEqual({
      holder: 'Succeeded',
      low: 'Pending',
      high: 'Running',
      'late-low': 'Pending',
    });
    const end = simulateTrace(trace, nodes, { at: 200 });
    expect(end.pods.find((p) => p.name === 'low')!.reason).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
  });

  it('among equal priorities the earlier arrival wins the freed resources (replay)', () => {
    const trace = traceOf(
      [
        { ts: 100, apply: [barePod('holder', pod('1'))] },
        { ts: 101, apply: [barePod('second', pod('1'))] },
        { ts: 102, apply: [barePod('third', pod('1'))] },
      ],
      [[['v1.Pod', 'default/holder'], new Map([[7n, [{ Finished: [50, 60] }]]])]],
    );
    const result = simulateTrace(trace, parseCluster('1x1cpu-1Gi'));
    // the holder runs 10 s from 100; the trace ends at 102 (its last event), so look later
    expect(result.time).toBe(102);
    const later = simulateTrace(trace, parseCluster('1x1cpu-1Gi'), { at: 111 });
    expect(later.pods.map((p) => [p.name, p.phase])).toEqual([
      ['holder', 'Succeeded'],
      ['second', 'Running'],
      ['third', 'Pending'],
    ]);
  });
});
