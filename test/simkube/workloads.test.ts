/**
 * Workload queries on SimKube's own traces (every workload, its requests and replicas over time, template paths old
 * and new) and on small hand-built traces (JSON pointer escapes, sidecars, lookups that fail).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTrace, decodeTraceJson } from '../../envs/simkube/trace/codec.js';
import type { Quantity } from '../../envs/simkube/trace/quantity.js';
import type { JsonObject, KubeObject, Trace, TraceEvent } from '../../envs/simkube/trace/schema.js';
import {
  type ContainerInfo,
  findWorkload,
  formatJsonPointer,
  listWorkloads,
  parseJsonPointer,
  podTemplateOf,
  resolveJsonPointer,
  type Workload,
  WorkloadQueryError,
} from '../../envs/simkube/trace/workloads.js';
import { readSharedTrace, sharedTracePath } from './fixtures.js';

function shared(name: Parameters<typeof readSharedTrace>[0]): Trace {
  return decodeTrace(readSharedTrace(name));
}

/** A container's requests and limits as canonical text. */
function texts(container: ContainerInfo): { name: string; kind: string; requests: object; limits: object } {
  const text = (record: Record<string, Quantity>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.toString()]));
  return {
    name: container.name,
    kind: container.kind,
    requests: text(container.requests),
    limits: text(container.limits),
  };
}

function byKey(workloads: Workload[], key: string): Workload {
  const found = workloads.find((w) => w.key === key);
  if (!found) throw new Error(`no ${key} in ${workloads.map((w) => w.key).join(', ')}`);
  return found;
}

function deployment(name: string, namespace: string, spec: JsonObject, kind = 'Deployment'): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace }, spec };
}

function withTemplate(
  containers: JsonObject[],
  initContainers?: JsonObject[],
  replicas?: number,
): JsonObject {
  const podSpec: JsonObject = { containers };
  if (initContainers) podSpec.initContainers = initContainers;
  const spec: JsonObject = { template: { metadata: {}, spec: podSpec } };
  if (replicas !== undefined) spec.replicas = replicas;
  return spec;
}

function traceOf(events: TraceEvent[], trackedObjects: Trace['config']['trackedObjects'] = {}): Trace {
  return { version: 2, config: { trackedObjects }, events, index: {}, podLifecycles: [] };
}

