/** Hand-made traces for environment tests, written to a temporary folder. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTraceFile } from '../../../envs/simkube/trace/codec.js';
import type { KubeObject, Trace } from '../../../envs/simkube/trace/schema.js';

/** A Deployment in namespace `shop` whose one container asks for `cpu` and `memory`. */
export function deployment(name: string, replicas: number, cpu: string, memory: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `${name}:1`, resources: { requests: { cpu, memory } } }] },
      },
    },
  };
}

/** A format-2 trace applying `objects` in one event. */
export function traceOf(objects: KubeObject[]): Trace {
  return {
    version: 2,
    config: { trackedObjects: { 'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] } } },
    events: [
      { ts: 1_700_000_000, appliedObjs: [], deletedObjs: [] },
      { ts: 1_700_000_060, appliedObjs: objects, deletedObjs: [] },
    ],
    index: {
      'apps/v1.Deployment': Object.fromEntries(
        objects.map((o, i) => [`shop/${String(o.metadata.name)}`, BigInt(i + 1)]),
      ),
    },
    podLifecycles: [],
  };
}

/** Writes a trace of `objects` to a fresh temporary file and returns its path. */
export async function traceFile(objects: KubeObject[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-arena-env-'));
  const file = join(dir, 'trace.sktrace');
  await writeTraceFile(file, traceOf(objects));
  return file;
}
