/**
 * SimKube environment benchmark: steps per second of `simkube/fix-resources-v0` on the embedded simulator, on the
 * canonical traces, on a 30-workload / ~150-pod trace (4, 10 and 50 nodes), on a 1,000-pod / 50-node trace, and how the cost of
 * a step grows with pods and nodes. Each step edits the trace (alternately bumping and reducing a workload's CPU, so
 * every step really changes it), replays it and computes observation, reward and action mask. Synthetic traces keep
 * one workload that never fits, so that episodes do not end and no reset is measured.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import type { FixResourcesAction } from '../envs/simkube/env/actions.js';
import { FixResourcesOptionsSchema } from '../envs/simkube/env/config.js';
import { FixResourcesEnv } from '../envs/simkube/env/fix-resources-env.js';
import { writeTraceFile } from '../envs/simkube/trace/codec.js';
import type { KubeObject, Trace } from '../envs/simkube/trace/schema.js';

const STEPS_PER_TASK = 200;

function deployment(index: number, replicas: number): KubeObject {
  const name = `svc-${index}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: `team-${index % 5}` },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              // svc-0 asks for 40 CPUs, more than any node has: the trace stays broken, episodes never end
              name: 'app',
              image: `${name}:1`,
              resources: {
                requests: {
                  cpu: index === 0 ? '40' : `${100 + (index % 7) * 50}m`,
                  memory: `${128 + (index % 5) * 64}Mi`,
                },
              },
            },
            { name: 'proxy', image: 'envoy:1', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
          ],
        },
      },
    },
  };
}

/** `workloads` Deployments with `pods` pods in all, applied over three events; svc-0 never fits. */
export function syntheticTrace(workloads: number, pods: number): Trace {
  const objects = Array.from({ length: workloads }, (_, i) =>
    deployment(i, Math.floor(pods / workloads) + (i < pods % workloads ? 1 : 0)),
  );
  const third = Math.ceil(workloads / 3);
  return {
    version: 2,
    config: { trackedObjects: { 'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] } } },
    events: [0, 1, 2].map((k) => ({
      ts: 1_700_000_000 + 60 * k,
      appliedObjs: objects.slice(k * third, (k + 1) * third),
      deletedObjs: [],
    })),
    index: {
      'apps/v1.Deployment': Object.fromEntries(
        objects.map((o, i) => [`${String(o.metadata.namespace)}/${String(o.metadata.name)}`, BigInt(i + 1)]),
      ),
    },
    podLifecycles: [],
  };
}

async function stepsPerSecond(env: FixResourcesEnv, workload: string): Promise<number> {
  await env.reset({ seed: 0 });
  let flip = false;
  const bench = new Bench({ time: 1_500, warmupTime: 300 });
  bench.add('steps', async () => {
    for (let i = 0; i < STEPS_PER_TASK; i++) {
      flip = !flip;
      const action: FixResourcesAction = { type: flip ? 'bump_cpu_small' : 'reduce_cpu_small', workload };
      const { terminated } = await env.step(action);
      if (terminated) await env.reset({ seed: 0 });
    }
  });
  await bench.run();
  const result = bench.tasks[0]?.result as { throughput: { mean: number }; error?: Error };
  if (result.error) throw result.error;
  return result.throughput.mean * STEPS_PER_TASK;
}

function envFor(trace: string, cluster?: string): FixResourcesEnv {
  return new FixResourcesEnv(
    FixResourcesOptionsSchema.parse({
      trace,
      ...(cluster ? { cluster } : {}),
      safeguards: { actionBudget: 1_000_000 },
    }),
  );
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** Runs the benchmark and returns its results as markdown tables. */
export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-arena-bench-'));
  const lines = [
    '### Canonical traces',
    '',
    row(['trace', 'steps/s', 'µs/step']),
    row(['---', '---:', '---:']),
  ];
  for (const [name, workload] of [
    ['very-bad-cpu', 'shop/cart'],
    ['very-bad-memory', 'shop/cart'],
    ['slightly-bad-cpu', 'shop/cart'],
    ['mixed', 'shop/cart'],
  ] as const) {
    const rate = await stepsPerSecond(envFor(`traces/canonical/${name}.sktrace`), workload);
    lines.push(row([name, fmt(rate), (1e6 / rate).toFixed(1)]));
  }
  lines.push('', '### Step cost by trace and cluster size', '');
  lines.push(
    row(['workloads', 'pods', 'cluster', 'steps/s', 'µs/step']),
    row(['---:', '---:', '---:', '---:', '---:']),
  );
  for (const [workloads, pods, nodes] of [
    [30, 150, 4],
    [30, 150, 10],
    [30, 150, 50],
    [30, 600, 10],
    [100, 500, 20],
    [100, 1000, 50],
    [200, 1000, 50],
    [200, 2000, 100],
  ] as const) {
    const file = join(dir, `w${workloads}-p${pods}.sktrace`);
    await writeTraceFile(file, syntheticTrace(workloads, pods));
    // 4 nodes: the environment's default cluster (4x16cpu-32Gi); larger clusters use bigger nodes
    const cluster = nodes === 4 ? '4x16cpu-32Gi' : `${nodes}x32cpu-64Gi`;
    const rate = await stepsPerSecond(envFor(file, cluster), 'svc-1');
    lines.push(row([workloads, pods, cluster, fmt(rate), (1e6 / rate).toFixed(1)]));
  }
  return lines.join('\n');
}
