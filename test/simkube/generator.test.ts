/**
 * The trace generator: every generated trace is a valid format-2 trace that round-trips, really has its labelled
 * defect on its cluster (pod requests as kube-scheduler computes them against node allocatable), and its fix makes
 * it healthy within the safeguard caps — healthy enough that greedy schedulers (first fit, least allocated) place
 * every pod in event order. Also: determinism, the canonical traces, sidecar meta files and trace sets.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectivePodRequests } from '../../envs/simkube/cluster/pod-requests.js';
import { canonicalTraces, writeBundledTraces } from '../../envs/simkube/trace/canonical.js';
import { decodeTrace, encodeTrace, readTraceFile } from '../../envs/simkube/trace/codec.js';
import {
  FIX_CAPS,
  type GeneratedTrace,
  generateTrace,
  generateTraceSet,
  traceSetSeeds,
  writeGeneratedTrace,
} from '../../envs/simkube/trace/generator.js';
import { applyTraceOps } from '../../envs/simkube/trace/ops.js';
import { Quantity } from '../../envs/simkube/trace/quantity.js';
import {
  isPlainObject,
  type JsonObject,
  type Trace,
  validateTrace,
} from '../../envs/simkube/trace/schema.js';
import {
  type ClusterShape,
  encodeTraceMeta,
  readTraceMeta,
  TRACE_LABELS,
  type TraceMeta,
  TraceMetaError,
} from '../../envs/simkube/trace/trace-meta.js';
import {
  isObjectOf,
  listWorkloads,
  podTemplateOf,
  type Workload,
} from '../../envs/simkube/trace/workloads.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { generatedTraceArb, generatedTraceWithLabelArb, traceSeedArb } from './arbitraries/traces.js';

/** Bytes as hex, to compare encodings whatever Uint8Array subclass carries them. */
const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

// ---------------------------------------------------------------------------------------------------------------
// What a trace asks of its cluster, computed independently of the generator's own planning

interface Node {
  cpu: bigint;
  memory: bigint;
  pods: bigint;
}

function nodeOf(cluster: ClusterShape): Node {
  return {
    cpu: Quantity.parse(cluster.cpu).milliValue(),
    memory: Quantity.parse(cluster.memory).value(),
    pods: BigInt(cluster.pods),
  };
}

interface Demand {
  workload: Workload;
  cpu: bigint;
  memory: bigint;
  /** Pods at the workload's peak. */
  pods: bigint;
}

function lastObject(trace: Trace, workload: Workload): JsonObject {
  const versions = trace.events.flatMap((e) => e.appliedObjs.filter((o) => isObjectOf(o, workload)));
  return versions.at(-1)!;
}

function podSpecOf(obj: JsonObject, workload: Workload): JsonObject {
  const template = podTemplateOf(obj, workload.templatePath)!;
  return template.spec as JsonObject;
}

function field(obj: JsonObject, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const key of path) current = isPlainObject(current) ? current[key] : undefined;
  return current;
}

function podsAt(obj: JsonObject, workload: Workload, nodes: number): bigint {
  switch (workload.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return BigInt((field(obj, 'spec', 'replicas') as number | undefined) ?? 1);
    case 'DaemonSet':
      return BigInt(nodes);
    case 'Job':
      return BigInt((field(obj, 'spec', 'parallelism') as number | undefined) ?? 1);
    case 'CronJob':
      return BigInt((field(obj, 'spec', 'jobTemplate', 'spec', 'parallelism') as number | undefined) ?? 1);
    default:
      return 1n;
  }
}

function demands(trace: Trace, cluster: ClusterShape): Demand[] {
  return listWorkloads(trace).map((workload) => {
    const versions = trace.events.flatMap((e) => e.appliedObjs.filter((o) => isObjectOf(o, workload)));
    const requests = effectivePodRequests(podSpecOf(lastObject(trace, workload), workload));
    let pods = 0n;
    for (const obj of versions) {
      const n = podsAt(obj, workload, cluster.nodes);
      if (n > pods) pods = n;
    }
    return { workload, cpu: requests.cpuMillis, memory: requests.memoryBytes, pods };
  });
}

