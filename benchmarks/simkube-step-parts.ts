/**
 * What one step of `simkube/fix-resources-v0` costs, part by part, on the 30-workload / 150-pod trace of
 * `simkube-env.ts`: the trace operation, the recompile of what it changed, the replay, and the whole step (the rest
 * is observation, assessment, reward and action mask). Also the share of the whole step's time spent in garbage
 * collection. Each part alternates `bump_cpu_small` and `reduce_cpu_small` on one workload, as the environment
 * benchmark does, so every operation makes new objects.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import { parseCluster } from '../envs/simkube/cluster/nodes.js';
import { compileTrace, recompileTrace, simulate } from '../envs/simkube/cluster/replay.js';
import { FixResourcesOptionsSchema } from '../envs/simkube/env/config.js';
import { FixResourcesEnv } from '../envs/simkube/env/fix-resources-env.js';
import { writeTraceFile } from '../envs/simkube/trace/codec.js';
import { applyTraceOp, type TraceOp } from '../envs/simkube/trace/ops.js';
import type { Trace } from '../envs/simkube/trace/schema.js';
import { syntheticTrace } from './simkube-env.js';

const CALLS_PER_TASK = 200;
const WORKLOAD = 'svc-1';

/** The k-th operation of the alternation. */
function opAt(k: number): TraceOp {
  return { type: k % 2 === 0 ? 'bump_cpu_small' : 'reduce_cpu_small', workload: WORKLOAD };
}

function edit(trace: Trace, k: number): Trace {
  const result = applyTraceOp(trace, opAt(k));
  if (!result.ok) throw new Error(result.failure.message);
  return result.trace;
}

/** Microseconds per call of `body`, the mean of tinybench's samples of 200 calls. */
async function microseconds(body: () => void | Promise<void>): Promise<number> {
  const bench = new Bench({ time: 1_500, warmupTime: 300 });
  bench.add('part', async () => {
    for (let i = 0; i < CALLS_PER_TASK; i++) await body();
  });
  await bench.run();
  const result = bench.tasks[0]?.result as { throughput: { mean: number }; error?: Error };
  if (result.error) throw result.error;
  return 1e6 / (result.throughput.mean * CALLS_PER_TASK);
}

/** Runs `body` `steps` times and returns the share of the wall time spent in garbage collection. */
async function gcShare(steps: number, body: () => Promise<void>): Promise<number> {
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  for (let i = 0; i < steps; i++) await body();
  const elapsed = performance.now() - started;
  // entries are delivered asynchronously
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return gcMs / elapsed;
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** Runs the benchmark and returns its results as a markdown table. */
export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-arena-bench-'));
  const file = join(dir, 'w30-p150.sktrace');
  const original = syntheticTrace(30, 150);
  await writeTraceFile(file, original);
  const lines = [
    row([
      'cluster',
      'trace operation',
      '+ recompile',
      'replay',
      'whole step',
      'steps/s',
      'GC share of a step',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const cluster of ['4x16cpu-32Gi', '10x32cpu-64Gi']) {
    const nodes = parseCluster(cluster);
    let trace = original;
    let k = 0;
    const operation = await microseconds(() => {
      trace = edit(trace, k++);
    });
    let compiled = compileTrace(trace);
    const recompile = await microseconds(() => {
      trace = edit(trace, k++);
      compiled = recompileTrace(compiled, trace);
    });
    const replay = await microseconds(() => {
      simulate(compiled, nodes, { pods: false });
    });
    const env = new FixResourcesEnv(
      FixResourcesOptionsSchema.parse({ trace: file, cluster, safeguards: { actionBudget: 1_000_000 } }),
    );
    await env.reset({ seed: 0 });
    const step = async () => {
      await env.step(opAt(k++));
    };
    const whole = await microseconds(step);
    const gc = await gcShare(20_000, step);
    lines.push(
      row([
        cluster,
        `${operation.toFixed(1)} µs`,
        `${(recompile - operation).toFixed(1)} µs`,
        `${replay.toFixed(1)} µs`,
        `${whole.toFixed(1)} µs`,
        Math.round(1e6 / whole).toLocaleString('en'),
        `${(gc * 100).toFixed(1)}%`,
      ]),
    );
  }
  return lines.join('\n');
}
