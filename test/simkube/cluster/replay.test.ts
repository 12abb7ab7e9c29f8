import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterFromShape,
  parseCluster,
  readClusterFile,
  type SimNode,
} from '../../../envs/simkube/cluster/nodes.js';
import {
  compileTrace,
  ReplayError,
  recompileTrace,
  type SimulationResult,
  simulate,
  simulateTrace,
} from '../../../envs/simkube/cluster/replay.js';
import { SMALL_OPS } from '../../../envs/simkube/env/actions.js';
import { readTraceFile } from '../../../envs/simkube/trace/codec.js';
import { generateTrace } from '../../../envs/simkube/trace/generator.js';
import { applyTraceOp, applyTraceOps } from '../../../envs/simkube/trace/ops.js';
import type { JsonObject, JsonValue, KubeObject, Trace } from '../../../envs/simkube/trace/schema.js';
import { readTraceMeta } from '../../../envs/simkube/trace/trace-meta.js';
import { listWorkloadRefs } from '../../../envs/simkube/trace/workloads.js';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import { type SharedTrace, sharedTracePath } from '../fixtures.js';
import { traceOf } from './trace-builders.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

const readShared = (name: SharedTrace) => readTraceFile(sharedTracePath(name));

/** The real KWOK-style node file shared by the workspace. */
const SHARED_NODES = fileURLToPath(
  new URL('../../../../shared/k8s-control-plane/nodes.yaml', import.meta.url),
);

function podSpec(cpu?: string, memory?: string, extra: JsonObject = {}): JsonObject {
  const requests: JsonObject = {};
  if (cpu !== undefined) requests.cpu = cpu;
  if (memory !== undefined) requests.memory = memory;
  return { containers: [{ name: 'app', image: 'nginx', resources: { requests } }], ...extra };
}

function workload(kind: string, name: string, spec: JsonObject, apiVersion = 'apps/v1'): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default' }, spec };
}

const deployment = (name: string, replicas: number, pod: JsonObject) =>
  workload('Deployment', name, { replicas, template: { metadata: { labels: { app: name } }, spec: pod } });

const statefulSet = (name: string, replicas: number, pod: JsonObject, policy?: string) =>
  workload('StatefulSet', name, {
    replicas,
    ...(policy === undefined ? {} : { podManagementPolicy: policy }),
    template: { metadata: { labels: { app: name } }, spec: pod },
  });

const daemonSet = (name: string, pod: JsonObject) =>
  workload('DaemonSet', name, { template: { metadata: { labels: { app: name } }, spec: pod } });

const job = (name: string, spec: JsonObject, pod: JsonObject) =>
  workload('Job', name, { ...spec, template: { spec: { restartPolicy: 'Never', ...pod } } }, 'batch/v1');

const deleted = (kind: string, name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace: 'default' },
});

const phases = (result: SimulationResult) =>
  result.pods.map((pod) => [pod.name, pod.phase, pod.node ?? pod.reason]);
const names = (result: SimulationResult) => result.pods.map((pod) => pod.name);