function fitsNode(d: Demand, node: Node): boolean {
  return d.cpu <= node.cpu && d.memory <= node.memory;
}

/** Every pod fits a node, and all pods of all workloads at their peaks fit the cluster's total allocatable. */
function expectHealthy(trace: Trace, cluster: ClusterShape): void {
  const node = nodeOf(cluster);
  const all = demands(trace, cluster);
  for (const d of all) expect(fitsNode(d, node), `${d.workload.key} fits a node`).toBe(true);
  const n = BigInt(cluster.nodes);
  expect(all.reduce((s, d) => s + d.pods * d.cpu, 0n)).toBeLessThanOrEqual(n * node.cpu);
  expect(all.reduce((s, d) => s + d.pods * d.memory, 0n)).toBeLessThanOrEqual(n * node.memory);
  expect(all.reduce((s, d) => s + d.pods, 0n)).toBeLessThanOrEqual(n * node.pods);
}

/** Every container request and every replica count within the default safeguard caps. */
function expectWithinCaps(trace: Trace): void {
  for (const workload of listWorkloads(trace)) {
    for (const c of workload.containers) {
      if (c.requests.cpu)
        expect(c.requests.cpu.cmp(FIX_CAPS.cpu), `${workload.key}/${c.name}`).toBeLessThanOrEqual(0);
      if (c.requests.memory) expect(c.requests.memory.cmp(FIX_CAPS.memory)).toBeLessThanOrEqual(0);
    }
    for (const { replicas } of workload.replicas)
      expect(replicas ?? 0).toBeLessThanOrEqual(FIX_CAPS.replicas);
  }
}

type Strategy = 'first-fit' | 'least-allocated';

/**
 * Replays the trace on the cluster with a greedy scheduler: pods are created in event order (scale-ups add pods,
 * scale-downs and deletions remove them, DaemonSets get one pod per node) and each goes to the first node with room
 * (first fit) or the emptiest one with room (least allocated). Returns how many pods never found a node.
 */
function replayPending(trace: Trace, cluster: ClusterShape, strategy: Strategy): number {
  const node = nodeOf(cluster);
  const used = Array.from({ length: cluster.nodes }, () => ({ cpu: 0n, memory: 0n, pods: 0n }));
  const placed = new Map<string, { node: number; cpu: bigint; memory: bigint }[]>();
  const workloads = listWorkloads(trace);
  let pending = 0;
  const room = (i: number, cpu: bigint, memory: bigint) =>
    used[i]!.cpu + cpu <= node.cpu &&
    used[i]!.memory + memory <= node.memory &&
    used[i]!.pods + 1n <= node.pods;
  const place = (key: string, cpu: bigint, memory: bigint, pinned?: number) => {
    let candidates = used.map((_, i) => i).filter((i) => room(i, cpu, memory));
    if (pinned !== undefined) candidates = candidates.filter((i) => i === pinned);
    if (candidates.length === 0) {
      pending++;
      return;
    }
    const score = (i: number) =>
      Number(used[i]!.cpu) / Number(node.cpu) + Number(used[i]!.memory) / Number(node.memory);
    const chosen =
      strategy === 'first-fit'
        ? candidates[0]!
        : candidates.reduce((best, i) => (score(i) < score(best) ? i : best));
    used[chosen]!.cpu += cpu;
    used[chosen]!.memory += memory;
    used[chosen]!.pods += 1n;
    placed.get(key)!.push({ node: chosen, cpu, memory });
  };
  const remove = (key: string, count: number) => {
    const pods = placed.get(key) ?? [];
    for (const pod of pods.splice(pods.length - count, count)) {
      used[pod.node]!.cpu -= pod.cpu;
      used[pod.node]!.memory -= pod.memory;
      used[pod.node]!.pods -= 1n;
    }
  };
  for (const event of trace.events) {
    for (const obj of event.appliedObjs) {
      const workload = workloads.find((w) => isObjectOf(obj, w))!;
      const requests = effectivePodRequests(podSpecOf(obj, workload));
      const key = workload.key;
      if (!placed.has(key)) placed.set(key, []);
      const want = Number(podsAt(obj, workload, cluster.nodes));
      const have = placed.get(key)!.length;
      if (want < have) remove(key, have - want);
      for (let i = have; i < want; i++) {
        place(key, requests.cpuMillis, requests.memoryBytes, workload.kind === 'DaemonSet' ? i : undefined);
      }
    }
    for (const obj of event.deletedObjs) {
      const workload = workloads.find((w) => isObjectOf(obj, w));
      if (workload) remove(workload.key, placed.get(workload.key)?.length ?? 0);
    }
  }
  return pending;
}

