/**
 * Trace operations on SimKube's own traces: each operation changes exactly its field in every event that applies the
 * workload (everything else keeps its bytes), results re-encode, failures carry their code and choices, inputs are
 * never mutated; and properties over generated traces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTrace, encodeTrace } from '../../envs/simkube/trace/codec.js';
import { encodeMsgpackValue } from '../../envs/simkube/trace/msgpack-write.js';
import {
  applyTraceOp,
  applyTraceOps,
  CPU_STEP,
  MEMORY_STEP,
  REPLICA_STEP,
  type TraceOp,
  type TraceOpFailureCode,
  TraceOpSchema,
} from '../../envs/simkube/trace/ops.js';
import { Quantity } from '../../envs/simkube/trace/quantity.js';
import type { JsonObject, JsonValue, KubeObject, Trace } from '../../envs/simkube/trace/schema.js';
import { isObjectOf, listWorkloads, type Workload } from '../../envs/simkube/trace/workloads.js';
import { generatedTraceArb, resourceOpArb, traceWithOpArb } from './arbitraries/traces.js';
import { readSharedTrace } from './fixtures.js';

const noSkel = decodeTrace(readSharedTrace('no_skel.9fda02f.sktrace'));
const kindTrace = decodeTrace(readSharedTrace('test.7aa8719.sktrace'));
const cronTrace = decodeTrace(readSharedTrace('cronjob.sktrace'));
const barePods = decodeTrace(readSharedTrace('bare-pods.sktrace'));

type Path = (string | number)[];

function get(value: JsonValue | undefined, path: Path): JsonValue | undefined {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, JsonValue>)[segment];
  }
  return current;
}

/** A deep copy of `obj` without the fields at `paths` (to compare everything else). */
function without(obj: KubeObject, paths: readonly Path[]): KubeObject {
  const copy = structuredClone(obj);
  for (const path of paths) {
    const parent = get(copy, path.slice(0, -1));
    if (parent !== null && typeof parent === 'object')
      delete (parent as Record<string | number, JsonValue>)[path.at(-1)!];
  }
  return copy;
}

const bytes = (value: unknown) => Buffer.from(encodeMsgpackValue(value)).toString('hex');

function expectOk(trace: Trace, op: TraceOp) {
  const result = applyTraceOp(trace, op);
  if (!result.ok) throw new Error(`${JSON.stringify(op)} failed: ${result.failure.message}`);
  return result;
}

function expectFailure(trace: Trace, op: unknown, code: TraceOpFailureCode, choices?: string[]) {
  const result = applyTraceOp(trace, op as TraceOp);
  expect(result.ok, JSON.stringify(op)).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.failure.code, result.failure.message).toBe(code);
  if (choices !== undefined) expect(result.failure.choices).toEqual(choices);
  return result.failure;
}

/**
 * Checks that `after` differs from `before` only at `path` inside the objects of `workload`, where each old value
 * becomes `expected(old)`, in every event that applies it; every other event and object keeps its exact bytes.
 */
function expectOnlyField(
  before: Trace,
  after: Trace,
  workload: Workload,
  path: Path,
  expected: (old: JsonValue | undefined) => JsonValue,
): number {
  expect(after.events).toHaveLength(before.events.length);
  expect(bytes(after.config)).toBe(bytes(before.config));
  expect(after.index).toEqual(before.index);
  expect(after.podLifecycles).toEqual(before.podLifecycles);
  let applying = 0;
  before.events.forEach((event, i) => {
    const changed = after.events[i]!;
    expect(changed.ts).toBe(event.ts);
    expect(bytes(changed.deletedObjs)).toBe(bytes(event.deletedObjs));
    const touches = event.appliedObjs.some((obj) => isObjectOf(obj, workload));
    if (!touches) {
      expect(changed).toBe(event);
      return;
    }
    applying++;
    expect(changed.appliedObjs).toHaveLength(event.appliedObjs.length);
    event.appliedObjs.forEach((obj, j) => {
      const edited = changed.appliedObjs[j]!;
      if (!isObjectOf(obj, workload)) {
        expect(bytes(edited)).toBe(bytes(obj));
        return;
      }
      expect(get(edited, path)).toEqual(expected(get(obj, path)));
      expect(bytes(without(edited, [path]))).toBe(bytes(without(obj, [path])));
    });
  });
  expect(decodeTrace(encodeTrace(after))).toEqual(after);
  return applying;
}

