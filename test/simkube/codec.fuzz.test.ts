/**
 * Fuzzing of the trace decoders: whatever the input, decoding either gives a valid trace or throws TraceFormatError —
 * never another error, never slowly. Seeds are fixed so that runs are reproducible.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeTrace,
  decodeTraceJson,
  encodeTrace,
  encodeTraceJson,
} from '../../envs/simkube/trace/codec.js';
import { TraceFormatError } from '../../envs/simkube/trace/errors.js';
import { decodeMsgpackValue } from '../../envs/simkube/trace/msgpack-read.js';
import { encodeMsgpackValue } from '../../envs/simkube/trace/msgpack-write.js';
import type { Trace } from '../../envs/simkube/trace/schema.js';
import { JSON_TRACE, MSGPACK_TRACES, readSharedTrace } from './fixtures.js';

const stats = { cases: 0, totalMs: 0, maxMs: 0, decoded: 0, rejected: 0 };

/** Decoding must give a trace that round-trips, or a TraceFormatError; anything else fails the property. */
function decodesOrRejects(decode: () => Trace): void {
  const started = performance.now();
  let trace: Trace | undefined;
  try {
    trace = decode();
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error;
  } finally {
    const elapsed = performance.now() - started;
    stats.cases++;
    stats.totalMs += elapsed;
    stats.maxMs = Math.max(stats.maxMs, elapsed);
  }
  if (trace === undefined) {
    stats.rejected++;
    return;
  }
  stats.decoded++;
  expect(decodeTrace(encodeTrace(trace))).toEqual(trace);
}

const traces = MSGPACK_TRACES.map((name) => ({ name, bytes: readSharedTrace(name) }));
/** The smaller traces, for the costlier structural mutations. */
const smallTraces = traces.filter((t) => t.bytes.length < 10_000);

const CONTAINER_MARKERS = [0x80, 0x81, 0x85, 0x8f, 0x90, 0x94, 0x9f, 0xdc, 0xdd, 0xde, 0xdf];

type ByteOp =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

function applyByteOp(bytes: Uint8Array, op: ByteOp): Uint8Array {
  if (bytes.length === 0) return bytes;
  const at = op.at % bytes.length;
  switch (op.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at] = out[at]! ^ (1 << op.bit);
      return out;
    }
    case 'insert': {
      const out = new Uint8Array(bytes.length + 1);
      out.set(bytes.subarray(0, at));
      out[at] = op.byte;
      out.set(bytes.subarray(at), at + 1);
      return out;
    }
    case 'delete': {
      const end = Math.min(bytes.length, at + op.length);
      const out = new Uint8Array(bytes.length - (end - at));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(end), at);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'overwrite': {
      const out = bytes.slice();
      out.set(op.bytes.subarray(0, out.length - at), at);
      return out;
    }
  }
}

/** A place in a raw decoded value: an array element or a map entry. */
interface Slot {
  parent: unknown[] | Map<unknown, unknown>;
  key: unknown;
}

function slotsOf(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push({ parent: value, key: i });
      slotsOf(item, out);
    });
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      out.push({ parent: value, key });
      slotsOf(item, out);
    }
  }
  return out;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const replacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    'abc',
    '',
    null,
    true,
    0,
    -1,
    (1n << 64n) - 1n,
    -(1n << 63n),
    (1n << 53n) + 1n,
    2 ** 40,
    1e308,
    [],
    new Map(),
    new Map<unknown, unknown>([[1, 2]]),
    new Map<unknown, unknown>([[['v1.Pod', 'ns/name'], 'x']]),
    new Uint8Array([1, 2, 3]),
    'Empty',
    new Map<unknown, unknown>([['Running', 'soon']]),
    new Map<unknown, unknown>([['Finished', [1]]]),
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1, max: 300 }).map(nested),
);

type StructuralOp =
  | { kind: 'delete'; slot: number }
  | { kind: 'replace'; slot: number; value: unknown }
  | { kind: 'insert'; slot: number; value: unknown }
  | { kind: 'swap'; slot: number; other: number };

const structuralOp: fc.Arbitrary<StructuralOp> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), slot: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), slot: fc.nat(), value: replacement }),
  fc.record({ kind: fc.constant('insert' as const), slot: fc.nat(), value: replacement }),
  fc.record({ kind: fc.constant('swap' as const), slot: fc.nat(), other: fc.nat() }),
);

function getSlot(slot: Slot): unknown {
  return slot.parent instanceof Map ? slot.parent.get(slot.key) : slot.parent[slot.key as number];
}

function setSlot(slot: Slot, value: unknown): void {
  if (slot.parent instanceof Map) slot.parent.set(slot.key, value);
  else slot.parent[slot.key as number] = value;
}