describe('the shared real traces', () => {
  it('no_skel on 4x16cpu-32Gi: everything runs', async () => {
    const trace = await readShared('no_skel.9fda02f.sktrace');
    const result = simulateTrace(trace, parseCluster('4x16cpu-32Gi'));
    expect(result.time).toBe(1779492538);
    expect(result.summary).toEqual({ ready: 12, pending: 0, total: 12, peakPending: 0, peakReady: 24 });
    expect(result.workloads.map((w) => [w.key, w.ready, w.pending, w.total])).toEqual([
      ['StatefulSet/default/database', 2, 0, 2],
      ['Deployment/default/medium-service', 2, 0, 2],
      ['Deployment/default/small-service', 4, 0, 4],
      ['Deployment/default/spread-service', 3, 0, 3],
      ['Deployment/default/large-service', 1, 0, 1],
    ]);
    // 2×300m + 2×500m + 4×250m + 3×200m + 3 = 6.2 CPUs; 2×512Mi + 2×256Mi + 4×64Mi + 3×128Mi + 2Gi = 4224Mi
    const sum = (f: (n: SimulationResult['nodes'][number]) => number) =>
      result.nodes.reduce((a, n) => a + f(n), 0);
    expect(sum((n) => n.requested.cpuMillis)).toBe(6200);
    expect(sum((n) => n.requested.memoryBytes)).toBe(4224 * MI);
    expect(sum((n) => n.requested.pods)).toBe(12);
    // scaling over events: medium-service 12 → 2 and spread-service 6 → 3 keep the oldest pods
    expect(names(result).filter((n) => n.startsWith('medium'))).toEqual([
      'medium-service-0',
      'medium-service-1',
    ]);
    expect(names(result).filter((n) => n.startsWith('spread'))).toEqual([
      'spread-service-0',
      'spread-service-1',
      'spread-service-2',
    ]);
  });

  it('no_skel on 1x2cpu-4Gi: which pods run and which are Pending (worked by hand)', async () => {
    // One node of 2 CPUs (2000m). Memory never binds (1280Mi of 4Gi at most), CPU does.
    // t1 = 1779491310 applies, in this order: database (StatefulSet, OrderedReady, 2 × 300m), medium-service
    //   (12 × 500m), small-service (4 × 250m), spread-service (6 × 200m). Pods are created in that order and tried
    //   in arrival order (equal priorities):
    //   database-0 300m → 300 used; medium-0, -1, -2 → 1800; medium-3..11 need 500 of the 200 left: Pending;
    //   small-0..3 need 250 > 200: Pending; spread-0 200 → 2000 (full); spread-1..5: Pending.
    //   database-0 runs, so the StatefulSet creates database-1 (300m): Pending.
    // t2 = 1779492538: medium-service → 2: the ReplicaSet removes its 9 Pending pods first, then the newest running
    //   one (medium-2), freeing 500m. large-service (1 × 3 CPUs) is created. spread-service → 3 removes the Pending
    //   spread-5, -4, -3. Something running was removed, so every Pending pod is retried in arrival order with 500m
    //   free: small-0 (250) and small-1 (250) run; small-2, small-3, spread-1, spread-2, database-1 and large-0
    //   (3 CPUs, more than the node has) stay Pending. Running: 300 + 2×500 + 2×250 + 200 = 2000m.
    const trace = await readShared('no_skel.9fda02f.sktrace');
    const result = simulateTrace(trace, parseCluster('1x2cpu-4Gi'));
    const full = '0/1 nodes are available: 1 Insufficient cpu.';
    expect(phases(result)).toEqual([
      ['database-0', 'Running', 'node-0'],
      ['medium-service-0', 'Running', 'node-0'],
      ['medium-service-1', 'Running', 'node-0'],
      ['small-service-0', 'Running', 'node-0'],
      ['small-service-1', 'Running', 'node-0'],
      ['small-service-2', 'Pending', full],
      ['small-service-3', 'Pending', full],
      ['spread-service-0', 'Running', 'node-0'],
      ['spread-service-1', 'Pending', full],
      ['spread-service-2', 'Pending', full],
      ['database-1', 'Pending', full],
      ['large-service-0', 'Pending', full],
    ]);
    // 19 pods waited together after the first applies (see the intermediate-time test below)
    expect(result.summary).toEqual({ ready: 6, pending: 6, total: 12, peakPending: 19, peakReady: 6 });
    expect(result.workloads.find((w) => w.name === 'large-service')).toEqual({
      key: 'Deployment/default/large-service',
      kind: 'Deployment',
      namespace: 'default',
      name: 'large-service',
      ready: 0,
      pending: 1,
      total: 1,
      succeeded: 0,
      pendingReasons: [full],
      peakPending: 1,
      peakPendingReasons: [full],
    });
    expect(result.nodes).toEqual([
      {
        name: 'node-0',
        // 300 + 2×500 + 2×250 + 200 = 2000m; 512 + 2×256 + 2×64 + 128 = 1280Mi
        requested: { cpuMillis: 2000, memoryBytes: 1280 * MI, pods: 6 },
        allocatable: { cpuMillis: 2000, memoryBytes: 4 * GI, pods: 110 },
      },
    ]);
  });

  it('no_skel at an intermediate time: after the first applies', async () => {
    const compiled = compileTrace(await readShared('no_skel.9fda02f.sktrace'));
    const t1 = 1779491310;
    // on the small node (see above): database-0, medium-0..2 and spread-0 run; 19 pods wait
    const small = simulate(compiled, parseCluster('1x2cpu-4Gi'), { at: t1 });
    expect(small.time).toBe(t1);
    expect(small.summary).toMatchObject({ ready: 5, pending: 19, total: 24 });
    expect(small.workloads.map((w) => [w.name, w.ready, w.total])).toEqual([
      ['database', 1, 2],
      ['medium-service', 3, 12],
      ['small-service', 0, 4],
      ['spread-service', 1, 6],
    ]);
    // on the default cluster all 24 run before the scale-down
    expect(simulate(compiled, parseCluster('4x16cpu-32Gi'), { at: t1 }).summary).toEqual({
      ready: 24,
      pending: 0,
      total: 24,
      peakPending: 0,
      peakReady: 24,
    });
    // before the first apply: nothing
    expect(simulate(compiled, parseCluster('4x16cpu-32Gi'), { at: t1 - 1 })).toMatchObject({
      pods: [],
      workloads: [],
      summary: { ready: 0, pending: 0, total: 0 },
    });
  });

  it('cronjob.sktrace: three recorded 30 s runs, Succeeded at the end', async () => {
    for (const file of ['cronjob.sktrace', 'cronjob.v2-2025-03-353dc49.sktrace'] as const) {
      const compiled = compileTrace(await readShared(file));
      const nodes = parseCluster('4x16cpu-32Gi');
      // applied at 1743286823, deleted at 1743287028; runs recorded [861, 891], [921, 951], [981, 1011]
      const end = simulate(compiled, nodes);
      expect(end.time).toBe(1743287028);
      expect(phases(end)).toEqual([
        ['hello-simkube-0', 'Succeeded', 'node-0'],
        ['hello-simkube-1', 'Succeeded', 'node-0'],
        ['hello-simkube-2', 'Succeeded', 'node-0'],
      ]);
      expect(end.workloads).toEqual([
        {
          key: 'CronJob/default/hello-simkube',
          kind: 'CronJob',
          namespace: 'default',
          name: 'hello-simkube',
          ready: 0,
          pending: 0,
          total: 0,
          succeeded: 3,
          pendingReasons: [],
          peakPending: 0,
          peakPendingReasons: [],
        },
      ]);
      const at = (t: number) => phases(simulate(compiled, nodes, { at: 1743286000 + t }));
      expect(at(850)).toEqual([]);
      expect(at(861)).toEqual([['hello-simkube-0', 'Running', 'node-0']]);
      expect(at(890)).toEqual([['hello-simkube-0', 'Running', 'node-0']]);
      expect(at(891)).toEqual([['hello-simkube-0', 'Succeeded', 'node-0']]);
      expect(at(925)).toEqual([
        ['hello-simkube-0', 'Succeeded', 'node-0'],
        ['hello-simkube-1', 'Running', 'node-0'],
      ]);
    }
  });

  it('bare-pods.sktrace: each pod runs for its recorded lifecycle', async () => {
    const compiled = compileTrace(await readShared('bare-pods.sktrace'));
    const nodes = parseCluster('4x16cpu-32Gi');
    // applied at 468, 510, 570, 630; lifecycles Finished [468, 480] (12 s), [511, 541] (30 s), [571, 601] (30 s),
    // and Running from 631. The trace ends at 631, its last lifecycle time.
    const end = simulate(compiled, nodes);
    expect(end.time).toBe(1781282631);
    expect(phases(end)).toEqual([
      ['bare-pod-1781282449', 'Succeeded', 'node-0'],
      ['bare-pod-1781282509', 'Succeeded', 'node-0'],
      ['bare-pod-1781282570', 'Succeeded', 'node-0'],
      ['bare-pod-1781282630', 'Running', 'node-0'],
    ]);
    expect(end.workloads.map((w) => [w.key, w.ready, w.succeeded])).toEqual([
      ['Pod/testing/bare-pod-1781282449', 0, 1],
      ['Pod/testing/bare-pod-1781282509', 0, 1],
      ['Pod/testing/bare-pod-1781282570', 0, 1],
      ['Pod/testing/bare-pod-1781282630', 1, 0],
    ]);
    expect(phases(simulate(compiled, nodes, { at: 1781282479 }))).toEqual([
      ['bare-pod-1781282449', 'Running', 'node-0'],
    ]);
    expect(phases(simulate(compiled, nodes, { at: 1781282480 }))).toEqual([
      ['bare-pod-1781282449', 'Succeeded', 'node-0'],
    ]);
    // applied at 510, bound at once, finishes 30 s later at 540 (not at the recorded 541)
    expect(phases(simulate(compiled, nodes, { at: 1781282540 }))[1]).toEqual([
      'bare-pod-1781282509',
      'Succeeded',
      'node-0',
    ]);
  });

  it('testutils-trace.json: a deleted object that was never applied is ignored', async () => {
    const result = simulateTrace(await readShared('testutils-trace.json'), parseCluster('1x1cpu-1Gi'));
    expect(result.workloads.map((w) => [w.key, w.ready, w.total])).toEqual([
      ['Deployment/default/nginx-deployment', 2, 2],
    ]);
  });

  it('test.7aa8719.sktrace: a kind cluster replayed on KWOK nodes', async () => {
    const compiled = compileTrace(await readShared('test.7aa8719.sktrace'));
    const onDefault = simulate(compiled, parseCluster('4x16cpu-32Gi'));
    expect(onDefault.summary).toMatchObject({ ready: 17, pending: 1, total: 18, peakPending: 1 });
    // sk-ctrl selects nodes labelled type=kind-worker, which the shorthand nodes are not
    expect(onDefault.pods.filter((p) => p.phase === 'Pending')).toEqual([
      {
        name: 'sk-ctrl-depl-0',
        namespace: 'simkube',
        workload: 'Deployment/simkube/sk-ctrl-depl',
        phase: 'Pending',
        reason: "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
      },
    ]);
    // the shared node file has no kubernetes.io/os label: only pods without a nodeSelector run
    const shared = simulate(compiled, await readClusterFile(SHARED_NODES));
    expect(shared.pods.filter((p) => p.phase === 'Running').map((p) => p.name)).toEqual([
      'kwok-controller-0',
      'prom2parquet-depl-0',
      'sk-tracer-depl-0',
    ]);
  });
});