const quantityOp = (step: Quantity, sign: 1 | -1) => (old: JsonValue | undefined) => {
  const q = Quantity.parse(String(old));
  return (sign === 1 ? q.add(step) : q.sub(step)).toString();
};

const CPU_PATH: Path = ['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests', 'cpu'];
const MEMORY_PATH: Path = ['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests', 'memory'];
const REPLICAS_PATH: Path = ['spec', 'replicas'];

describe('applyTraceOp on no_skel: exactly the targeted field, in every applying event', () => {
  const workloads = listWorkloads(noSkel);
  const cases: {
    type: TraceOp['type'];
    path: Path;
    expected: (old: JsonValue | undefined) => JsonValue;
    extra?: Partial<TraceOp>;
    applies: (w: Workload) => boolean;
  }[] = [
    { type: 'bump_cpu_small', path: CPU_PATH, expected: quantityOp(CPU_STEP, 1), applies: () => true },
    { type: 'bump_mem_small', path: MEMORY_PATH, expected: quantityOp(MEMORY_STEP, 1), applies: () => true },
    {
      type: 'reduce_cpu_small',
      path: CPU_PATH,
      expected: quantityOp(CPU_STEP, -1),
      applies: (w) => w.containers[0]!.requests.cpu!.cmp(CPU_STEP) >= 0,
    },
    {
      type: 'reduce_mem_small',
      path: MEMORY_PATH,
      expected: quantityOp(MEMORY_STEP, -1),
      applies: (w) => w.containers[0]!.requests.memory!.cmp(MEMORY_STEP) >= 0,
    },
    {
      type: 'scale_up_replicas',
      path: REPLICAS_PATH,
      expected: (old) => (old as number) + REPLICA_STEP,
      applies: () => true,
    },
    {
      type: 'scale_down_replicas',
      path: REPLICAS_PATH,
      expected: (old) => (old as number) - REPLICA_STEP,
      applies: () => true,
    },
    {
      type: 'set_replicas',
      path: REPLICAS_PATH,
      expected: () => 7,
      extra: { replicas: 7 },
      applies: () => true,
    },
    {
      type: 'set_requests',
      path: CPU_PATH,
      expected: () => '1250m',
      extra: { cpu: '1.25' },
      applies: () => true,
    },
    {
      type: 'set_requests',
      path: MEMORY_PATH,
      expected: () => '1536Mi',
      extra: { memory: '1.5Gi' },
      applies: () => true,
    },
  ];

  for (const { type, path, expected, extra, applies } of cases) {
    it(`${type}${extra ? ` ${JSON.stringify(extra)}` : ''}`, () => {
      for (const workload of workloads) {
        const op = { type, workload: workload.key, ...extra } as TraceOp;
        if (!applies(workload)) {
          expectFailure(noSkel, op, 'INVALID_VALUE', []);
          continue;
        }
        const { trace, changes } = expectOk(noSkel, op);
        const applying = expectOnlyField(noSkel, trace, workload, path, expected);
        expect(applying).toBe(workload.replicas.length);
        expect(changes.reduce((sum, change) => sum + change.events, 0)).toBe(applying);
        for (const change of changes) {
          expect(change.workload).toBe(workload.key);
          expect(change.field).toBe(
            path[0] === 'spec' && path.length === 2 ? 'replicas' : `requests.${path.at(-1)}`,
          );
        }
      }
    });
  }

  it('records one change per distinct old value', () => {
    const { changes } = expectOk(noSkel, { type: 'scale_up_replicas', workload: 'medium-service' });
    expect(changes).toEqual([
      { workload: 'default/medium-service', field: 'replicas', from: 12, to: 13, events: 1 },
      { workload: 'default/medium-service', field: 'replicas', from: 2, to: 3, events: 1 },
    ]);
    const cpu = expectOk(noSkel, {
      type: 'bump_cpu_small',
      workload: 'default/medium-service',
      container: 'nginx',
    });
    expect(cpu.changes).toEqual([
      {
        workload: 'default/medium-service',
        container: 'nginx',
        field: 'requests.cpu',
        from: '500m',
        to: '1',
        events: 2,
      },
    ]);
  });

  it('writes canonical quantities and allows reducing to exactly zero', () => {
    const large = expectOk(noSkel, { type: 'bump_cpu_small', workload: 'large-service' });
    expect(large.changes[0]).toMatchObject({ from: '3', to: '3500m' });
    const medium = expectOk(noSkel, { type: 'reduce_mem_small', workload: 'medium-service' });
    expect(medium.changes[0]).toMatchObject({ from: '256Mi', to: '0' });
  });

  it('keeps the index and its hashes', () => {
    const { trace } = expectOk(noSkel, {
      type: 'set_requests',
      workload: 'database',
      cpu: '2',
      memory: '4Gi',
    });
    expect(trace.index).toEqual(noSkel.index);
    expect(trace.index['apps/v1.StatefulSet']?.['default/database']).toBe(6924331644562156021n);
  });
});

