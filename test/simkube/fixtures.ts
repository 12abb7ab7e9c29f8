/** Locates the real SimKube trace files shared by the workspace (`/work/shared/simkube-traces/`). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';

/** The directory of the shared traces: `../shared/simkube-traces/` next to the repository root. */
export const SIMKUBE_TRACES_DIR = new URL('../../../shared/simkube-traces/', import.meta.url);

/** The msgpack traces written by SimKube 2.x (format 2). */
export const MSGPACK_TRACES = [
  'bare-pods.sktrace',
  'cronjob.sktrace',
  'cronjob.v2-2025-03-353dc49.sktrace',
  'no_skel.9fda02f.sktrace',
  'test.7aa8719.sktrace',
] as const;

/** SimKube's JSON test fixture (format 2). */
export const JSON_TRACE = 'testutils-trace.json';

/** All six shared trace files. */
export const ALL_TRACES = [...MSGPACK_TRACES, JSON_TRACE] as const;

/** The name of one shared trace file. */
export type SharedTrace = (typeof ALL_TRACES)[number];

/** The absolute path of a shared trace. */
export function sharedTracePath(name: SharedTrace): string {
  return fileURLToPath(new URL(name, SIMKUBE_TRACES_DIR));
}

/** The bytes of a shared trace. */
export function readSharedTrace(name: SharedTrace): Uint8Array {
  return new Uint8Array(readFileSync(sharedTracePath(name)));
}

/** The checksums the shared directory publishes (`SHA256SUMS`), by file name. */
export function publishedChecksums(): Map<string, string> {
  const text = readFileSync(fileURLToPath(new URL('SHA256SUMS', SIMKUBE_TRACES_DIR)), 'utf8');
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match) sums.set(match[2]!, match[1]!);
  }
  return sums;
}

/** The SHA-256 of bytes, in hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A Deployment as a pre-2.0 trace holds it. */
export function pre2Deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

/**
 * A hand-made trace in the layout SimKube 1.1.1 writes: the tuple (config, events, index, pod_lifecycles), with the
 * singular template path, a `/v1.Pod` GVK, an index keyed by "namespace/name" alone (one name no event mentions) and
 * lifecycles keyed by owner name.
 */
export function handMadePre2Trace(): Uint8Array {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'bare', namespace: 'testing' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  return packr.pack([
    {
      trackedObjects: {
        'apps/v1.Deployment': { podSpecTemplatePath: '/spec/template' },
        '/v1.Pod': { podSpecTemplatePath: null, trackLifecycle: true },
      },
    },
    [
      { ts: 100, applied_objs: [pre2Deployment('web', 2), pod], deleted_objs: [] },
      { ts: 160, applied_objs: [], deleted_objs: [pre2Deployment('web', 2)] },
    ],
    { 'default/web': 12345678901234567890n, 'testing/bare': 42n, 'default/gone': 7n },
    {
      'testing/bare': new Map([
        [9876543210987654321n, [{ Finished: [101, 131] }, 'Empty', { Running: 140 }]],
      ]),
    },
  ]);
}
