import { readFileSync } from 'node:fs';
import { decodeTrace } from './envs/simkube/trace/codec.js';
import { TraceFormatError } from './envs/simkube/trace/errors.js';

const cases: [string, Uint8Array][] = [
  ['array32', new Uint8Array([0xdd, 0x7f, 0xff, 0xff, 0xff])],
  ['map32', new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff, 0])],
  ['str32', new Uint8Array([0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41])],
  ['bin32', new Uint8Array([0x91, 0xc6, 0x7f, 0xff, 0xff, 0xff])],
  ['deep', new Uint8Array(200000).fill(0x91)],
  ['ext', new Uint8Array([0x91, 0xd4, 0x72, 0x01])],
  ['c1', new Uint8Array([0x91, 0xc1])],
  ['json', new TextEncoder().encode('  {"version": 2}')],
  ['text', new TextEncoder().encode('hello')],
  ['v3', new Uint8Array([0x81, 0xa7, ...new TextEncoder().encode('version'), 3])],
  ['v7', new Uint8Array([0x81, 0xa7, ...new TextEncoder().encode('version'), 7])],
  ['pre2', new Uint8Array([0x94, 0x80, 0x90, 0x80, 0x80])],
  ['badutf8', new Uint8Array([0x81, 0xa2, 0xff, 0xfe, 0x01])],
];
for (const [name, b] of cases) {
  const t0 = performance.now();
  try {
    decodeTrace(b, { file: 'x.sktrace' });
    console.log(name, 'OK?!');
  } catch (e) {
    console.log(
      name,
      e instanceof TraceFormatError,
      (e as TraceFormatError).code,
      (performance.now() - t0).toFixed(2) + 'ms',
      (e as Error).message,
    );
  }
}
const b = readFileSync('/work/shared/simkube-traces/test.7aa8719.sktrace');
let t0 = performance.now();
for (let i = 0; i < 100; i++) decodeTrace(b);
console.log('decode test trace avg ms', ((performance.now() - t0) / 100).toFixed(2));
const c = readFileSync('/work/shared/simkube-traces/cronjob.sktrace');
t0 = performance.now();
for (let i = 0; i < 1000; i++) decodeTrace(c);
console.log('decode cronjob avg ms', ((performance.now() - t0) / 1000).toFixed(3));
t0 = performance.now();
let n = 0;
for (let k = 0; k < b.length; k++) {
  try {
    decodeTrace(b.subarray(0, k));
  } catch (e) {
    if (!(e instanceof TraceFormatError)) throw e;
    n++;
  }
}
console.log('all prefixes of test trace', n, (performance.now() - t0).toFixed(0) + 'ms');