describe('applyTraceOp on other real traces', () => {
  it('targets the first app container by default, and init containers by name', () => {
    const operator = expectOk(kindTrace, { type: 'bump_cpu_small', workload: 'prometheus-operator' });
    expect(operator.changes.map((c) => c.container)).toEqual(['prometheus-operator', 'prometheus-operator']);
    const init = expectOk(kindTrace, {
      type: 'set_requests',
      workload: 'monitoring/prometheus-k8s',
      container: 'init-config-reloader',
      cpu: '5m',
    });
    expect(init.changes).toEqual([
      {
        workload: 'monitoring/prometheus-k8s',
        container: 'init-config-reloader',
        field: 'requests.cpu',
        from: '10m',
        to: '5m',
        events: 1,
      },
    ]);
    const workload = listWorkloads(init.trace).find((w) => w.name === 'prometheus-k8s')!;
    expect(workload.containers.find((c) => c.name === 'init-config-reloader')!.requests.cpu!.toString()).toBe(
      '5m',
    );
  });

  it('raises a limit below the new request, and records it', () => {
    const coredns = expectOk(kindTrace, { type: 'bump_mem_small', workload: 'coredns' });
    expect(coredns.changes).toEqual([
      {
        workload: 'kube-system/coredns',
        container: 'coredns',
        field: 'requests.memory',
        from: '70Mi',
        to: '326Mi',
        events: 1,
      },
      {
        workload: 'kube-system/coredns',
        container: 'coredns',
        field: 'limits.memory',
        from: '170Mi',
        to: '326Mi',
        events: 1,
      },
    ]);
    const grafana = expectOk(kindTrace, {
      type: 'set_requests',
      workload: 'grafana',
      cpu: '150m',
      memory: '1Gi',
    });
    expect(grafana.changes.map((c) => `${c.field} ${c.from}→${c.to}`)).toEqual([
      'requests.cpu 100m→150m',
      'requests.memory 100Mi→1Gi',
      'limits.memory 200Mi→1Gi',
    ]);
    const container = listWorkloads(grafana.trace).find((w) => w.name === 'grafana')!.containers[0]!;
    expect(container.limits.cpu!.toString()).toBe('200m');
  });

  it('counts a limit without a request as the request', () => {
    const trace = structuredClone(noSkel);
    const obj = trace.events[1]!.appliedObjs.find((o) => o.metadata.name === 'small-service')!;
    (get(obj, ['spec', 'template', 'spec', 'containers', 0]) as JsonObject).resources = {
      limits: { cpu: '2' },
    };
    const bumped = expectOk(trace, { type: 'bump_cpu_small', workload: 'small-service' });
    expect(bumped.changes.map((c) => `${c.field} ${c.from}→${c.to}`)).toEqual([
      'requests.cpu null→2500m',
      'limits.cpu 2→2500m',
    ]);
    const reduced = expectOk(trace, { type: 'reduce_cpu_small', workload: 'small-service' });
    expect(reduced.changes.map((c) => `${c.field} ${c.from}→${c.to}`)).toEqual(['requests.cpu null→1500m']);
  });

  it('creates a missing request from zero when bumping (CronJob with resources: {})', () => {
    const { trace, changes } = expectOk(cronTrace, { type: 'bump_mem_small', workload: 'hello-simkube' });
    expect(changes).toEqual([
      {
        workload: 'default/hello-simkube',
        container: 'sleeper',
        field: 'requests.memory',
        from: null,
        to: '256Mi',
        events: 1,
      },
    ]);
    const path = ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'resources'];
    expect(get(trace.events[1]!.appliedObjs[0], path)).toEqual({ requests: { memory: '256Mi' } });
    // the deleted copy in the last event is not an applied version and stays as recorded
    expect(trace.events[2]).toBe(cronTrace.events[2]);
    expect(decodeTrace(encodeTrace(trace))).toEqual(trace);
  });

  it('edits bare Pods at the whole-object template path', () => {
    const name = listWorkloads(barePods)[0]!.key;
    const { trace } = expectOk(barePods, { type: 'set_requests', workload: name, cpu: '100m' });
    const pod = trace.events[0]!.appliedObjs[0]!;
    expect(get(pod, ['spec', 'containers', 0, 'resources'])).toEqual({ requests: { cpu: '100m' } });
  });
});

