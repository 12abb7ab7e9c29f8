import { readFileSync } from 'node:fs';
import {
  decodeTrace,
  decodeTraceJson,
  detectTraceFormat,
  encodeTrace,
  encodeTraceJson,
} from './envs/simkube/trace/codec.js';

const dir = '/work/shared/simkube-traces/';
for (const f of [
  'bare-pods.sktrace',
  'cronjob.sktrace',
  'cronjob.v2-2025-03-353dc49.sktrace',
  'no_skel.9fda02f.sktrace',
  'test.7aa8719.sktrace',
]) {
  const b = readFileSync(dir + f);
  const t0 = performance.now();
  const t = decodeTrace(b, { file: f });
  const t1 = performance.now();
  const e = encodeTrace(t);
  const t2 = performance.now();
  console.log(
    f,
    detectTraceFormat(b),
    Buffer.from(e).equals(b),
    (t1 - t0).toFixed(2),
    (t2 - t1).toFixed(2),
    t.events.length,
    t.podLifecycles.length,
  );
  const j = encodeTraceJson(t);
  const back = decodeTraceJson(j);
  console.log('  json roundtrip', Buffer.from(encodeTrace(back)).equals(b));
}
const jt = readFileSync(dir + 'testutils-trace.json', 'utf8');
const t = decodeTraceJson(jt, { file: 'testutils-trace.json' });
console.log(t.index, JSON.stringify(JSON.parse(encodeTraceJson(t))) === JSON.stringify(JSON.parse(jt)));
console.log(encodeTraceJson(decodeTrace(readFileSync(dir + 'cronjob.sktrace'))).slice(-800));
