import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeTrace,
  decodeTraceFile,
  decodeTraceJson,
  detectTraceFormat,
  encodeTrace,
  encodeTraceJson,
  readTraceFile,
  writeTraceFile,
} from '../../envs/simkube/trace/codec.js';
import {
  formatTracePath,
  TraceFormatError,
  type TraceFormatErrorCode,
} from '../../envs/simkube/trace/errors.js';
import { parseJsonValue } from '../../envs/simkube/trace/json-read.js';
import { sniffTraceFileFormat } from '../../envs/simkube/trace/layout.js';
import { decodeMsgpackValue } from '../../envs/simkube/trace/msgpack-read.js';
import { encodeMsgpackValue } from '../../envs/simkube/trace/msgpack-write.js';
import {
  type JsonObject,
  type KubeObject,
  type Trace,
  validateTrace,
} from '../../envs/simkube/trace/schema.js';
import { upgradePre2Trace } from '../../envs/simkube/trace/upgrade.js';
import {
  ALL_TRACES,
  handMadePre2Trace,
  JSON_TRACE,
  MSGPACK_TRACES,
  pre2Deployment,
  publishedChecksums,
  readSharedTrace,
  sha256,
  sharedTracePath,
} from './fixtures.js';

const utf8 = new TextEncoder();

/** Runs `run`, expects a TraceFormatError with `code` whose message contains every fragment. */
function expectTraceError(
  run: () => unknown,
  code: TraceFormatErrorCode,
  ...fragments: string[]
): TraceFormatError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TraceFormatError);
  const error = caught as TraceFormatError;
  expect(error.code, error.message).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

async function expectTraceErrorAsync(
  run: () => Promise<unknown>,
  code: TraceFormatErrorCode,
  ...fragments: string[]
): Promise<void> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TraceFormatError);
  expect((error as TraceFormatError).code, (error as Error).message).toBe(code);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

/** Decodes a shared msgpack trace to raw Maps, lets `edit` change it and encodes it again. */
function editRaw(
  name: (typeof MSGPACK_TRACES)[number],
  edit: (top: Map<unknown, unknown>) => void,
): Uint8Array {
  const top = decodeMsgpackValue(readSharedTrace(name));
  if (!(top instanceof Map)) throw new Error('expected a map');
  edit(top);
  return encodeMsgpackValue(top);
}