describe('applyTraceOp failures', () => {
  const keys = listWorkloads(noSkel).map((w) => w.key);

  it('WORKLOAD_NOT_FOUND lists the workloads', () => {
    const failure = expectFailure(
      noSkel,
      { type: 'bump_cpu_small', workload: 'nginx' },
      'WORKLOAD_NOT_FOUND',
      keys,
    );
    expect(failure.message).toContain('"nginx"');
  });

  it('AMBIGUOUS_WORKLOAD lists the matching namespace/names', () => {
    const trace = structuredClone(noSkel);
    const copy = structuredClone(
      trace.events[1]!.appliedObjs.find((o) => o.metadata.name === 'small-service')!,
    );
    copy.metadata.namespace = 'staging';
    trace.events[1]!.appliedObjs.push(copy);
    const failure = expectFailure(
      trace,
      { type: 'scale_up_replicas', workload: 'small-service' },
      'AMBIGUOUS_WORKLOAD',
      ['default/small-service', 'staging/small-service'],
    );
    expect(failure.message).toContain('default/small-service, staging/small-service');
    expectOk(trace, { type: 'scale_up_replicas', workload: 'staging/small-service' });
  });

  it('NO_SUCH_CONTAINER lists the containers', () => {
    const failure = expectFailure(
      kindTrace,
      { type: 'bump_cpu_small', workload: 'prometheus-k8s', container: 'prom' },
      'NO_SUCH_CONTAINER',
      ['prometheus', 'config-reloader', 'init-config-reloader'],
    );
    expect(failure.message).toMatch(/StatefulSet monitoring\/prometheus-k8s .*"prom"/);
  });

  it('FIELD_MISSING when reducing a request that is not set', () => {
    const failure = expectFailure(
      cronTrace,
      { type: 'reduce_cpu_small', workload: 'hello-simkube' },
      'FIELD_MISSING',
      [],
    );
    expect(failure.message).toMatch(
      /resources\.requests\.cpu of container "sleeper" of CronJob default\/hello-simkube/,
    );
  });

  it('NOT_SCALABLE for kinds without replicas, listing the scalable workloads', () => {
    expectFailure(cronTrace, { type: 'scale_up_replicas', workload: 'hello-simkube' }, 'NOT_SCALABLE', []);
    const trace = structuredClone(noSkel);
    trace.events[1]!.appliedObjs.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'agent' }] } } },
    });
    const failure = expectFailure(
      trace,
      { type: 'set_replicas', workload: 'agent', replicas: 2 },
      'NOT_SCALABLE',
      keys,
    );
    expect(failure.message).toContain('DaemonSet default/agent');
  });

  it('INVALID_VALUE below zero, and for malformed operations', () => {
    const belowZero = expectFailure(
      noSkel,
      { type: 'reduce_cpu_small', workload: 'small-service' },
      'INVALID_VALUE',
      [],
    );
    expect(belowZero.message).toContain('250m');
    const zero = expectOk(noSkel, { type: 'set_replicas', workload: 'database', replicas: 0 }).trace;
    expectFailure(zero, { type: 'scale_down_replicas', workload: 'database' }, 'INVALID_VALUE', []);
    expectFailure(noSkel, { type: 'set_replicas', workload: 'database', replicas: -1 }, 'INVALID_VALUE');
    expectFailure(noSkel, { type: 'set_replicas', workload: 'database', replicas: 1.5 }, 'INVALID_VALUE');
    expectFailure(noSkel, { type: 'set_requests', workload: 'database', cpu: '-1' }, 'INVALID_VALUE');
    expectFailure(noSkel, { type: 'set_requests', workload: 'database', memory: '2 GB' }, 'INVALID_VALUE');
    expectFailure(noSkel, { type: 'set_requests', workload: 'database' }, 'INVALID_VALUE', []);
    expectFailure(noSkel, { type: 'bump_cpu_small', workload: 'database', contianer: 'db' }, 'INVALID_VALUE');
    const unknown = expectFailure(noSkel, { type: 'double_cpu', workload: 'database' }, 'INVALID_VALUE');
    expect(unknown.choices).toContain('bump_cpu_small');
    expectFailure(noSkel, null, 'INVALID_VALUE');
  });

  it('INVALID_VALUE for a malformed quantity in the trace, without throwing', () => {
    const trace = structuredClone(noSkel);
    const obj = trace.events[1]!.appliedObjs.find((o) => o.metadata.name === 'database')!;
    (get(obj, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests']) as JsonObject).cpu =
      'lots';
    const failure = expectFailure(trace, { type: 'bump_cpu_small', workload: 'database' }, 'INVALID_VALUE');
    expect(failure.message).toContain('resources.requests.cpu of container "db"');
  });
});