describe('the bundled traces (traces/canonical, traces/generated)', () => {
  const root = new URL('../../../traces/', import.meta.url);
  const files = ['canonical', 'generated'].flatMap((dir) =>
    readdirSync(new URL(`${dir}/`, root))
      .filter((name) => name.endsWith('.sktrace'))
      .map((name) => fileURLToPath(new URL(`${dir}/${name}`, root))),
  );

  it('have their labelled defect on their cluster, and their recorded fix makes them healthy', async () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const [trace, meta] = await Promise.all([readTraceFile(file), readTraceMeta(file)]);
      const nodes = clusterFromShape(meta.cluster);
      const before = simulateTrace(trace, nodes).summary;
      const fixed = applyTraceOps(trace, meta.fix);
      if (!fixed.ok) throw new Error(`${file}: ${fixed.failure.message}`);
      const after = simulateTrace(fixed.trace, nodes).summary;
      expect({ file, label: meta.label, pending: before.pending > 0 }).toEqual({
        file,
        label: meta.label,
        pending: meta.label !== 'healthy',
      });
      expect({ file, after }).toEqual({
        file,
        after: {
          ready: after.total,
          pending: 0,
          total: after.total,
          peakPending: 0,
          peakReady: after.peakReady,
        },
      });
      expect(after.peakReady, file).toBeGreaterThan(0);
    }
  });
});