function asMap(value: unknown): Map<unknown, unknown> {
  if (!(value instanceof Map)) throw new Error(`expected a Map, got ${String(value)}`);
  return value;
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${String(value)}`);
  return value;
}

function field(object: JsonObject | KubeObject | undefined, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as JsonObject)[key];
  }
  return current;
}

function objectsOf(trace: Trace, kind: string): KubeObject[] {
  return trace.events.flatMap((event) => event.appliedObjs).filter((object) => object.kind === kind);
}

describe('the shared SimKube traces', () => {
  it('are the published files', () => {
    const sums = publishedChecksums();
    for (const name of ALL_TRACES) expect(sha256(readSharedTrace(name)), name).toBe(sums.get(name));
  });

  for (const name of MSGPACK_TRACES) {
    describe(name, () => {
      const bytes = readSharedTrace(name);

      it('decodes to a valid format-2 trace', () => {
        const trace = decodeTrace(bytes, { file: name });
        expect(trace.version).toBe(2);
        expect(validateTrace(trace)).toBe(trace);
        expect(detectTraceFormat(bytes)).toBe('v2');
        expect(sniffTraceFileFormat(bytes)).toBe('msgpack');
        for (const hashes of Object.values(trace.index)) {
          for (const hash of Object.values(hashes)) expect(typeof hash).toBe('bigint');
        }
      });

      it('re-encodes byte for byte', () => {
        const encoded = encodeTrace(decodeTrace(bytes));
        expect(Buffer.from(encoded).equals(Buffer.from(bytes))).toBe(true);
      });

      it('re-encodes its raw msgpack values byte for byte', () => {
        expect(Buffer.from(encodeMsgpackValue(decodeMsgpackValue(bytes))).equals(Buffer.from(bytes))).toBe(
          true,
        );
      });

      it('converts to JSON and back to the same bytes, hashes included', () => {
        const trace = decodeTrace(bytes);
        const json = encodeTraceJson(trace);
        const back = decodeTraceJson(json, { file: 'converted.json' });
        expect(back).toEqual(trace);
        expect(Buffer.from(encodeTrace(back)).equals(Buffer.from(bytes))).toBe(true);
        expect(encodeTraceJson(back)).toBe(json);
      });
    });
  }

  describe(JSON_TRACE, () => {
    const text = Buffer.from(readSharedTrace(JSON_TRACE)).toString('utf8');

    it('decodes with its u64 hash intact', () => {
      const trace = decodeTraceJson(text, { file: JSON_TRACE });
      expect(trace.index).toEqual({
        'apps/v1.Deployment': { 'default/nginx-deployment': 2842228259284014139n },
      });
      expect(trace.podLifecycles).toEqual([]);
      expect(trace.config.trackedObjects['apps/v1.Deployment']?.podSpecTemplatePaths).toEqual([
        '/spec/template',
      ]);
      expect(trace.events).toHaveLength(1);
      expect(trace.events[0]?.ts).toBe(1709241485);
      expect(trace.events[0]?.appliedObjs.map((o) => o.metadata.name)).toEqual(['nginx-deployment']);
      expect(trace.events[0]?.deletedObjs.map((o) => o.metadata.name)).toEqual(['nginx-deployment-2']);
      expect(detectTraceFormat(readSharedTrace(JSON_TRACE))).toBe('v2');
      expect(sniffTraceFileFormat(readSharedTrace(JSON_TRACE))).toBe('json');
    });

    it('re-encodes to the same JSON data', () => {
      const trace = decodeTraceJson(text);
      expect(parseJsonValue(encodeTraceJson(trace))).toEqual(parseJsonValue(text));
    });

    it('converts to msgpack and back losslessly', () => {
      const trace = decodeTraceJson(text);
      const bytes = encodeTrace(trace);
      const back = decodeTrace(bytes);
      expect(back).toEqual(trace);
      expect(field(back.index, 'apps/v1.Deployment', 'default/nginx-deployment')).toBe(2842228259284014139n);
      expect(Buffer.from(encodeTrace(back)).equals(Buffer.from(bytes))).toBe(true);
      expect(parseJsonValue(encodeTraceJson(back))).toEqual(parseJsonValue(text));
      // the hash needs 64 bits and is written as uint64
      const hashAt = Buffer.from(bytes).indexOf(Buffer.from([0xcf, 0x27, 0x71]));
      expect(hashAt).toBeGreaterThan(0);
    });
  });
});

describe('known facts of the shared traces', () => {
  it('no_skel: four Deployments and a StatefulSet in default', () => {
    const trace = decodeTrace(readSharedTrace('no_skel.9fda02f.sktrace'));
    const requests = (object: KubeObject) =>
      (field(object, 'spec', 'template', 'spec', 'containers') as JsonObject[]).map((c) =>
        field(c, 'resources', 'requests'),
      );
    const summary = (kind: string) =>
      objectsOf(trace, kind).map((o) => [
        `${o.metadata.namespace}/${o.metadata.name}`,
        field(o, 'spec', 'replicas'),
        requests(o),
      ]);
    expect(summary('Deployment')).toEqual([
      ['default/medium-service', 12, [{ cpu: '500m', memory: '256Mi' }]],
      ['default/small-service', 4, [{ cpu: '250m', memory: '64Mi' }]],
      ['default/spread-service', 6, [{ cpu: '200m', memory: '128Mi' }]],
      ['default/medium-service', 2, [{ cpu: '500m', memory: '256Mi' }]],
      ['default/large-service', 1, [{ cpu: '3', memory: '2Gi' }]],
      ['default/spread-service', 3, [{ cpu: '200m', memory: '128Mi' }]],
    ]);
    expect(summary('StatefulSet')).toEqual([['default/database', 2, [{ cpu: '300m', memory: '512Mi' }]]]);
    expect(Object.keys(trace.index['apps/v1.Deployment'] ?? {}).sort()).toEqual([
      'default/large-service',
      'default/medium-service',
      'default/small-service',
      'default/spread-service',
    ]);
    expect(Object.keys(trace.index['apps/v1.StatefulSet'] ?? {})).toEqual(['default/database']);
  });

  it('cronjob: one CronJob applied then deleted, three Finished 30 s lifecycles', () => {
    for (const name of ['cronjob.sktrace', 'cronjob.v2-2025-03-353dc49.sktrace'] as const) {
      const trace = decodeTrace(readSharedTrace(name));
      expect(trace.events.map((e) => [e.appliedObjs.length, e.deletedObjs.length])).toEqual([
        [0, 0],
        [1, 0],
        [0, 1],
      ]);
      expect(trace.events[1]?.appliedObjs[0]?.kind).toBe('CronJob');
      expect(trace.events[2]?.deletedObjs[0]?.metadata.name).toBe('hello-simkube');
      expect(trace.podLifecycles).toHaveLength(1);
      const [owner, lifecycles] = trace.podLifecycles[0]!;
      expect(owner).toEqual(['batch/v1.CronJob', 'default/hello-simkube']);
      const all = [...lifecycles.values()].flat();
      expect(all).toHaveLength(3);
      for (const lifecycle of all) {
        if (typeof lifecycle !== 'object' || !('Finished' in lifecycle)) throw new Error('expected Finished');
        expect(lifecycle.Finished[1] - lifecycle.Finished[0]).toBe(30);
      }
      expect([...lifecycles.keys()]).toEqual([10855072724872030168n]);
    }
  });

  it('the older cronjob writer uses the singular podSpecTemplatePath, kept as written', () => {
    const older = decodeTrace(readSharedTrace('cronjob.v2-2025-03-353dc49.sktrace'));
    expect(older.config.trackedObjects['batch/v1.CronJob']).toEqual({
      podSpecTemplatePath: '/spec/jobTemplate/spec/template',
      trackLifecycle: true,
    });
    const newer = decodeTrace(readSharedTrace('cronjob.sktrace'));
    expect(newer.config.trackedObjects['batch/v1.CronJob']).toEqual({ trackLifecycle: true });
  });

  it('bare-pods: four Pods in testing, three Finished and one Running', () => {
    const trace = decodeTrace(readSharedTrace('bare-pods.sktrace'));
    expect(trace.config.trackedObjects).toEqual({
      'v1.Pod': { podSpecTemplatePaths: [''], trackLifecycle: true, skipOwned: true },
    });
    const pods = objectsOf(trace, 'Pod');
    expect(pods).toHaveLength(4);
    for (const pod of pods) expect(pod.metadata.namespace).toBe('testing');
    const lifecycles = trace.podLifecycles.flatMap(([, perHash]) => [...perHash.values()].flat());
    expect(lifecycles.filter((l) => typeof l === 'object' && 'Finished' in l)).toHaveLength(3);
    expect(lifecycles.filter((l) => typeof l === 'object' && 'Running' in l)).toEqual([
      { Running: 1781282631 },
    ]);
    for (const [owner] of trace.podLifecycles) expect(owner[0]).toBe('v1.Pod');
  });

  it('test.7aa8719: 13 Deployments and 2 StatefulSets', () => {
    const trace = decodeTrace(readSharedTrace('test.7aa8719.sktrace'));
    expect(Object.keys(trace.index['apps/v1.Deployment'] ?? {})).toHaveLength(13);
    expect(Object.keys(trace.index['apps/v1.StatefulSet'] ?? {})).toHaveLength(2);
    const names = objectsOf(trace, 'Deployment').map((o) => o.metadata.name);
    expect(names).toContain('coredns');
    expect(names).toContain('grafana');
  });
});

describe('unknown data survives', () => {
  it('keeps unknown fields of objects and tracked-object configs through msgpack and JSON', () => {
    const trace = decodeTrace(readSharedTrace('cronjob.sktrace'));
    const cronJob = trace.events[1]!.appliedObjs[0]!;
    cronJob.futureField = {
      nested: [1, 'two', null, true, 2.5, 18446744073709551615n, -9223372036854775808n],
    };
    cronJob.spec = { ...(cronJob.spec as JsonObject), '10': 'ten', b: 'bee', '2': 'two' };
    trace.config.trackedObjects['batch/v1.CronJob']!.futureFlag = { on: true };
    for (const back of [decodeTrace(encodeTrace(trace)), decodeTraceJson(encodeTraceJson(trace))]) {
      expect(back).toEqual(trace);
      expect(back.events[1]!.appliedObjs[0]!.futureField).toEqual(cronJob.futureField);
      expect(back.config.trackedObjects['batch/v1.CronJob']!.futureFlag).toEqual({ on: true });
    }
  });

  it('keeps the file order of integer-like keys, which JavaScript objects would reorder', () => {
    const bytes = editRaw('cronjob.sktrace', (top) => {
      const cronJob = asMap(asArray(asMap(asArray(top.get('events'))[1]).get('applied_objs'))[0]);
      cronJob.set(
        'data',
        new Map<unknown, unknown>([
          ['z', 1],
          ['10', 2],
          ['__proto__', 3],
          ['2', 4],
        ]),
      );
    });
    const trace = decodeTrace(bytes);
    const data = trace.events[1]!.appliedObjs[0]!.data as JsonObject;
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Buffer.from(encodeTrace(trace)).equals(Buffer.from(bytes))).toBe(true);
    const json = encodeTraceJson(trace);
    expect(json.indexOf('"z"')).toBeLessThan(json.indexOf('"10"'));
    expect(json.indexOf('"10"')).toBeLessThan(json.indexOf('"2"'));
  });

  it('decodes from a view into a larger buffer and keeps small integers as numbers', () => {
    const bytes = readSharedTrace('cronjob.sktrace');
    const larger = new Uint8Array(bytes.length + 20);
    larger.set(bytes, 7);
    const view = larger.subarray(7, 7 + bytes.length);
    expect(decodeTrace(view)).toEqual(decodeTrace(bytes));
    expect(decodeMsgpackValue(encodeMsgpackValue([[0, 63, 64, 100, 127, -1, -32, 2 ** 32]]))).toEqual([
      [0, 63, 64, 100, 127, -1, -32, 4294967296n],
    ]);
  });

  it('validates a model without copying it and rejects values that are not JSON-like', () => {
    const trace = decodeTrace(readSharedTrace('cronjob.sktrace'));
    expect(validateTrace(trace, { file: 'model' })).toBe(trace);
    const cronJob = trace.events[1]!.appliedObjs[0]!;
    Object.assign(cronJob, { when: new Date(0) });
    expectTraceError(
      () => validateTrace(trace, { file: 'model' }),
      'INVALID_TRACE',
      'model: events[1].applied_objs[0].when: expected JSON-like data, got a Date',
    );
    Object.assign(cronJob, { when: 1n << 70n });
    expectTraceError(
      () => encodeTrace(trace),
      'INVALID_TRACE',
      'when: integer 1180591620717411303424 does not fit',
    );
  });

  it('writes integers the way SimKube does: smallest form, uint64 for large hashes', () => {
    const cases: [unknown, number[]][] = [
      [0, [0x00]],
      [127, [0x7f]],
      [128, [0xcc, 0x80]],
      [65535, [0xcd, 0xff, 0xff]],
      [4294967295, [0xce, 0xff, 0xff, 0xff, 0xff]],
      [4294967296, [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]],
      [0x7fffffffffffffffn, [0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
      [18446744073709551615n, [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
      [5n, [0x05]],
      [-1, [0xff]],
      [-33, [0xd0, 0xdf]],
      [-129, [0xd1, 0xff, 0x7f]],
      [-32769, [0xd2, 0xff, 0xff, 0x7f, 0xff]],
      [-2147483649, [0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]],
      [1.5, [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]],
    ];
    for (const [value, expected] of cases)
      expect([...encodeMsgpackValue(value)], String(value)).toEqual(expected);
    expect(() => encodeMsgpackValue(1n << 64n)).toThrow(TraceFormatError);
  });
});

describe('JSON reading keeps numbers exact', () => {
  it('parses integers beyond 2^53 as bigint and the rest as numbers', () => {
    expect(
      parseJsonValue(
        '[9007199254740991, 9007199254740993, -9223372036854775808, 18446744073709551615, 1.5, -0.25e2, 0, 123456789012345678901234]',
      ),
    ).toEqual([
      9007199254740991,
      9007199254740993n,
      -9223372036854775808n,
      18446744073709551615n,
      1.5,
      -25,
      0,
      Number('123456789012345678901234'),
    ]);
  });

  it('parses strings, escapes, nesting and key order', () => {
    const value = parseJsonValue(
      ' {"b": "x\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00", "a": [true, false, null, {}], "b2": []} ',
    );
    expect(value).toEqual(
      new Map<string, unknown>([
        ['b', 'x"\\/\b\f\n\r\té😀'],
        ['a', [true, false, null, new Map()]],
        ['b2', []],
      ]),
    );
  });

  it('rejects malformed JSON with line and column', () => {
    const bad: [string, string][] = [
      ['{"version": 2,', 'line 1 column 15'],
      ['{"a": 01}', "expected ',' or '}'"],
      ['{"a": 1,}', 'expected a string key'],
      ['[1 2]', "expected ',' or ']'"],
      ['{"a": "\u0001"}', 'control character'],
      ['{"a": "\\x"}', 'invalid escape'],
      ['{"a": "\\ud800"}', 'lone high surrogate'],
      ['{"a": tru}', 'expected a JSON value'],
      ['{"a": 1e999}', 'out of range'],
      ['{"a": -}', 'expected a digit'],
      ['{"a": 1.}', 'decimal point'],
      ['{"a": "abc', 'never ends'],
      ['{}\n{}', 'line 2 column 1'],
    ];
    for (const [text, fragment] of bad) {
      expectTraceError(() => decodeTraceJson(text, { file: 'bad.json' }), 'NOT_JSON', 'bad.json: ', fragment);
    }
    expectTraceError(() => decodeTraceJson(' \n', { file: 'blank.json' }), 'EMPTY_FILE', 'blank.json');
    expectTraceError(() => parseJsonValue('['.repeat(100_000)), 'TOO_DEEP');
  });
});

describe('format detection', () => {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const version = (n: number) => packr.pack(new Map<string, unknown>([['version', n]]));

  it('tells format 2, pre-2.0 and other versions apart', () => {
    expect(detectTraceFormat(version(2))).toBe('v2');
    expect(detectTraceFormat(version(3))).toEqual({ version: 3 });
    expect(detectTraceFormat(version(7))).toEqual({ version: 7 });
    expect(detectTraceFormat(packr.pack([{}, [], {}, {}]))).toBe('pre-2.0');
    expect(detectTraceFormat(utf8.encode('{"version": 7}'))).toEqual({ version: 7 });
    expectTraceError(
      () => detectTraceFormat(packr.pack([1, 2]), { file: 'two.sktrace' }),
      'INVALID_TRACE',
      'two.sktrace',
    );
    expectTraceError(() => detectTraceFormat(packr.pack({ a: 1 })), 'INVALID_TRACE', 'version: missing');
    expectTraceError(
      () => detectTraceFormat(packr.pack({ version: 'two' })),
      'INVALID_TRACE',
      'version: expected',
    );
  });

  it('rejects pre-2.0 traces and suggests the upgrade command', () => {
    expectTraceError(
      () => decodeTrace(packr.pack([{ trackedObjects: {} }, [], {}, {}]), { file: 'old.sktrace' }),
      'PRE_2_0_FORMAT',
      'old.sktrace: ',
      'SimKube 1.1.1 or older',
      'sim-arena trace upgrade old.sktrace',
    );
  });

  it('rejects format 3, naming what changed', () => {
    expectTraceError(
      () => decodeTrace(version(3), { file: 'new.sktrace' }),
      'UNSUPPORTED_VERSION',
      'new.sktrace: ',
      'version 3',
      'tracked_objects',
      'replaces `index`',
    );
  });

  it('rejects other versions, naming the releases that write format 2', () => {
    expectTraceError(
      () => decodeTrace(version(7), { file: 'v7.sktrace' }),
      'UNSUPPORTED_VERSION',
      'v7.sktrace: ',
      'version 7',
      'SimKube 2.0.0 through 2.7.0',
    );
    expectTraceError(
      () => decodeTraceJson('{"version": 1}', { file: 'v1.json' }),
      'UNSUPPORTED_VERSION',
      'v1.json',
    );
  });
});

describe('bad input fails fast with TraceFormatError', () => {
  const file = 'test.sktrace';

  it('empty input', () => {
    expectTraceError(() => decodeTrace(new Uint8Array(0), { file }), 'EMPTY_FILE', `${file}: `);
    expectTraceError(() => detectTraceFormat(new Uint8Array(0), { file }), 'EMPTY_FILE', file);
  });

  it('input that is not msgpack', () => {
    expectTraceError(
      () => decodeTrace(utf8.encode('hello world'), { file }),
      'NOT_MSGPACK',
      `${file}: `,
      '0x68',
    );
    expectTraceError(
      () => decodeTrace(readSharedTrace(JSON_TRACE), { file }),
      'NOT_MSGPACK',
      'looks like JSON',
    );
    expectTraceError(() => decodeTrace(new Uint8Array([0x91, 0xc1]), { file }), 'NOT_MSGPACK', '0xc1');
    expectTraceError(
      () => decodeTrace(new Uint8Array([0x91, 0xd4, 0x72, 0x00]), { file }),
      'INVALID_TRACE',
      'extension',
    );
    expectTraceError(
      () => decodeTrace(new Uint8Array([0x81, 0xa1, 0xff, 0x00]), { file }),
      'INVALID_TRACE',
      'UTF-8',
    );
  });

  it('every truncation of every shared msgpack trace', () => {
    for (const name of MSGPACK_TRACES) {
      const bytes = readSharedTrace(name);
      for (let length = 1; length < bytes.length; length++) {
        let caught: unknown;
        try {
          decodeTrace(bytes.subarray(0, length), { file: name });
        } catch (error) {
          caught = error;
        }
        if (
          !(caught instanceof TraceFormatError) ||
          caught.code !== 'TRUNCATED' ||
          !caught.message.startsWith(name)
        ) {
          throw new Error(`${name} cut to ${length} bytes: ${String(caught)}`);
        }
      }
    }
  });

  it('a huge length prefix', () => {
    const huge: [number[], string][] = [
      [[0xdd, 0x7f, 0xff, 0xff, 0xff], 'an array of 2147483647 elements'],
      [[0xdf, 0xff, 0xff, 0xff, 0xff, 0x00], 'a map of 4294967295 entries'],
      [[0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41], 'declares 4294967295 bytes'],
      [[0x91, 0xc6, 0x7f, 0xff, 0xff, 0xff], 'declares 2147483647 bytes'],
      [
        [
          0x82,
          0xa7,
          ...utf8.encode('version'),
          0x02,
          0xa6,
          ...utf8.encode('events'),
          0xdd,
          0x7f,
          0xff,
          0xff,
          0xff,
        ],
        'elements',
      ],
    ];
    for (const [bytes, fragment] of huge) {
      const started = performance.now();
      expectTraceError(
        () => decodeTrace(new Uint8Array(bytes), { file }),
        'TRUNCATED',
        `${file}: `,
        fragment,
      );
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('deep nesting and trailing bytes', () => {
    const started = performance.now();
    expectTraceError(() => decodeTrace(new Uint8Array(1_000_000).fill(0x91), { file }), 'TOO_DEEP', file);
    expect(performance.now() - started).toBeLessThan(200);
    const bytes = readSharedTrace('cronjob.sktrace');
    const longer = new Uint8Array([...bytes, 0x00]);
    expectTraceError(() => decodeTrace(longer, { file }), 'TRAILING_BYTES', `${file}: 1 unexpected bytes`);
  });

  it('oversized input', () => {
    expectTraceError(
      () => decodeTrace(readSharedTrace('cronjob.sktrace'), { file, maxBytes: 100 }),
      'TOO_LARGE',
      'more than the limit of 100',
    );
  });

  it('wrong types, with the field path in the message', () => {
    const name = 'cronjob.sktrace';
    const wrong: [(top: Map<unknown, unknown>) => void, string][] = [
      [
        (top) => asMap(asArray(top.get('events'))[1]).set('ts', 'abc'),
        'events[1].ts: expected an integer (unix seconds), got "abc"',
      ],
      [(top) => asMap(asArray(top.get('events'))[1]).set('ts', 1.5), 'events[1].ts: expected an integer'],
      [
        (top) => asMap(asArray(top.get('events'))[1]).set('applied_objs', 'x'),
        'events[1].applied_objs: expected an array',
      ],
      [
        (top) => asArray(asMap(asArray(top.get('events'))[1]).get('applied_objs')).push('pod'),
        'events[1].applied_objs[1]: expected a Kubernetes object',
      ],
      [
        (top) =>
          asMap(asArray(asMap(asArray(top.get('events'))[1]).get('applied_objs'))[0]).set('metadata', 5),
        'events[1].applied_objs[0].metadata: expected a map, got 5',
      ],
      [
        (top) => asMap(asArray(asMap(asArray(top.get('events'))[1]).get('applied_objs'))[0]).set('kind', 5),
        'events[1].applied_objs[0].kind: expected a string',
      ],
      [
        (top) =>
          asMap(asArray(asMap(asArray(top.get('events'))[1]).get('applied_objs'))[0]).set(
            'spec',
            new Map([[1, 2]]),
          ),
        'events[1].applied_objs[0].spec: has the map key 1',
      ],
      [
        (top) => asMap(asMap(top.get('index')).get('batch/v1.CronJob')).set('default/hello-simkube', 'abc'),
        'index["batch/v1.CronJob"]["default/hello-simkube"]: expected an unsigned 64-bit integer (a hash), got "abc"',
      ],
      [
        (top) => asMap(asMap(top.get('index')).get('batch/v1.CronJob')).set('default/hello-simkube', -5),
        'index["batch/v1.CronJob"]["default/hello-simkube"]: expected an unsigned 64-bit integer',
      ],
      [
        (top) => asMap(top.get('index')).set('not-a-gvk', new Map()),
        'index["not-a-gvk"]: invalid key: expected a GVK of the form group/version.Kind',
      ],
      [(top) => top.set('version', 2).set('config', 'x'), 'config: expected the tracer config'],
      [
        (top) =>
          asMap(asMap(top.get('config')).get('trackedObjects')).set(
            'batch/v1.CronJob',
            new Map([['trackLifecycle', 'yes']]),
          ),
        'config.trackedObjects["batch/v1.CronJob"].trackLifecycle: expected true or false, got "yes"',
      ],
      [
        (top) => {
          const perHash = asMap([...asMap(top.get('pod_lifecycles')).values()][0]);
          asArray([...perHash.values()][0])[1] = new Map([['Finished', [1, 'x']]]);
        },
        'pod_lifecycles[0].value["10855072724872030168"][1].Finished[1]: expected an integer',
      ],
      [
        (top) => {
          const perHash = asMap([...asMap(top.get('pod_lifecycles')).values()][0]);
          asArray([...perHash.values()][0])[0] = 'Done';
        },
        'pod_lifecycles[0].value["10855072724872030168"][0]: expected "Empty", { Running: start } or { Finished: [start, end] }, got "Done"',
      ],
      [
        (top) => {
          const lifecycles = asMap(top.get('pod_lifecycles'));
          const [owner] = [...lifecycles.keys()];
          asArray(owner)[0] = 7;
        },
        'pod_lifecycles[0].key[0]: expected a GVK string',
      ],
      [
        (top) => top.set('pod_lifecycles', new Map([['v1.Pod', new Map()]])),
        'pod_lifecycles: has the string key "v1.Pod"',
      ],
      [(top) => top.set('extra', 1), 'unknown field "extra"'],
      [(top) => asMap(asArray(top.get('events'))[0]).set('extra', 1), 'events[0]: unknown field "extra"'],
      [(top) => top.set('events', [new Uint8Array([1, 2])]), 'events[0]: holds 2 bytes of binary data'],
    ];
    for (const [edit, message] of wrong) {
      expectTraceError(
        () => decodeTrace(editRaw(name, edit), { file: 'test.sktrace' }),
        'INVALID_TRACE',
        `test.sktrace: ${message}`,
      );
    }
  });

  it('missing fields', () => {
    const missing: [(top: Map<unknown, unknown>) => void, string][] = [
      [(top) => top.delete('index'), 'index: missing; expected the index'],
      [(top) => top.delete('events'), 'events: missing'],
      [(top) => top.delete('pod_lifecycles'), 'pod_lifecycles: missing'],
      [(top) => asMap(top.get('config')).delete('trackedObjects'), 'config.trackedObjects: missing'],
      [
        (top) => asMap(asArray(top.get('events'))[2]).delete('ts'),
        'events[2].ts: missing; expected an integer',
      ],
      [
        (top) => asMap(asArray(top.get('events'))[2]).delete('deleted_objs'),
        'events[2].deleted_objs: missing',
      ],
      [
        (top) =>
          asMap(asArray(asMap(asArray(top.get('events'))[2]).get('deleted_objs'))[0]).delete('metadata'),
        'events[2].deleted_objs[0].metadata: missing',
      ],
    ];
    for (const [edit, message] of missing) {
      expectTraceError(
        () => decodeTrace(editRaw('cronjob.sktrace', edit), { file: 'test.sktrace' }),
        'INVALID_TRACE',
        `test.sktrace: ${message}`,
      );
    }
  });

  it('bad JSON traces', () => {
    expectTraceError(
      () => decodeTraceJson('{"version": 2, "config": ', { file: 'x.json' }),
      'NOT_JSON',
      'x.json: line 1',
    );
    expectTraceError(
      () =>
        decodeTraceJson(
          '{"version": 2, "config": {"trackedObjects": {}}, "events": [{"ts": "abc", "applied_objs": [], "deleted_objs": []}], "index": {}, "pod_lifecycles": {}}',
          { file: 'x.json' },
        ),
      'INVALID_TRACE',
      'x.json: events[0].ts: expected an integer (unix seconds), got "abc"',
    );
    expectTraceError(
      () =>
        decodeTraceJson(
          '{"version": 2, "config": {"trackedObjects": {}}, "events": [], "index": {}, "pod_lifecycles": {"x": {}}}',
          { file: 'x.json' },
        ),
      'INVALID_TRACE',
      'pod_lifecycles: has the string key "x"',
    );
  });

  it('encoding an invalid model reports the field', () => {
    const trace = decodeTrace(readSharedTrace('cronjob.sktrace'));
    trace.events[0]!.ts = Number.NaN;
    expectTraceError(
      () => encodeTrace(trace, { file: 'out.sktrace' }),
      'INVALID_TRACE',
      'out.sktrace: events[0].ts',
    );
    trace.events[0]!.ts = 1;
    trace.podLifecycles[0]![1].set(-1n, []);
    expectTraceError(() => encodeTraceJson(trace), 'INVALID_TRACE', 'pod_lifecycles[0].value');
  });

  it('formats paths the way a reader writes them', () => {
    expect(formatTracePath(['events', 3, 'ts'])).toBe('events[3].ts');
    expect(formatTracePath(['index', 'apps/v1.Deployment', 'default/web'])).toBe(
      'index["apps/v1.Deployment"]["default/web"]',
    );
  });
});

describe('trace files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-arena-trace-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads all six shared traces, choosing the format by content', async () => {
    for (const name of ALL_TRACES) {
      const trace = await readTraceFile(sharedTracePath(name));
      expect(trace.version).toBe(2);
    }
  });

  it('writes and reads back both formats whatever the file is called', async () => {
    const trace = decodeTrace(readSharedTrace('bare-pods.sktrace'));
    const asJson = join(dir, 'trace.sktrace');
    await writeTraceFile(asJson, trace, { format: 'json' });
    expect(sniffTraceFileFormat(await readFile(asJson))).toBe('json');
    expect(await readTraceFile(asJson)).toEqual(trace);

    const asMsgpack = join(dir, 'trace.json');
    await writeTraceFile(asMsgpack, trace, { format: 'msgpack' });
    expect(
      Buffer.from(await readFile(asMsgpack)).equals(Buffer.from(readSharedTrace('bare-pods.sktrace'))),
    ).toBe(true);
    expect(await readTraceFile(asMsgpack)).toEqual(trace);

    const byExtension = join(dir, 'default.json');
    await writeTraceFile(byExtension, trace);
    expect(decodeTraceFile(await readFile(byExtension))).toEqual(trace);
  });

  it('reports unreadable, empty and oversized files with their name', async () => {
    const missing = join(dir, 'missing.sktrace');
    await expectTraceErrorAsync(() => readTraceFile(missing), 'IO_ERROR', missing);
    await expectTraceErrorAsync(() => readTraceFile(dir), 'IO_ERROR', 'not a regular file');
    const empty = join(dir, 'empty.sktrace');
    await writeFile(empty, new Uint8Array(0));
    await expectTraceErrorAsync(() => readTraceFile(empty), 'EMPTY_FILE', empty);
    await expectTraceErrorAsync(
      () => readTraceFile(sharedTracePath('test.7aa8719.sktrace'), { maxBytes: 1000 }),
      'TOO_LARGE',
      'test.7aa8719.sktrace',
    );
    const badUtf8 = join(dir, 'bad.json');
    await writeFile(badUtf8, new Uint8Array([0x7b, 0xff, 0x7d]));
    await expectTraceErrorAsync(() => readTraceFile(badUtf8), 'NOT_JSON', 'UTF-8');
    await expectTraceErrorAsync(
      () =>
        writeTraceFile(
          join(dir, 'no-such-dir', 'x.sktrace'),
          decodeTrace(readSharedTrace('cronjob.sktrace')),
        ),
      'IO_ERROR',
      'no-such-dir',
    );
  });
});

describe('upgrading pre-2.0 traces', () => {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const old = handMadePre2Trace();
  const deployment = pre2Deployment;

  it('is recognised as pre-2.0', () => {
    expect(detectTraceFormat(old)).toBe('pre-2.0');
    expectTraceError(
      () => decodeTrace(old, { file: 'old.sktrace' }),
      'PRE_2_0_FORMAT',
      'sim-arena trace upgrade old.sktrace',
    );
  });

  it('becomes a valid format-2 trace', () => {
    const warnings: string[] = [];
    const trace = upgradePre2Trace(old, { file: 'old.sktrace', onWarning: (w) => warnings.push(w) });
    expect(trace.config.trackedObjects).toEqual({
      'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] },
      'v1.Pod': { trackLifecycle: true },
    });
    expect(trace.index).toEqual({
      'apps/v1.Deployment': { 'default/web': 12345678901234567890n },
      'v1.Pod': { 'testing/bare': 42n },
    });
    expect(trace.podLifecycles).toEqual([
      [
        ['v1.Pod', 'testing/bare'],
        new Map([[9876543210987654321n, [{ Finished: [101, 131] }, 'Empty', { Running: 140 }]]]),
      ],
    ]);
    expect(trace.events.map((e) => e.ts)).toEqual([100, 160]);
    expect(trace.events[0]?.appliedObjs[0]).toEqual(deployment('web', 2));
    expect(warnings).toEqual([
      'index entry "default/gone" appears in no event and the config tracks 2 kinds; dropped',
    ]);
    const bytes = encodeTrace(trace);
    expect(detectTraceFormat(bytes)).toBe('v2');
    expect(decodeTrace(bytes)).toEqual(trace);
  });

  it('gives a name no event mentions to the only tracked kind', () => {
    const single = packr.pack([
      { trackedObjects: { 'apps/v1.Deployment': { podSpecTemplatePath: '/spec/template' } } },
      [{ ts: 1, applied_objs: [], deleted_objs: [] }],
      { 'default/gone': 7 },
      {},
    ]);
    const warnings: string[] = [];
    const trace = upgradePre2Trace(single, { onWarning: (w) => warnings.push(w) });
    expect(trace.index).toEqual({ 'apps/v1.Deployment': { 'default/gone': 7n } });
    expect(warnings).toHaveLength(1);
  });

  it('refuses traces that are not pre-2.0', () => {
    expectTraceError(
      () => upgradePre2Trace(readSharedTrace('cronjob.sktrace'), { file: 'cronjob.sktrace' }),
      'UPGRADE_FAILED',
      'cronjob.sktrace: is already a versioned trace',
    );
    expectTraceError(() => upgradePre2Trace(packr.pack([1, 2])), 'UPGRADE_FAILED', '4-element');
    expectTraceError(() => upgradePre2Trace(packr.pack([1, [], {}, {}])), 'UPGRADE_FAILED', 'the config');
    expectTraceError(() => upgradePre2Trace(new Uint8Array(0)), 'EMPTY_FILE');
  });
});