describe('purity', () => {
  it('never mutates its input, whether it succeeds or fails', () => {
    for (const source of [noSkel, kindTrace, cronTrace, barePods]) {
      const snapshot = structuredClone(source);
      const encoded = encodeTrace(source);
      for (const workload of listWorkloads(source)) {
        for (const op of [
          { type: 'bump_cpu_small', workload: workload.key },
          { type: 'bump_mem_small', workload: workload.key },
          { type: 'reduce_cpu_small', workload: workload.key },
          { type: 'reduce_mem_small', workload: workload.key },
          { type: 'scale_up_replicas', workload: workload.key },
          { type: 'scale_down_replicas', workload: workload.key },
          { type: 'set_requests', workload: workload.key, cpu: '0', memory: '64Gi' },
          { type: 'set_replicas', workload: workload.key, replicas: 0 },
          { type: 'bump_cpu_small', workload: workload.key, container: 'missing' },
        ] as TraceOp[]) {
          applyTraceOp(source, op);
        }
      }
      expect(source).toEqual(snapshot);
      expect(encodeTrace(source)).toEqual(encoded);
    }
  });

  it('applyTraceOps chains operations and stops at the first failure', () => {
    const ops: TraceOp[] = [
      { type: 'scale_up_replicas', workload: 'database' },
      { type: 'scale_up_replicas', workload: 'database' },
      { type: 'bump_cpu_small', workload: 'database' },
    ];
    const result = applyTraceOps(noSkel, ops);
    expect(result.ok && result.changes.map((c) => `${c.field} ${c.from}→${c.to}`)).toEqual([
      'replicas 2→3',
      'replicas 3→4',
      'requests.cpu 300m→800m',
    ]);
    const failed = applyTraceOps(noSkel, [...ops, { type: 'bump_cpu_small', workload: 'nope' }]);
    expect(!failed.ok && failed.failure.code).toBe('WORKLOAD_NOT_FOUND');
  });

  it('validates operations with TraceOpSchema', () => {
    expect(TraceOpSchema.safeParse({ type: 'set_requests', workload: 'a', cpu: '500m' }).success).toBe(true);
    expect(TraceOpSchema.safeParse({ type: 'set_requests', workload: 'a' }).success).toBe(false);
    expect(
      TraceOpSchema.safeParse({ type: 'set_replicas', workload: 'a', replicas: 3, container: 'c' }).success,
    ).toBe(true);
    expect(TraceOpSchema.safeParse({ type: 'bump_cpu_small', workload: '' }).success).toBe(false);
  });
});