describe('controllers', () => {
  const nodes = parseCluster('2x4cpu-8Gi');

  it('remembers pods that were Pending in the middle of a trace that ends healthy', () => {
    const web = (replicas: number) => deployment('web', replicas, podSpec('3', '64Mi'));
    // 2 nodes × 4 CPUs hold two 3-CPU pods: with 5 replicas, 3 wait; scaled to 1 at t=10, all is well
    const result = simulate(
      compileTrace(
        traceOf([
          { ts: 0, apply: [web(5)] },
          { ts: 10, apply: [web(1)] },
        ]),
      ),
      nodes,
    );
    expect(result.summary).toEqual({ ready: 1, pending: 0, total: 1, peakPending: 3, peakReady: 2 });
    expect(result.workloads[0]).toMatchObject({ pending: 0, peakPending: 3, pendingReasons: [] });
    expect(result.workloads[0]?.peakPendingReasons).toEqual(['0/2 nodes are available: 2 Insufficient cpu.']);
  });

  it('Deployments scale up and down over events; deletion and re-creation continue the names', () => {
    const web = (replicas: number) => deployment('web', replicas, podSpec('100m', '64Mi'));
    const compiled = compileTrace(
      traceOf([
        { ts: 0, apply: [web(3)] },
        { ts: 10, apply: [web(5)] },
        { ts: 20, apply: [web(2)] },
        { ts: 30, delete: [deleted('Deployment', 'web')] },
        { ts: 40, apply: [web(2)] },
      ]),
    );
    const at = (t: number) => simulate(compiled, nodes, { at: t });
    expect(names(at(0))).toEqual(['web-0', 'web-1', 'web-2']);
    expect(names(at(10))).toEqual(['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
    expect(names(at(20))).toEqual(['web-0', 'web-1']);
    expect(at(30)).toMatchObject({ pods: [], summary: { total: 0 } });
    expect(at(30).workloads).toMatchObject([{ key: 'Deployment/default/web', total: 0 }]);
    expect(at(30).nodes.map((n) => n.requested)).toEqual([
      { cpuMillis: 0, memoryBytes: 0, pods: 0 },
      { cpuMillis: 0, memoryBytes: 0, pods: 0 },
    ]);
    expect(names(at(40))).toEqual(['web-5', 'web-6']);
  });

  it('scaling down removes Pending pods first, then the newest', () => {
    const web = (replicas: number) => deployment('web', replicas, podSpec('1'));
    const compiled = compileTrace(
      traceOf([
        { ts: 0, apply: [web(3)] },
        { ts: 10, apply: [web(2)] },
        { ts: 20, apply: [web(1)] },
      ]),
    );
    const small = parseCluster('1x2cpu-4Gi');
    expect(phases(simulate(compiled, small, { at: 0 }))).toEqual([
      ['web-0', 'Running', 'node-0'],
      ['web-1', 'Running', 'node-0'],
      ['web-2', 'Pending', '0/1 nodes are available: 1 Insufficient cpu.'],
    ]);
    expect(names(simulate(compiled, small, { at: 10 }))).toEqual(['web-0', 'web-1']);
    expect(names(simulate(compiled, small, { at: 20 }))).toEqual(['web-0']);
  });

  it('a changed template replaces every pod at once (Recreate); the same template in another key order does not', () => {
    const v1 = deployment('web', 2, podSpec('1'));
    const v2 = deployment('web', 2, podSpec('1500m'));
    const reordered: KubeObject = {
      metadata: { namespace: 'default', name: 'web' },
      spec: { template: { spec: podSpec('1500m'), metadata: { labels: { app: 'web' } } }, replicas: 2 },
      kind: 'Deployment',
      apiVersion: 'apps/v1',
    };
    const compiled = compileTrace(
      traceOf([
        { ts: 0, apply: [v1] },
        { ts: 10, apply: [v2] },
        { ts: 20, apply: [reordered] },
      ]),
    );
    const small = parseCluster('1x2cpu-4Gi');
    expect(names(simulate(compiled, small, { at: 0 }))).toEqual(['web-0', 'web-1']);
    // both old pods go (freeing 2 CPUs), then two new pods of 1.5 CPUs: one fits
    const after = simulate(compiled, small, { at: 10 });
    expect(phases(after)).toEqual([
      ['web-2', 'Running', 'node-0'],
      ['web-3', 'Pending', '0/1 nodes are available: 1 Insufficient cpu.'],
    ]);
    expect(simulate(compiled, small, { at: 20 })).toEqual({ ...after, time: 20 });
  });

  it('StatefulSets: OrderedReady waits for each ordinal to run, Parallel does not; scaling down drops the highest', () => {
    const small = parseCluster('1x2cpu-4Gi');
    // 800m each: ordinals 0 and 1 fit (1600m), ordinal 2 does not
    const ordered = compileTrace(
      traceOf([
        { ts: 0, apply: [statefulSet('db', 5, podSpec('800m'))] },
        { ts: 10, apply: [statefulSet('db', 1, podSpec('800m'))] },
      ]),
    );
    const first = simulate(ordered, small, { at: 0 });
    expect(phases(first)).toEqual([
      ['db-0', 'Running', 'node-0'],
      ['db-1', 'Running', 'node-0'],
      ['db-2', 'Pending', '0/1 nodes are available: 1 Insufficient cpu.'],
    ]);
    expect(first.workloads[0]).toMatchObject({ ready: 2, pending: 1, total: 3 });
    expect(phases(simulate(ordered, small))).toEqual([['db-0', 'Running', 'node-0']]);
    const parallel = compileTrace(
      traceOf([{ ts: 0, apply: [statefulSet('db', 5, podSpec('800m'), 'Parallel')] }]),
    );
    expect(simulate(parallel, small).workloads[0]).toMatchObject({ ready: 2, pending: 3, total: 5 });
    expect(names(simulate(parallel, small))).toEqual(['db-0', 'db-1', 'db-2', 'db-3', 'db-4']);
  });

  it('StatefulSets continue creating ordinals once resources free up', () => {
    // a 1-CPU holder runs 10 s; db-0 (800m) fits beside it on 2 CPUs, db-1 waits, then db-2 follows at once
    const holder: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'holder', namespace: 'default' },
      spec: podSpec('1'),
    };
    const trace = traceOf(
      [
        { ts: 0, apply: [holder] },
        { ts: 1, apply: [statefulSet('db', 3, podSpec('500m'))] },
      ],
      [[['v1.Pod', 'default/holder'], new Map([[1n, [{ Finished: [0, 10] }]]])]],
    );
    const small = parseCluster('1x2cpu-4Gi');
    expect(phases(simulateTrace(trace, small, { at: 9 }))).toEqual([
      ['holder', 'Running', 'node-0'],
      ['db-0', 'Running', 'node-0'],
      ['db-1', 'Running', 'node-0'],
      ['db-2', 'Pending', '0/1 nodes are available: 1 Insufficient cpu.'],
    ]);
    expect(phases(simulateTrace(trace, small, { at: 10 })).slice(1)).toEqual([
      ['db-0', 'Running', 'node-0'],
      ['db-1', 'Running', 'node-0'],
      ['db-2', 'Running', 'node-0'],
    ]);
  });

  it('DaemonSets: one pod per matching, tolerated node, pinned there, Pending with the reason when it does not fit', () => {
    const cluster: SimNode[] = [
      {
        name: 'small',
        labels: { role: 'web' },
        taints: [],
        unschedulable: false,
        allocatable: { cpuMillis: 1000, memoryBytes: 4 * GI, pods: 110 },
      },
      {
        name: 'gpu',
        labels: { role: 'gpu' },
        taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
        unschedulable: false,
        allocatable: { cpuMillis: 4000, memoryBytes: 8 * GI, pods: 110 },
      },
      {
        name: 'cordoned',
        labels: { role: 'infra' },
        taints: [],
        unschedulable: true,
        allocatable: { cpuMillis: 4000, memoryBytes: 8 * GI, pods: 110 },
      },
    ];
    // the Deployment's pod can only go to "small" (the others are tainted or cordoned) and fills it;
    // the DaemonSet skips the tainted node, tolerates the cordon (its controller adds that toleration) and
    // cannot fit beside the Deployment on "small"
    const compiled = compileTrace(
      traceOf([
        { ts: 0, apply: [deployment('web', 1, podSpec('1'))] },
        { ts: 10, apply: [daemonSet('agent', podSpec('500m'))] },
      ]),
    );
    expect(phases(simulate(compiled, cluster))).toEqual([
      ['web-0', 'Running', 'small'],
      [
        'agent-0',
        'Pending',
        "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}.",
      ],
      ['agent-1', 'Running', 'cordoned'],
    ]);
    const tolerant = compileTrace(
      traceOf([
        {
          ts: 0,
          apply: [daemonSet('agent', podSpec('500m', undefined, { tolerations: [{ operator: 'Exists' }] }))],
        },
      ]),
    );
    expect(phases(simulate(tolerant, cluster)).map((p) => p[2])).toEqual(['small', 'gpu', 'cordoned']);
    const selective = compileTrace(
      traceOf([
        {
          ts: 0,
          apply: [daemonSet('agent', podSpec('500m', undefined, { nodeSelector: { role: 'infra' } }))],
        },
      ]),
    );
    expect(phases(simulate(selective, cluster))).toEqual([['agent-0', 'Running', 'cordoned']]);
  });

  it('Jobs run parallelism pods at a time until completions succeed, durations cycling over the lifecycles', () => {
    // lifecycles of 10 s and 20 s, used in turn. From t=100: job-0 (10 s) and job-1 (20 s).
    // 110: job-0 done, job-2 (10 s) starts. 120: job-1 and job-2 done, job-3 (20 s) and job-4 (10 s) start.
    // 130: job-4 done (4 succeeded: one more to go, job-3 runs). 140: job-3 done, 5 completions.
    const trace = traceOf(
      [{ ts: 100, apply: [job('batch', { parallelism: 2, completions: 5 }, podSpec('1'))] }],
      [[['batch/v1.Job', 'default/batch'], new Map([[3n, [{ Finished: [0, 10] }, { Finished: [5, 25] }]]])]],
    );
    const compiled = compileTrace(trace);
    const at = (t: number) =>
      phases(simulate(compiled, nodes, { at: t })).map(([name, phase]) => `${name}:${phase}`);
    expect(at(100)).toEqual(['batch-0:Running', 'batch-1:Running']);
    expect(at(110)).toEqual(['batch-0:Succeeded', 'batch-1:Running', 'batch-2:Running']);
    expect(at(120)).toEqual([
      'batch-0:Succeeded',
      'batch-1:Succeeded',
      'batch-2:Succeeded',
      'batch-3:Running',
      'batch-4:Running',
    ]);
    expect(at(130).slice(3)).toEqual(['batch-3:Running', 'batch-4:Succeeded']);
    expect(at(140)).toEqual([
      'batch-0:Succeeded',
      'batch-1:Succeeded',
      'batch-2:Succeeded',
      'batch-3:Succeeded',
      'batch-4:Succeeded',
    ]);
    expect(simulate(compiled, nodes, { at: 500 }).workloads[0]).toMatchObject({
      ready: 0,
      total: 0,
      succeeded: 5,
    });
  });

  it('Jobs without lifecycles run to the end; defaults are parallelism 1, completions 1', () => {
    const compiled = compileTrace(
      traceOf([
        {
          ts: 0,
          apply: [
            job('forever', { parallelism: 2, completions: 3 }, podSpec('1')),
            job('single', {}, podSpec('1')),
          ],
        },
        { ts: 100, apply: [] },
      ]),
    );
    expect(phases(simulate(compiled, nodes)).map(([name, phase]) => `${name}:${phase}`)).toEqual([
      'forever-0:Running',
      'forever-1:Running',
      'single-0:Running',
    ]);
  });

  it('a CronJob without lifecycles runs once when applied, until the end', () => {
    const cron = workload(
      'CronJob',
      'nightly',
      { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: podSpec('1') } } } },
      'batch/v1',
    );
    const compiled = compileTrace(
      traceOf([
        { ts: 0, apply: [cron] },
        { ts: 50, apply: [] },
      ]),
    );
    expect(phases(simulate(compiled, nodes))).toEqual([['nightly-0', 'Running', 'node-0']]);
  });

  it('deleting a workload removes its Pending and Running pods; Succeeded pods stay', () => {
    const bare = (name: string) => workload('Pod', name, podSpec('1'), 'v1');
    const trace = traceOf(
      [
        { ts: 0, apply: [bare('done'), bare('busy')] },
        { ts: 30, delete: [deleted('Pod', 'done'), deleted('Pod', 'busy')] },
      ],
      [[['v1.Pod', 'default/done'], new Map([[1n, [{ Finished: [0, 10] }]]])]],
    );
    const result = simulateTrace(trace, nodes);
    expect(phases(result)).toEqual([['done', 'Succeeded', 'node-0']]);
    expect(result.nodes.map((n) => n.requested.pods)).toEqual([0, 0]);
  });
});