/** Checks the labelled defect against the cluster, independently of how the generator planned it. */
function expectDefect(trace: Trace, meta: TraceMeta): void {
  const node = nodeOf(meta.cluster);
  const all = demands(trace, meta.cluster);
  const demandOf = (key: string) => all.find((d) => d.workload.key === key)!;
  const defects = meta.defect;
  switch (meta.label) {
    case 'healthy':
      expect(defects).toEqual([]);
      expect(meta.fix).toEqual([]);
      expectHealthy(trace, meta.cluster);
      return;
    case 'very-bad-cpu':
    case 'slightly-bad-cpu': {
      expect(defects).toHaveLength(1);
      const [defect] = defects;
      expect(defect!.resource).toBe('cpu');
      const d = demandOf(defect!.workload);
      expect(d.cpu).toBeGreaterThan(node.cpu);
      if (meta.label === 'very-bad-cpu') {
        expect(d.cpu).toBeGreaterThan(node.cpu + 500n);
        const container = d.workload.containers.find((c) => c.name === defect!.container)!;
        expect(container.requests.cpu!.milliValue()).toBeGreaterThan(node.cpu);
      } else {
        expect(d.cpu).toBeLessThanOrEqual(node.cpu + 500n);
        expect(meta.fix).toEqual([
          { type: 'reduce_cpu_small', workload: defect!.workload, container: defect!.container },
        ]);
      }
      expect(defect!.requested).toBe(Quantity.fromMillis(d.cpu).toString());
      expect(defect!.allocatable).toBe(meta.cluster.cpu);
      break;
    }
    case 'very-bad-memory': {
      expect(defects).toHaveLength(1);
      const d = demandOf(defects[0]!.workload);
      expect(d.memory).toBeGreaterThan(node.memory);
      const container = d.workload.containers.find((c) => c.name === defects[0]!.container)!;
      expect(container.requests.memory!.value()).toBeGreaterThan(node.memory);
      expect(defects[0]!.requested).toBe(Quantity.fromBytes(d.memory).toString());
      break;
    }
    case 'mixed': {
      expect(defects.map((d) => d.resource)).toEqual(['cpu', 'memory']);
      expect(demandOf(defects[0]!.workload).cpu).toBeGreaterThan(node.cpu);
      expect(demandOf(defects[1]!.workload).memory).toBeGreaterThan(node.memory);
      break;
    }
    case 'too-many-replicas': {
      expect(defects).toHaveLength(1);
      const [defect] = defects;
      expect(defect!.resource).toBe('replicas');
      for (const d of all) expect(fitsNode(d, node), `${d.workload.key} fits a node`).toBe(true);
      const d = demandOf(defect!.workload);
      const replicas = d.workload.replicas.at(-1)!.replicas!;
      expect(String(replicas)).toBe(defect!.requested);
      const n = BigInt(meta.cluster.nodes);
      const over = BigInt(replicas) * d.cpu > n * node.cpu || BigInt(replicas) * d.memory > n * node.memory;
      expect(over).toBe(true);
      expect(BigInt(defect!.allocatable)).toBeLessThan(BigInt(replicas));
      expect(
        all.reduce((s, x) => s + x.pods * x.cpu, 0n) > n * node.cpu ||
          all.reduce((s, x) => s + x.pods * x.memory, 0n) > n * node.memory,
      ).toBe(true);
      break;
    }
  }
  // only the defective workloads are at fault: every other pod fits a node
  const faulty = new Set(defects.map((d) => d.workload));
  for (const d of all) if (!faulty.has(d.workload.key)) expect(fitsNode(d, node)).toBe(true);
  expect(replayPending(trace, meta.cluster, 'least-allocated')).toBeGreaterThan(0);
}