describe('listWorkloads on SimKube traces', () => {
  it('lists every workload of no_skel with its requests and replicas over time', () => {
    const workloads = listWorkloads(shared('no_skel.9fda02f.sktrace'));
    expect(workloads.map((w) => `${w.kind} ${w.key}`)).toEqual([
      'StatefulSet default/database',
      'Deployment default/medium-service',
      'Deployment default/small-service',
      'Deployment default/spread-service',
      'Deployment default/large-service',
    ]);
    const expected: Record<string, { cpu: string; memory: string; replicas: [number, number][] }> = {
      database: { cpu: '300m', memory: '512Mi', replicas: [[1779491310, 2]] },
      'medium-service': {
        cpu: '500m',
        memory: '256Mi',
        replicas: [
          [1779491310, 12],
          [1779492538, 2],
        ],
      },
      'small-service': { cpu: '250m', memory: '64Mi', replicas: [[1779491310, 4]] },
      'spread-service': {
        cpu: '200m',
        memory: '128Mi',
        replicas: [
          [1779491310, 6],
          [1779492538, 3],
        ],
      },
      'large-service': { cpu: '3', memory: '2Gi', replicas: [[1779492538, 1]] },
    };
    for (const workload of workloads) {
      const want = expected[workload.name]!;
      expect(workload.gvk).toBe(`apps/v1.${workload.kind}`);
      expect(workload.namespace).toBe('default');
      expect(workload.templatePath).toBe('/spec/template');
      expect(workload.containers.map(texts)).toEqual([
        {
          name: workload.kind === 'StatefulSet' ? 'db' : 'nginx',
          kind: 'app',
          requests: { cpu: want.cpu, memory: want.memory },
          limits: {},
        },
      ]);
      expect(workload.replicas).toEqual(want.replicas.map(([ts, replicas]) => ({ ts, replicas })));
      expect(workload.firstAppliedTs).toBe(want.replicas[0]![0]);
      expect(workload.deletedTs).toBeUndefined();
    }
  });

  it('lists the 13 Deployments and 2 StatefulSets of test.sktrace with limits, init containers and empty requests', () => {
    const workloads = listWorkloads(shared('test.7aa8719.sktrace'));
    expect(workloads.filter((w) => w.kind === 'Deployment')).toHaveLength(13);
    expect(workloads.filter((w) => w.kind === 'StatefulSet')).toHaveLength(2);
    expect(workloads).toHaveLength(15);
    expect(byKey(workloads, 'monitoring/prometheus-k8s').containers.map(texts)).toEqual([
      { name: 'prometheus', kind: 'app', requests: { memory: '400Mi' }, limits: {} },
      {
        name: 'config-reloader',
        kind: 'app',
        requests: { cpu: '10m', memory: '50Mi' },
        limits: { cpu: '10m', memory: '50Mi' },
      },
      {
        name: 'init-config-reloader',
        kind: 'init',
        requests: { cpu: '10m', memory: '50Mi' },
        limits: { cpu: '10m', memory: '50Mi' },
      },
    ]);
    expect(byKey(workloads, 'monitoring/prometheus-k8s').replicas.map((r) => r.replicas)).toEqual([2]);
    expect(byKey(workloads, 'kube-system/coredns').containers.map(texts)).toEqual([
      {
        name: 'coredns',
        kind: 'app',
        requests: { cpu: '100m', memory: '70Mi' },
        limits: { memory: '170Mi' },
      },
    ]);
    expect(byKey(workloads, 'cert-manager/cert-manager').containers.map(texts)).toEqual([
      { name: 'cert-manager-controller', kind: 'app', requests: {}, limits: {} },
    ]);
    expect(byKey(workloads, 'monitoring/kube-state-metrics').containers.map((c) => c.name)).toEqual([
      'kube-state-metrics',
      'kube-rbac-proxy-main',
      'kube-rbac-proxy-self',
    ]);
  });

  it('finds the CronJob template at /spec/jobTemplate/spec/template (config without paths: SimKube defaults)', () => {
    const trace = shared('cronjob.sktrace');
    expect(trace.config.trackedObjects['batch/v1.CronJob']?.podSpecTemplatePaths).toBeUndefined();
    const [cron, ...others] = listWorkloads(trace);
    expect(others).toEqual([]);
    expect(cron).toMatchObject({
      gvk: 'batch/v1.CronJob',
      kind: 'CronJob',
      key: 'default/hello-simkube',
      templatePath: '/spec/jobTemplate/spec/template',
      replicas: [{ ts: 1743286823, replicas: null }],
      firstAppliedTs: 1743286823,
      deletedTs: 1743287028,
    });
    expect(cron!.containers.map(texts)).toEqual([{ name: 'sleeper', kind: 'app', requests: {}, limits: {} }]);
  });

  it('reads the older singular podSpecTemplatePath (cronjob.v2-2025-03)', () => {
    const trace = shared('cronjob.v2-2025-03-353dc49.sktrace');
    expect(trace.config.trackedObjects['batch/v1.CronJob']?.podSpecTemplatePath).toBe(
      '/spec/jobTemplate/spec/template',
    );
    expect(listWorkloads(trace)).toEqual(listWorkloads(shared('cronjob.sktrace')));
  });

  it('lists bare Pods with the whole object as template and no requests', () => {
    const workloads = listWorkloads(shared('bare-pods.sktrace'));
    expect(workloads).toHaveLength(4);
    for (const pod of workloads) {
      expect(pod.kind).toBe('Pod');
      expect(pod.gvk).toBe('v1.Pod');
      expect(pod.namespace).toBe('testing');
      expect(pod.templatePath).toBe('');
      expect(pod.replicas).toEqual([{ ts: pod.firstAppliedTs, replicas: null }]);
      expect(pod.containers.map(texts)).toEqual([{ name: 'sleeper', kind: 'app', requests: {}, limits: {} }]);
    }
  });

  it('skips objects that are only deleted (SimKube JSON fixture)', () => {
    const trace = decodeTraceJson(readFileSync(sharedTracePath('testutils-trace.json'), 'utf8'));
    expect(trace.events.flatMap((e) => e.deletedObjs.map((o) => o.metadata.name))).toContain(
      'nginx-deployment-2',
    );
    expect(listWorkloads(trace).map((w) => w.key)).toEqual(['default/nginx-deployment']);
  });
});