/** Each container's effective CPU and memory request (request, else limit, else 0) by exact value. */
function effectiveRequests(trace: Trace): string[] {
  return listWorkloads(trace).flatMap((w) =>
    w.containers.map((c) => {
      const pick = (r: string) => (c.requests[r] ?? c.limits[r] ?? Quantity.zero()).nanoValue().toString();
      return `${w.key}/${c.name} cpu=${pick('cpu')} memory=${pick('memory')}`;
    }),
  );
}

describe('properties', () => {
  it('bump then reduce is the identity on the requests', () => {
    const sources = fc.oneof(
      fc.constant(noSkel),
      fc.constant(kindTrace),
      generatedTraceArb.map((g) => g.trace),
    );
    fc.assert(
      fc.property(
        sources.chain((trace) =>
          resourceOpArb(trace)
            .filter((op) => op.type !== 'set_requests')
            .map((op) => ({ trace, op })),
        ),
        fc.constantFrom('cpu', 'memory'),
        ({ trace, op }, resource) => {
          const up = { ...op, type: resource === 'cpu' ? 'bump_cpu_small' : 'bump_mem_small' } as TraceOp;
          const down = {
            ...op,
            type: resource === 'cpu' ? 'reduce_cpu_small' : 'reduce_mem_small',
          } as TraceOp;
          const result = applyTraceOps(trace, [up, down]);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          // every container asks for what it asked for (a bump may have created a missing request: it is back
          // at its old effective value, the limit or 0)
          expect(effectiveRequests(result.trace)).toEqual(effectiveRequests(trace));
          const after = listWorkloads(result.trace);
          for (const w of listWorkloads(trace)) {
            const back = after.find((x) => x.key === w.key)!;
            for (const c of w.containers) {
              const requests = back.containers.find((x) => x.name === c.name)!.requests;
              for (const [name, q] of Object.entries(c.requests))
                expect(requests[name]!.equals(q)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('set_requests is idempotent', () => {
    fc.assert(
      fc.property(
        generatedTraceArb.chain(({ trace }) =>
          resourceOpArb(trace)
            .filter((op) => op.type === 'set_requests')
            .map((op) => ({ trace, op })),
        ),
        ({ trace, op }) => {
          const once = applyTraceOp(trace, op);
          expect(once.ok).toBe(true);
          if (!once.ok) return;
          const twice = applyTraceOp(once.trace, op);
          expect(twice.ok && twice.changes).toEqual([]);
          expect(twice.ok && twice.trace).toEqual(once.trace);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('any operation leaves the input intact, and a result re-encodes to an equal trace', () => {
    fc.assert(
      fc.property(traceWithOpArb, ({ generated, op }) => {
        const snapshot = structuredClone(generated.trace);
        const result = applyTraceOp(generated.trace, op);
        expect(generated.trace).toEqual(snapshot);
        if (result.ok) expect(decodeTrace(encodeTrace(result.trace))).toEqual(result.trace);
        else expect(['INVALID_VALUE', 'FIELD_MISSING']).toContain(result.failure.code);
      }),
      { numRuns: 100 },
    );
  });
});