function applyStructuralOp(root: unknown, op: StructuralOp): void {
  const slots = slotsOf(root);
  if (slots.length === 0) return;
  const slot = slots[op.slot % slots.length]!;
  switch (op.kind) {
    case 'delete':
      if (slot.parent instanceof Map) slot.parent.delete(slot.key);
      else slot.parent.splice(slot.key as number, 1);
      return;
    case 'replace':
      setSlot(slot, structuredClone(op.value));
      return;
    case 'insert':
      if (slot.parent instanceof Map) slot.parent.set(`fuzz-${op.slot}`, structuredClone(op.value));
      else slot.parent.push(structuredClone(op.value));
      return;
    case 'swap':
      setSlot(slot, structuredClone(getSlot(slots[op.other % slots.length]!)));
      return;
  }
}

const jsonText = Buffer.from(readSharedTrace(JSON_TRACE)).toString('utf8');
const cronJobJson = encodeTraceJson(decodeTrace(readSharedTrace('cronjob.sktrace')));

type TextOp =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        '"',
        ',',
        ':',
        '\\',
        '-',
        '.',
        'e',
        '0',
        '9',
        'null',
        '1e999',
        '\\u',
        ' ',
      ),
      fc.string({ maxLength: 6 }),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyTextOp(text: string, op: TextOp): string {
  const at = text.length === 0 ? 0 : op.at % text.length;
  switch (op.kind) {
    case 'insert':
      return text.slice(0, at) + op.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + op.length);
    case 'truncate':
      return text.slice(0, at);
  }
}

describe('decoding never fails badly', () => {
  afterAll(() => {
    const mean = stats.totalMs / Math.max(stats.cases, 1);
    console.info(
      `trace fuzz: ${stats.cases} cases (${stats.decoded} decoded, ${stats.rejected} rejected), ` +
        `mean ${mean.toFixed(3)} ms, max ${stats.maxMs.toFixed(1)} ms`,
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRejects(() => decodeTrace(bytes))),
      { numRuns: 2500, seed: 11 },
    );
  });

  it('random bytes behind a map or array header', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTAINER_MARKERS), fc.uint8Array({ maxLength: 300 }), (marker, rest) =>
        decodesOrRejects(() => decodeTrace(new Uint8Array([marker, ...rest]))),
      ),
      { numRuns: 2500, seed: 12 },
    );
  });

  it('truncations, bit flips, insertions and deletions of the real traces', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...traces),
        fc.array(byteOp, { minLength: 1, maxLength: 4 }),
        (trace, ops) => {
          const bytes = ops.reduce(applyByteOp, trace.bytes);
          decodesOrRejects(() => decodeTrace(bytes));
        },
      ),
      { numRuns: 3000, seed: 13 },
    );
  });

  it('structural mutations of the decoded real traces', () => {
    const raws = smallTraces.map((t) => decodeMsgpackValue(t.bytes));
    fc.assert(
      fc.property(
        fc.nat({ max: raws.length - 1 }),
        fc.array(structuralOp, { minLength: 1, maxLength: 3 }),
        (which, ops) => {
          const root = structuredClone(raws[which]);
          for (const op of ops) applyStructuralOp(root, op);
          const bytes = encodeMsgpackValue(root);
          decodesOrRejects(() => decodeTrace(bytes));
        },
      ),
      { numRuns: 2000, seed: 14 },
    );
  });

  it('edits of JSON traces', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(jsonText, cronJobJson),
        fc.array(textOp, { minLength: 1, maxLength: 3 }),
        (text, ops) => {
          const edited = ops.reduce(applyTextOp, text);
          decodesOrRejects(() => decodeTraceJson(edited));
        },
      ),
      { numRuns: 1000, seed: 15 },
    );
  });

  it('random JSON documents and random values in trace fields', () => {
    const fields = ['version', 'config', 'events', 'index', 'pod_lifecycles'];
    const base: unknown = JSON.parse(jsonText);
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...fields, 'whole'), (value, where) => {
        const document = where === 'whole' ? value : { ...(base as object), [where]: value };
        const text = JSON.stringify(document) ?? 'null';
        decodesOrRejects(() => decodeTraceJson(text));
      }),
      { numRuns: 1000, seed: 16 },
    );
  });

  it('ran at least 10,000 cases, each within a few milliseconds', () => {
    expect(stats.cases).toBeGreaterThanOrEqual(10_000);
    expect(stats.totalMs / stats.cases).toBeLessThan(5);
    expect(stats.maxMs).toBeLessThan(250);
  });
});
