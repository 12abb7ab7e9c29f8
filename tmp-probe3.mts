import { readFileSync } from 'node:fs';
import { decodeTrace } from './envs/simkube/trace/codec.js';

const d = '/work/shared/simkube-traces/';
for (const f of [
  'no_skel.9fda02f.sktrace',
  'bare-pods.sktrace',
  'test.7aa8719.sktrace',
  'cronjob.sktrace',
  'cronjob.v2-2025-03-353dc49.sktrace',
]) {
  const t = decodeTrace(readFileSync(d + f));
  console.log(
    '==',
    f,
    JSON.stringify(t.config),
    Object.keys(t.index).map((k) => [k, Object.keys(t.index[k]!).length]),
  );
  t.events.forEach((e, i) => {
    console.log(
      ' ev',
      i,
      e.ts,
      'applied',
      e.appliedObjs
        .map((o) => {
          const s = (o as any).spec;
          const tpl = s?.template?.spec ?? s;
          return `${o.kind} ${(o.metadata as any).namespace}/${(o.metadata as any).name} r=${s?.replicas} ${JSON.stringify(tpl?.containers?.map((c: any) => c.resources?.requests))}`;
        })
        .join(' | '),
    );
    console.log(
      '    deleted',
      e.deletedObjs
        .map((o) => `${o.kind} ${(o.metadata as any).namespace}/${(o.metadata as any).name}`)
        .join(' | '),
    );
  });
  for (const [owner, m] of t.podLifecycles)
    console.log(
      '  lc',
      owner,
      [...m].map(([h, l]) => [h, JSON.stringify(l)]),
    );
}