describe('JSON pointers', () => {
  it('splits and escapes as RFC 6901 says', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/spec/template')).toEqual(['spec', 'template']);
    expect(parseJsonPointer('/a~1b/~0c/~01/')).toEqual(['a/b', '~c', '~1', '']);
    expect(formatJsonPointer(['a/b', '~c', '~1', ''])).toBe('/a~1b/~0c/~01/');
  });

  it('rejects malformed pointers with INVALID_POINTER', () => {
    for (const bad of ['spec/template', '/a~2b', '/a~']) {
      let caught: unknown;
      try {
        parseJsonPointer(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WorkloadQueryError);
      expect((caught as WorkloadQueryError).code).toBe('INVALID_POINTER');
      expect((caught as WorkloadQueryError).message).toContain(JSON.stringify(bad));
    }
  });

  it('resolves through maps and arrays, and nowhere else', () => {
    const doc: JsonObject = { 'a/b': { '~c': [10, { d: 'x' }] }, '': 1 };
    expect(resolveJsonPointer(doc, '/a~1b/~0c/1/d')).toBe('x');
    expect(resolveJsonPointer(doc, '/a~1b/~0c/0')).toBe(10);
    expect(resolveJsonPointer(doc, '/')).toBe(1);
    expect(resolveJsonPointer(doc, '/a~1b/~0c/01')).toBeUndefined();
    expect(resolveJsonPointer(doc, '/a~1b/~0c/-')).toBeUndefined();
    expect(resolveJsonPointer(doc, '/missing/x')).toBeUndefined();
    expect(podTemplateOf(doc, '/a~1b')).toEqual({ '~c': [10, { d: 'x' }] });
    expect(podTemplateOf(doc, '/a~1b/~0c')).toBeUndefined();
  });

  it('finds a custom kind through an escaped config path', () => {
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns' },
      spec: {
        'pod/template': { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } },
      },
    };
    const trace = traceOf([{ ts: 5, appliedObjs: [widget], deletedObjs: [] }], {
      'example.com/v1.Widget': { podSpecTemplatePaths: ['/spec/pod~1template'] },
    });
    const [workload] = listWorkloads(trace);
    expect(workload).toMatchObject({ kind: 'Widget', key: 'ns/w', templatePath: '/spec/pod~1template' });
    expect(workload!.replicas).toEqual([{ ts: 5, replicas: null }]);
    expect(workload!.containers.map(texts)).toEqual([
      { name: 'c', kind: 'app', requests: { cpu: '1' }, limits: {} },
    ]);
  });
});

describe('listWorkloads semantics', () => {
  it('marks sidecars, defaults missing replicas to 1 and follows deletions', () => {
    const spec = withTemplate(
      [{ name: 'app', resources: { requests: { cpu: '0.5' } } }],
      [
        { name: 'setup', resources: {} },
        { name: 'proxy', restartPolicy: 'Always', resources: { limits: { memory: '1Gi' } } },
      ],
    );
    const web = deployment('web', 'shop', spec);
    const trace = traceOf([
      { ts: 1, appliedObjs: [web], deletedObjs: [] },
      {
        ts: 2,
        appliedObjs: [],
        deletedObjs: [
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
        ],
      },
      { ts: 3, appliedObjs: [{ ...web, spec: { ...spec, replicas: 3 } }], deletedObjs: [] },
    ]);
    const [workload] = listWorkloads(trace);
    expect(workload!.replicas).toEqual([
      { ts: 1, replicas: 1 },
      { ts: 3, replicas: 3 },
    ]);
    expect(workload!.deletedTs).toBeUndefined();
    expect(workload!.containers.map(texts)).toEqual([
      { name: 'app', kind: 'app', requests: { cpu: '500m' }, limits: {} },
      { name: 'setup', kind: 'init', requests: {}, limits: {} },
      { name: 'proxy', kind: 'sidecar', requests: {}, limits: { memory: '1Gi' } },
    ]);
    const deletedAtEnd = traceOf([...trace.events, { ts: 9, appliedObjs: [], deletedObjs: [web] }]);
    expect(listWorkloads(deletedAtEnd)[0]!.deletedTs).toBe(9);
  });

  it('uses the containers of the last applied version', () => {
    const v1 = deployment(
      'api',
      'a',
      withTemplate([{ name: 'old', resources: { requests: { cpu: '1' } } }], undefined, 2),
    );
    const v2 = deployment(
      'api',
      'a',
      withTemplate([{ name: 'new', resources: { requests: { cpu: '2' } } }], undefined, 4),
    );
    const [workload] = listWorkloads(
      traceOf([
        { ts: 1, appliedObjs: [v1], deletedObjs: [] },
        { ts: 2, appliedObjs: [v2], deletedObjs: [] },
      ]),
    );
    expect(workload!.containers.map((c) => c.name)).toEqual(['new']);
    expect(workload!.replicas.map((r) => r.replicas)).toEqual([2, 4]);
  });

  it('reads the legacy /v1.Pod config key', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: { template: { spec: { containers: [{ name: 'inner' }] } }, containers: [{ name: 'outer' }] },
    };
    const trace = traceOf([{ ts: 1, appliedObjs: [pod], deletedObjs: [] }], {
      '/v1.Pod': { podSpecTemplatePath: '/spec/template' },
    });
    expect(listWorkloads(trace)[0]!.containers.map((c) => c.name)).toEqual(['inner']);
  });

  it('names the workload, container and field of a malformed quantity', () => {
    const bad = deployment(
      'web',
      'shop',
      withTemplate([{ name: 'app', resources: { requests: { cpu: '12 cores' } } }]),
    );
    let caught: unknown;
    try {
      listWorkloads(traceOf([{ ts: 1, appliedObjs: [bad], deletedObjs: [] }]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkloadQueryError);
    expect((caught as WorkloadQueryError).code).toBe('INVALID_QUANTITY');
    expect((caught as WorkloadQueryError).message).toMatch(
      /Deployment shop\/web .*container "app".*resources\.requests\.cpu/,
    );
  });
});