describe('compiling and options', () => {
  it('names the event and workload of a malformed trace', () => {
    const broken = traceOf([
      { ts: 0, apply: [] },
      { ts: 10, apply: [deployment('web', 1, podSpec('lots'))] },
    ]);
    expect(() => compileTrace(broken)).toThrow(ReplayError);
    expect(() => compileTrace(broken)).toThrow(
      /^events\[1\] \(ts 10\): Deployment default\/web: containers\[0\] \(container "app"\)\.resources\.requests\.cpu/,
    );
    const noTemplate = traceOf([{ ts: 5, apply: [workload('Deployment', 'web', { replicas: 1 })] }]);
    expect(() => compileTrace(noTemplate)).toThrow(
      expect.objectContaining({
        code: 'MISSING_POD_TEMPLATE',
        message: expect.stringMatching(
          /^events\[0\] \(ts 5\): Deployment default\/web: no pod template at "\/spec\/template"/,
        ),
      }),
    );
  });

  it('rejects a time that is not a finite number', () => {
    const compiled = compileTrace(traceOf([]));
    expect(compiled.endTime).toBe(0);
    expect(() => simulate(compiled, parseCluster('1x1cpu-1Gi'), { at: Number.NaN })).toThrow(
      InvalidArgumentError,
    );
  });

  it('recompiling after a trace operation reads only what changed, and agrees with a fresh compile', async () => {
    const trace = await readShared('no_skel.9fda02f.sktrace');
    const nodes = parseCluster('1x2cpu-4Gi');
    const before = simulate(compileTrace(trace), nodes);
    const edited = applyTraceOp(trace, {
      type: 'set_replicas',
      workload: 'default/large-service',
      replicas: 0,
    });
    if (!edited.ok) throw new Error(edited.failure.message);
    const after = simulate(compileTrace(edited.trace), nodes);
    expect(after.summary).toMatchObject({ ready: 6, pending: 5, total: 11 });
    expect(after).toEqual(simulate(compileTrace(structuredClone(edited.trace)), nodes));
    expect(simulate(compileTrace(trace), nodes)).toEqual(before);
  });

  it('property: recompileTrace after any run of trace operations equals a fresh compile (generated traces)', () => {
    const timeline = (c: ReturnType<typeof compileTrace>) =>
      c.steps.map((s) => [
        s.ts,
        s.op,
        s.workload,
        s.run,
        s.version?.template,
        s.version?.shape,
        s.version?.replicas,
      ]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(fc.tuple(fc.constantFrom(...SMALL_OPS), fc.nat()), { minLength: 1, maxLength: 12 }),
        (seed, edits) => {
          const generated = generateTrace({ seed });
          const nodes = clusterFromShape(generated.meta.cluster);
          const refs = listWorkloadRefs(generated.trace);
          let trace = generated.trace;
          let compiled = compileTrace(trace);
          for (const [type, pick] of edits) {
            const edited = applyTraceOp(trace, {
              type,
              workload: `${refs[pick % refs.length]!.kind}/${refs[pick % refs.length]!.key}`,
            });
            if (!edited.ok) continue;
            trace = edited.trace;
            compiled = recompileTrace(compiled, trace);
            const fresh = compileTrace(structuredClone(trace));
            expect(timeline(compiled)).toEqual(timeline(fresh));
            expect(simulate(compiled, nodes)).toEqual(simulate(fresh, nodes));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('recompileTrace falls back to a full compile when the edit is not a trace operation', () => {
    const web = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, template: { spec: podSpec('1', '1Gi') } },
    };
    const trace = traceOf([{ ts: 0, apply: [web] }]);
    const compiled = compileTrace(trace);
    const nodes = parseCluster('1x4cpu-8Gi');
    const grown = {
      ...trace,
      events: [
        ...trace.events,
        {
          ts: 60,
          appliedObjs: [{ ...web, metadata: { name: 'api', namespace: 'default' } }],
          deletedObjs: [],
        },
      ],
    };
    expect(simulate(recompileTrace(compiled, grown), nodes).summary.total).toBe(4);
    const renamed = {
      ...trace,
      events: [
        { ...trace.events[0]!, appliedObjs: [{ ...web, metadata: { name: 'db', namespace: 'default' } }] },
      ],
    };
    expect(recompileTrace(compiled, renamed).workloads.map((w) => w.name)).toEqual(['db']);
    expect(recompileTrace(compiled, trace)).toEqual(compiled);
  });

  it('simulate({ pods: false }) reports the same counts without listing pods', async () => {
    const compiled = compileTrace(await readShared('no_skel.9fda02f.sktrace'));
    const nodes = parseCluster('1x2cpu-4Gi');
    const full = simulate(compiled, nodes);
    const counts = simulate(compiled, nodes, { pods: false });
    expect(full.pods.length).toBeGreaterThan(0);
    expect(counts).toEqual({ ...full, pods: [] });
  });

  it("pods tolerate SimKube's KWOK taint, as its driver makes them, and no other", () => {
    const kwok = (name: string, key: string): SimNode => ({
      name,
      labels: { type: 'virtual' },
      taints: [{ key, value: 'true', effect: 'NoSchedule' }],
      unschedulable: false,
      allocatable: { cpuMillis: 4000, memoryBytes: 8 * GI, pods: 110 },
    });
    const trace = traceOf([{ ts: 0, apply: [deployment('web', 1, podSpec('1'))] }]);
    expect(phases(simulateTrace(trace, [kwok('kwok-node-0', 'kwok-provider')]))).toEqual([
      ['web-0', 'Running', 'kwok-node-0'],
    ]);
    expect(phases(simulateTrace(trace, [kwok('other-0', 'other')]))).toEqual([
      ['web-0', 'Pending', '0/1 nodes are available: 1 node(s) had untolerated taint {other: true}.'],
    ]);
  });

  it('ignores kinds it does not replay', () => {
    const compiled = compileTrace(
      traceOf([
        {
          ts: 0,
          apply: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: {} },
          ],
        },
      ]),
    );
    expect(compiled.workloads).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Determinism

/** A copy of `value` with every object's keys in another order (deterministic in `seed`). */
function shuffleKeys(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed));
  if (value === null || typeof value !== 'object') return value;
  const rank = (key: string) => {
    let h = seed | 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
    return h;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const out: JsonObject = {};
  for (const key of keys) out[key] = shuffleKeys(value[key]!, seed);
  return out;
}

const clusterArb = fc
  .array(
    fc.record({
      cpu: fc.integer({ min: 1, max: 8 }),
      memoryGi: fc.integer({ min: 1, max: 16 }),
      pods: fc.integer({ min: 1, max: 12 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((groups) => parseCluster(groups.map((g) => `1x${g.cpu}cpu-${g.memoryGi}Gi-${g.pods}pods`).join('+')));

const podArb = fc
  .record({
    cpu: fc.option(
      fc.integer({ min: 0, max: 40 }).map((n) => `${n * 100}m`),
      { nil: undefined },
    ),
    memory: fc.option(
      fc.integer({ min: 0, max: 32 }).map((n) => `${n * 128}Mi`),
      { nil: undefined },
    ),
    priority: fc.constantFrom(0, 0, 100),
  })
  .map(({ cpu, memory, priority }) => podSpec(cpu, memory, { priority }));

const traceArb = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('Deployment', 'StatefulSet'), podArb, fc.integer({ min: 0, max: 6 })), {
      minLength: 1,
      maxLength: 5,
    }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 8 }), fc.boolean()), { maxLength: 6 }),
  )
  .map(([workloads, changes]) => {
    const make = (i: number, replicas: number) => {
      const [kind, pod] = workloads[i]!;
      return kind === 'Deployment' ? deployment(`w${i}`, replicas, pod) : statefulSet(`w${i}`, replicas, pod);
    };
    const events = [{ ts: 0, apply: workloads.map((w, i) => make(i, w[2])), delete: [] as KubeObject[] }];
    changes.forEach(([target, replicas, remove], k) => {
      const i = target % workloads.length;
      events.push(
        remove
          ? { ts: 10 * (k + 1), apply: [], delete: [deleted(workloads[i]![0], `w${i}`)] }
          : { ts: 10 * (k + 1), apply: [make(i, replicas)], delete: [] },
      );
    });
    return traceOf(events);
  });

describe('determinism', () => {
  it('the same input gives the same result, run after run', async () => {
    const compiled = compileTrace(await readShared('no_skel.9fda02f.sktrace'));
    const nodes = parseCluster('2x1cpu-2Gi+1x2cpu-1Gi');
    const first = JSON.stringify(simulate(compiled, nodes));
    for (let i = 0; i < 200; i++) expect(JSON.stringify(simulate(compiled, nodes))).toBe(first);
  });

  it('property: results are deterministic, respect capacity, and ignore key order and object identity', () => {
    fc.assert(
      fc.property(traceArb, clusterArb, fc.integer(), (trace, nodes, seed) => {
        const result = simulateTrace(trace, nodes);
        expect(simulateTrace(trace, nodes)).toEqual(result);
        // fresh objects (no compile cache) and shuffled keys (templates compare as data)
        expect(simulateTrace(structuredClone(trace), nodes)).toEqual(result);
        const shuffled = {
          ...trace,
          events: shuffleKeys(trace.events as unknown as JsonValue, seed),
        } as unknown as Trace;
        expect(JSON.stringify(simulateTrace(shuffled, nodes))).toBe(JSON.stringify(result));
        // capacity: nothing bound beyond what a node offers
        let bound = 0;
        for (const node of result.nodes) {
          expect(node.requested.cpuMillis).toBeLessThanOrEqual(node.allocatable.cpuMillis);
          expect(node.requested.memoryBytes).toBeLessThanOrEqual(node.allocatable.memoryBytes);
          expect(node.requested.pods).toBeLessThanOrEqual(node.allocatable.pods);
          bound += node.requested.pods;
        }
        expect(bound).toBe(result.summary.ready);
        expect(result.summary.total).toBe(result.summary.ready + result.summary.pending);
        for (const w of result.workloads) expect(w.total).toBe(w.ready + w.pending);
        for (const pod of result.pods) {
          if (pod.phase === 'Pending') expect(pod.reason).toMatch(/^0\/\d+ nodes are available: .+\.$/);
          else expect(pod.node).toBeDefined();
        }
        // pod names are unique among the pods that exist
        expect(new Set(result.pods.map((p) => p.name)).size).toBe(result.pods.length);
      }),
      { numRuns: 150 },
    );
  });
});