/** The fix applies, and leaves a healthy trace within the caps that greedy schedulers place completely. */
function expectFixHeals(trace: Trace, meta: TraceMeta): Trace {
  const fixed = applyTraceOps(trace, meta.fix);
  if (!fixed.ok) throw new Error(`fix failed: ${fixed.failure.message}`);
  expectHealthy(fixed.trace, meta.cluster);
  expectWithinCaps(fixed.trace);
  expect(replayPending(fixed.trace, meta.cluster, 'first-fit')).toBe(0);
  expect(replayPending(fixed.trace, meta.cluster, 'least-allocated')).toBe(0);
  return fixed.trace;
}

function expectValidFormat2(generated: GeneratedTrace): void {
  const { trace, meta } = generated;
  validateTrace(trace);
  const bytes = encodeTrace(trace);
  const back = decodeTrace(bytes);
  expect(back).toEqual(trace);
  expect(hex(encodeTrace(back))).toBe(hex(bytes));
  // SimKube-compatible: the tracer config holds exactly the kinds used, with the default paths and known keys only
  const kinds = new Set(listWorkloads(trace).map((w) => w.gvk));
  expect(new Set(Object.keys(trace.config.trackedObjects))).toEqual(kinds);
  for (const config of Object.values(trace.config.trackedObjects)) {
    for (const key of Object.keys(config))
      expect(['podSpecTemplatePaths', 'trackLifecycle', 'skipOwned']).toContain(key);
  }
  // every object is indexed
  for (const workload of listWorkloads(trace))
    expect(trace.index[workload.gvk]?.[workload.key]).toBeTypeOf('bigint');
  const workloads = listWorkloads(trace).length;
  expect(workloads).toBeGreaterThanOrEqual(1);
  expect(workloads).toBeLessThanOrEqual(8);
  expect(meta.cluster.nodes).toBeGreaterThanOrEqual(2);
  expect(meta.cluster.nodes).toBeLessThanOrEqual(10);
  expect(['4', '8', '16', '32']).toContain(meta.cluster.cpu);
  expect(['8Gi', '16Gi', '32Gi', '64Gi']).toContain(meta.cluster.memory);
  expect(meta.cluster.pods).toBe(110);
  expect(meta.generatorVersion).toBe(1);
}

// ---------------------------------------------------------------------------------------------------------------