describe('findWorkload', () => {
  const trace = shared('no_skel.9fda02f.sktrace');

  it('resolves namespace/name and unambiguous bare names', () => {
    const byName = findWorkload(trace, 'medium-service');
    const byKeyRef = findWorkload(trace, 'default/medium-service');
    const byKind = findWorkload(trace, 'deployment/default/medium-service');
    expect(byName.ok && byName.workload.key).toBe('default/medium-service');
    expect(byKeyRef).toEqual(byName);
    expect(byKind).toEqual(byName);
  });

  it('fails with WORKLOAD_NOT_FOUND listing the valid workloads', () => {
    const all = [
      'default/database',
      'default/medium-service',
      'default/small-service',
      'default/spread-service',
      'default/large-service',
    ];
    for (const wanted of [
      'nope',
      'other/medium-service',
      'medium-servce',
      '',
      'a/b/c/d',
      'StatefulSet/default/medium-service',
    ]) {
      const result = findWorkload(trace, wanted);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.failure.code).toBe('WORKLOAD_NOT_FOUND');
      expect(result.failure.choices).toEqual(all);
      expect(result.failure.message).toContain(JSON.stringify(wanted));
      expect(result.failure.message).toContain('default/small-service');
    }
    const typo = findWorkload(trace, 'medium-servce');
    expect(!typo.ok && typo.failure.message).toContain('did you mean "default/medium-service"');
  });

  it('fails with AMBIGUOUS_WORKLOAD listing the matching namespace/names', () => {
    const spec = withTemplate([{ name: 'app' }]);
    const ambiguous = traceOf([
      {
        ts: 1,
        appliedObjs: [
          deployment('web', 'blue', spec),
          deployment('web', 'green', spec),
          deployment('api', 'blue', spec),
        ],
        deletedObjs: [],
      },
    ]);
    const result = findWorkload(ambiguous, 'web');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.failure.code).toBe('AMBIGUOUS_WORKLOAD');
      expect(result.failure.choices).toEqual(['blue/web', 'green/web']);
      expect(result.failure.message).toContain('blue/web, green/web');
    }
    const exact = findWorkload(ambiguous, 'green/web');
    expect(exact.ok && exact.workload.namespace).toBe('green');
  });

  it('tells kinds apart when they share a namespace/name', () => {
    const spec = withTemplate([{ name: 'app' }]);
    const twins = traceOf([
      {
        ts: 1,
        appliedObjs: [deployment('db', 'x', spec), deployment('db', 'x', spec, 'StatefulSet')],
        deletedObjs: [],
      },
    ]);
    const result = findWorkload(twins, 'x/db');
    expect(!result.ok && result.failure.choices).toEqual(['Deployment/x/db', 'StatefulSet/x/db']);
    const exact = findWorkload(twins, 'StatefulSet/x/db');
    expect(exact.ok && exact.workload.kind).toBe('StatefulSet');
  });
});
