/**
 * The scheduler's view of a pod's requests, against hand-worked examples: app containers, init containers bigger
 * than the apps, sidecars (the KEP-753 formula), overhead, limits without requests, pod-level requests, rounding,
 * and the non-zero scoring variant.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NONZERO_CPU_MILLIS,
  DEFAULT_NONZERO_MEMORY_BYTES,
  effectivePodRequests,
  nonZeroPodRequests,
  PodRequestsError,
} from '../../envs/simkube/cluster/pod-requests.js';
import { decodeTrace } from '../../envs/simkube/trace/codec.js';
import type { JsonObject } from '../../envs/simkube/trace/schema.js';
import { listWorkloads, podTemplateOf } from '../../envs/simkube/trace/workloads.js';
import { readSharedTrace } from './fixtures.js';

const Mi = 1024n * 1024n;
const Gi = 1024n * Mi;

interface Res {
  cpu?: string;
  memory?: string;
  [resource: string]: string | undefined;
}

function c(name: string, requests?: Res, limits?: Res, restartPolicy?: 'Always'): JsonObject {
  const resources: JsonObject = {};
  if (limits) resources.limits = limits as JsonObject;
  if (requests) resources.requests = requests as JsonObject;
  const out: JsonObject = { name, image: 'busybox', resources };
  if (restartPolicy) out.restartPolicy = restartPolicy;
  return out;
}

function sidecar(name: string, requests: Res): JsonObject {
  return c(name, requests, undefined, 'Always');
}

describe('effectivePodRequests', () => {
  it('sums app containers', () => {
    const spec = {
      containers: [c('a', { cpu: '100m', memory: '128Mi' }), c('b', { cpu: '200m', memory: '256Mi' })],
    };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 300n, memoryBytes: 384n * Mi, other: {} });
  });

  it('takes an init container bigger than the apps, resource by resource', () => {
    // cpu: max(500m, 2) = 2; memory: max(2Gi, 1Gi) = 2Gi
    const spec = {
      initContainers: [c('migrate', { cpu: '2', memory: '1Gi' })],
      containers: [c('app', { cpu: '500m', memory: '2Gi' })],
    };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 2000n, memoryBytes: 2n * Gi, other: {} });
  });

  it('applies the sidecar formula: sidecars add to the apps and run under later init containers', () => {
    // init1 1 cpu; sidecar1 500m; init2 2 cpu; sidecar2 250m; app 1 cpu.
    // apps + sidecars = 1 + 0.5 + 0.25 = 1.75; init peak = max(1, 0.5, 2 + 0.5, 0.75) = 2.5 → 2.5 CPUs.
    // memory: 100Mi, 50Mi, 300Mi, 60Mi, app 500Mi: apps + sidecars = 610Mi; init peak = 300 + 50 = 350Mi → 610Mi.
    const spec = {
      initContainers: [
        c('init1', { cpu: '1', memory: '100Mi' }),
        sidecar('sidecar1', { cpu: '500m', memory: '50Mi' }),
        c('init2', { cpu: '2', memory: '300Mi' }),
        sidecar('sidecar2', { cpu: '250m', memory: '60Mi' }),
      ],
      containers: [c('app', { cpu: '1', memory: '500Mi' })],
    };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 2500n, memoryBytes: 610n * Mi, other: {} });
  });

  it('does not count a sidecar started after an init container under it', () => {
    // init 1 cpu runs before the sidecar starts: max(app 200m + sidecar 900m, 1) = 1100m
    const spec = {
      initContainers: [c('init', { cpu: '1' }), sidecar('proxy', { cpu: '900m' })],
      containers: [c('app', { cpu: '200m' })],
    };
    expect(effectivePodRequests(spec).cpuMillis).toBe(1100n);
  });

  it('adds spec.overhead after the max', () => {
    const spec = {
      containers: [c('app', { cpu: '250m', memory: '64Mi' })],
      overhead: { cpu: '250m', memory: '120Mi' },
    };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 500n, memoryBytes: 184n * Mi, other: {} });
    const initHeavy = {
      initContainers: [c('init', { cpu: '1' })],
      containers: [c('app', { cpu: '100m' })],
      overhead: { cpu: '100m' },
    };
    expect(effectivePodRequests(initHeavy).cpuMillis).toBe(1100n);
  });

  it('counts a limit without a request as the request (API defaulting)', () => {
    expect(effectivePodRequests({ containers: [c('app', undefined, { cpu: '1', memory: '1Gi' })] })).toEqual({
      cpuMillis: 1000n,
      memoryBytes: Gi,
      other: {},
    });
    const mixed = { containers: [c('app', { cpu: '100m' }, { cpu: '1', memory: '1Gi' })] };
    expect(effectivePodRequests(mixed)).toEqual({ cpuMillis: 100n, memoryBytes: Gi, other: {} });
  });

  it('counts containers without requests as zero', () => {
    const spec = { containers: [c('a'), { name: 'b' }], initContainers: [c('i')] };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 0n, memoryBytes: 0n, other: {} });
    expect(effectivePodRequests({})).toEqual({ cpuMillis: 0n, memoryBytes: 0n, other: {} });
  });

  it('sums exactly, then rounds up once', () => {
    // 0.5m + 0.5m = 1m exactly (rounding each first would give 2m); 0.1m alone rounds up to 1m
    expect(
      effectivePodRequests({ containers: [c('a', { cpu: '500u' }), c('b', { cpu: '500u' })] }).cpuMillis,
    ).toBe(1n);
    expect(effectivePodRequests({ containers: [c('a', { cpu: '0.0001' })] }).cpuMillis).toBe(1n);
    expect(
      effectivePodRequests({ containers: [c('a', { memory: '0.5' }), c('b', { memory: '0.5' })] })
        .memoryBytes,
    ).toBe(1n);
    expect(effectivePodRequests({ containers: [c('a', { memory: '1.5Ki' })] }).memoryBytes).toBe(1536n);
  });

  it('reports other resources in whole units', () => {
    const spec = {
      containers: [
        c('a', { cpu: '1', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' }),
        c('b', { 'ephemeral-storage': '500M' }),
      ],
    };
    expect(effectivePodRequests(spec)).toEqual({
      cpuMillis: 1000n,
      memoryBytes: 0n,
      other: { 'ephemeral-storage': Gi + 500_000_000n, 'nvidia.com/gpu': 1n },
    });
  });

  it('lets pod-level requests replace the container sum for cpu and memory', () => {
    const spec = {
      containers: [c('a', { cpu: '500m', memory: '1Gi' }), c('b', { cpu: '500m', memory: '1Gi' })],
      resources: { requests: { cpu: '2' } },
      overhead: { cpu: '100m' },
    };
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 2100n, memoryBytes: 2n * Gi, other: {} });
  });

  it('matches a real pod template (prometheus-k8s of test.sktrace)', () => {
    const trace = decodeTrace(readSharedTrace('test.7aa8719.sktrace'));
    const workload = listWorkloads(trace).find((w) => w.key === 'monitoring/prometheus-k8s')!;
    const obj = trace.events.flatMap((e) => e.appliedObjs).find((o) => o.metadata.name === 'prometheus-k8s')!;
    const spec = podTemplateOf(obj, workload.templatePath)!.spec as JsonObject;
    // apps: prometheus {memory 400Mi} + config-reloader {10m, 50Mi}; init: {10m, 50Mi}
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 10n, memoryBytes: 450n * Mi, other: {} });
  });

  it('names the container and field of a malformed or negative quantity', () => {
    const cases: [JsonObject, RegExp][] = [
      [
        { containers: [c('app', { cpu: '1 core' })] },
        /containers\[0\] \(container "app"\)\.resources\.requests\.cpu/,
      ],
      [
        { initContainers: [c('init', undefined, { memory: '-1Gi' })] },
        /initContainers\[0\] \(container "init"\)\.resources\.limits\.memory.*negative/,
      ],
      [{ containers: [], overhead: { cpu: 'lots' } }, /spec\.overhead\.cpu/],
    ];
    for (const [spec, pattern] of cases) {
      let caught: unknown;
      try {
        effectivePodRequests(spec);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PodRequestsError);
      expect((caught as PodRequestsError).code).toBe('INVALID_QUANTITY');
      expect((caught as PodRequestsError).message).toMatch(pattern);
    }
  });
});

describe('nonZeroPodRequests', () => {
  it('counts 100m / 200Mi for each container without a request', () => {
    expect(DEFAULT_NONZERO_CPU_MILLIS).toBe(100n);
    expect(DEFAULT_NONZERO_MEMORY_BYTES).toBe(200n * Mi);
    const spec = { containers: [c('a'), c('b', { cpu: '300m' })] };
    expect(nonZeroPodRequests(spec)).toEqual({ cpuMillis: 400n, memoryBytes: 400n * Mi, other: {} });
    expect(effectivePodRequests(spec)).toEqual({ cpuMillis: 300n, memoryBytes: 0n, other: {} });
  });

  it('keeps an explicit zero and a defaulted limit', () => {
    const spec = { containers: [c('a', { cpu: '0' }, { memory: '64Mi' })] };
    expect(nonZeroPodRequests(spec)).toEqual({ cpuMillis: 0n, memoryBytes: 64n * Mi, other: {} });
  });

  it('applies the defaults to init containers and sidecars too', () => {
    // apps + sidecar = 100m + 100m; init = 100m + sidecars before it (none) → 200m
    const spec = {
      initContainers: [c('init'), sidecar('proxy', {})],
      containers: [c('app')],
      overhead: { cpu: '10m' },
    };
    expect(nonZeroPodRequests(spec)).toEqual({ cpuMillis: 210n, memoryBytes: 400n * Mi, other: {} });
  });
});