describe('generateTrace properties', () => {
  it('every generated trace is a valid format-2 trace with its defect, and its fix heals it', () => {
    fc.assert(
      fc.property(generatedTraceArb, (generated) => {
        expectValidFormat2(generated);
        expectDefect(generated.trace, generated.meta);
        expectFixHeals(generated.trace, generated.meta);
      }),
      { numRuns: 150 },
    );
  });

  for (const label of TRACE_LABELS) {
    it(`${label}: the defect holds and the fix heals`, () => {
      fc.assert(
        fc.property(generatedTraceWithLabelArb(label), (generated) => {
          expect(generated.meta.label).toBe(label);
          expectDefect(generated.trace, generated.meta);
          expectFixHeals(generated.trace, generated.meta);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('the same seed gives byte-identical traces and metas; different seeds differ', () => {
    fc.assert(
      fc.property(traceSeedArb, traceSeedArb, (a, b) => {
        const first = generateTrace({ seed: a });
        const again = generateTrace({ seed: a });
        expect(hex(encodeTrace(again.trace))).toBe(hex(encodeTrace(first.trace)));
        expect(encodeTraceMeta(again.meta)).toBe(encodeTraceMeta(first.meta));
        // naming the label the seed draws gives the same trace
        const labelled = generateTrace({ seed: a, label: first.meta.label });
        expect(hex(encodeTrace(labelled.trace))).toBe(hex(encodeTrace(first.trace)));
        expect(encodeTraceMeta(labelled.meta)).toBe(encodeTraceMeta(first.meta));
        if (a !== b) {
          expect(hex(encodeTrace(generateTrace({ seed: b }).trace))).not.toBe(hex(encodeTrace(first.trace)));
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('generateTrace', () => {
  it('draws every label from seeds when none is given', () => {
    const labels = new Set(Array.from({ length: 60 }, (_, seed) => generateTrace({ seed }).meta.label));
    expect([...labels].sort()).toEqual([...TRACE_LABELS].sort());
  });

  it('varies kinds, container roles, scale events and first events', () => {
    const kinds = new Set<string>();
    const roles = new Set<string>();
    let scaled = 0;
    let emptyFirst = 0;
    let deleted = 0;
    let lifecycles = 0;
    for (let seed = 0; seed < 80; seed++) {
      const { trace } = generateTrace({ seed });
      for (const w of listWorkloads(trace)) {
        kinds.add(w.kind);
        for (const c of w.containers) roles.add(c.kind);
        if (new Set(w.replicas.map((r) => r.replicas)).size > 1) scaled++;
        if (w.deletedTs !== undefined) deleted++;
      }
      if (trace.events[0]!.appliedObjs.length === 0) emptyFirst++;
      lifecycles += trace.podLifecycles.length;
    }
    expect([...kinds].sort()).toEqual([
      'CronJob',
      'DaemonSet',
      'Deployment',
      'Job',
      'Pod',
      'ReplicaSet',
      'StatefulSet',
    ]);
    expect([...roles].sort()).toEqual(['app', 'init', 'sidecar']);
    expect(scaled).toBeGreaterThan(5);
    expect(deleted).toBeGreaterThan(0);
    expect(lifecycles).toBeGreaterThan(0);
    expect(emptyFirst).toBeGreaterThan(40);
    expect(emptyFirst).toBeLessThan(80);
  });

  it('rejects unknown labels and bad seeds', () => {
    expect(() => generateTrace({ seed: 1, label: 'broken' as never })).toThrow(InvalidArgumentError);
    expect(() => generateTrace({ seed: -1 })).toThrow(RangeError);
  });
});

describe('canonical traces', () => {
  const canonical = canonicalTraces();

  it('are the four documented labels, each with its defect and a healing fix', () => {
    expect(canonical.map((c) => c.name)).toEqual([
      'very-bad-cpu',
      'very-bad-memory',
      'slightly-bad-cpu',
      'mixed',
    ]);
    for (const { name, trace, meta } of canonical) {
      expect(meta.label).toBe(name);
      expect(meta.description).toMatch(/\w/);
      validateTrace(trace);
      expect(decodeTrace(encodeTrace(trace))).toEqual(trace);
      expectDefect(trace, meta);
      expectFixHeals(trace, meta);
      expect(listWorkloads(trace).every((w) => w.namespace === 'shop' || w.namespace === 'logging')).toBe(
        true,
      );
    }
  });

  it('are built the same way every time', () => {
    const again = canonicalTraces();
    canonical.forEach(({ trace }, i) => {
      expect(hex(encodeTrace(again[i]!.trace))).toBe(hex(encodeTrace(trace)));
    });
  });
});

describe('files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-arena-generator-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a trace SimKube reads unchanged and a sidecar meta that round-trips', async () => {
    const generated = generateTrace({ seed: 42, label: 'mixed' });
    const { traceFile, metaFile } = await writeGeneratedTrace(join(dir, 'one'), 'sample', generated);
    expect(traceFile).toBe(join(dir, 'one', 'sample.sktrace'));
    expect(metaFile).toBe(`${traceFile}.meta.json`);
    expect(hex(await readFile(traceFile))).toBe(hex(encodeTrace(generated.trace)));
    expect(await readTraceFile(traceFile)).toEqual(generated.trace);
    expect(await readTraceMeta(traceFile)).toEqual(generated.meta);
    expect(await readFile(metaFile, 'utf8')).toBe(encodeTraceMeta(generated.meta));
  });

  it('reports a missing or bad sidecar with a typed error naming the file and field', async () => {
    const generated = generateTrace({ seed: 7 });
    const { traceFile, metaFile } = await writeGeneratedTrace(join(dir, 'bad'), 'bad', generated);
    const expectMetaError = async (code: string, ...fragments: string[]) => {
      const error = await readTraceMeta(traceFile).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TraceMetaError);
      expect((error as TraceMetaError).code).toBe(code);
      expect((error as TraceMetaError).file).toBe(metaFile);
      for (const fragment of [metaFile, ...fragments])
        expect((error as TraceMetaError).message).toContain(fragment);
    };
    const json = JSON.parse(encodeTraceMeta(generated.meta)) as Record<string, unknown>;
    await writeFile(
      metaFile,
      JSON.stringify({ ...json, cluster: { ...(json.cluster as object), cpu: 'lots' } }),
    );
    await expectMetaError('INVALID_META', 'cluster.cpu', '"lots"');
    await writeFile(metaFile, JSON.stringify({ ...json, fix: [{ type: 'explode', workload: 'x' }] }));
    await expectMetaError('INVALID_META', 'fix.0.type');
    await writeFile(metaFile, JSON.stringify({ ...json, label: 'fine' }));
    await expectMetaError('INVALID_META', 'label', 'very-bad-cpu');
    await writeFile(metaFile, '{ not json');
    await expectMetaError('INVALID_META', 'not valid JSON');
    await rm(metaFile);
    await expectMetaError('META_NOT_FOUND', traceFile);
  });

  it('writes a trace set with an index; each trace comes back from its own seed', async () => {
    const setDir = join(dir, 'set');
    const index = await generateTraceSet({ count: 7, seed: 5 }, setDir);
    expect(index.count).toBe(7);
    expect(index.traces.map((t) => t.file)).toEqual(
      Array.from({ length: 7 }, (_, i) => `trace-00${i}.sktrace`),
    );
    expect(index.traces.map((t) => t.label)).toEqual([...TRACE_LABELS, TRACE_LABELS[0]]);
    expect(index.traces.map((t) => t.seed)).toEqual(traceSetSeeds(5, 7));
    expect(traceSetSeeds(5, 3)).toEqual(traceSetSeeds(5, 7).slice(0, 3));
    expect(JSON.parse(await readFile(join(setDir, 'index.json'), 'utf8'))).toEqual(index);
    for (const entry of index.traces) {
      const file = join(setDir, entry.file);
      const meta = await readTraceMeta(file);
      expect(meta).toMatchObject({
        label: entry.label,
        seed: entry.seed,
        cluster: entry.cluster,
        fix: entry.fix,
      });
      const again = generateTrace({ seed: entry.seed, label: entry.label });
      expect(hex(await readFile(file))).toBe(hex(encodeTrace(again.trace)));
    }
    const labelled = await generateTraceSet({ count: 2, seed: 9, label: 'healthy' }, join(dir, 'healthy'));
    expect(labelled.traces.map((t) => t.label)).toEqual(['healthy', 'healthy']);
  });

  it('writes the bundled traces deterministically', async () => {
    const first = join(dir, 'bundle-a');
    const second = join(dir, 'bundle-b');
    const bundled = await writeBundledTraces(first);
    await writeBundledTraces(second);
    expect(bundled.canonical.map((c) => c.file)).toEqual([
      'very-bad-cpu.sktrace',
      'very-bad-memory.sktrace',
      'slightly-bad-cpu.sktrace',
      'mixed.sktrace',
    ]);
    expect(bundled.generated.count).toBe(100);
    expect(bundled.generated.seed).toBe(20261121);
    for (const sub of ['canonical', 'generated']) {
      const files = (await readdir(join(first, sub))).sort();
      expect((await readdir(join(second, sub))).sort()).toEqual(files);
      for (const file of files) {
        expect(hex(await readFile(join(second, sub, file)))).toBe(
          hex(await readFile(join(first, sub, file))),
        );
      }
    }
    expect((await readdir(join(first, 'generated'))).filter((f) => f.endsWith('.sktrace'))).toHaveLength(100);
    expect((await readdir(join(first, 'canonical'))).sort()).toContain('very-bad-cpu.sktrace.meta.json');
  });
});
