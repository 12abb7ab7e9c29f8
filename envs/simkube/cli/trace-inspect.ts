/** What `sim-arena trace inspect` shows of a trace: its shape over time and every workload's requests and replicas. */
import type { Trace } from '../trace/schema.js';
import { listWorkloads, type Workload } from '../trace/workloads.js';

/** A JSON-friendly summary of a trace (`trace inspect --json`). */
export interface TraceSummary {
  version: number;
  events: number;
  firstTs: number | null;
  lastTs: number | null;
  trackedKinds: string[];
  podLifecycleOwners: number;
  workloads: {
    kind: string;
    key: string;
    templatePath: string;
    replicas: { ts: number; replicas: number | null }[];
    deletedTs: number | null;
    containers: {
      name: string;
      kind: string;
      requests: Record<string, string>;
      limits: Record<string, string>;
    }[];
  }[];
}

/** Summarises a trace. */
export function summarizeTrace(trace: Trace): TraceSummary {
  const times = trace.events.map((event) => event.ts);
  return {
    version: trace.version,
    events: trace.events.length,
    firstTs: times.length > 0 ? Math.min(...times) : null,
    lastTs: times.length > 0 ? Math.max(...times) : null,
    trackedKinds: Object.keys(trace.config.trackedObjects),
    podLifecycleOwners: trace.podLifecycles.length,
    workloads: listWorkloads(trace).map(summarizeWorkload),
  };
}

function summarizeWorkload(workload: Workload): TraceSummary['workloads'][number] {
  const text = (record: Record<string, { toString(): string }>) =>
    Object.fromEntries(Object.entries(record).map(([name, quantity]) => [name, quantity.toString()]));
  return {
    kind: workload.kind,
    key: workload.key,
    templatePath: workload.templatePath,
    replicas: workload.replicas,
    deletedTs: workload.deletedTs ?? null,
    containers: workload.containers.map((c) => ({
      name: c.name,
      kind: c.kind,
      requests: text(c.requests),
      limits: text(c.limits),
    })),
  };
}

/** The summary as the lines a person reads. */
export function formatTraceSummary(file: string, summary: TraceSummary): string[] {
  const lines = [`${file}: SimKube trace format ${summary.version}, ${summary.events} events`];
  if (summary.firstTs !== null && summary.lastTs !== null) {
    const span = summary.lastTs - summary.firstTs;
    lines.push(`  time: ${isoTime(summary.firstTs)} → ${isoTime(summary.lastTs)} (${span} s)`);
  }
  lines.push(`  tracked: ${summary.trackedKinds.join(', ') || 'nothing'}`);
  lines.push(`  pod lifecycles recorded for ${summary.podLifecycleOwners} owner(s)`);
  lines.push(`  workloads (${summary.workloads.length}):`);
  for (const workload of summary.workloads) {
    const start = summary.firstTs ?? 0;
    const replicas = workload.replicas.some((point) => point.replicas !== null)
      ? `replicas ${workload.replicas.map((p) => `${p.replicas}@+${p.ts - start}s`).join(' → ')}`
      : 'no replicas';
    const deleted = workload.deletedTs === null ? '' : `, deleted @+${workload.deletedTs - start}s`;
    lines.push(`    ${workload.kind} ${workload.key}: ${replicas}${deleted}`);
    for (const container of workload.containers) {
      lines.push(
        `      ${container.kind === 'app' ? '' : `${container.kind} `}${container.name}: requests ${resources(container.requests)}` +
          `, limits ${resources(container.limits)}`,
      );
    }
  }
  return lines;
}

function resources(record: Record<string, string>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([name, value]) => `${name}=${value}`).join(' ');
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
