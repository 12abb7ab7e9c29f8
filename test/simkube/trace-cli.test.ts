/** `sim-arena trace …` run as users run it: real child processes over real and hand-made trace files. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceFile } from '../../envs/simkube/trace/codec.js';
import { TraceMetaSchema } from '../../envs/simkube/trace/trace-meta.js';
import { listWorkloads } from '../../envs/simkube/trace/workloads.js';
import { handMadePre2Trace, readSharedTrace, sharedTracePath } from './fixtures.js';

function cli(...args: string[]) {
  return execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'trace', ...args], {
    reject: false,
    timeout: 120_000,
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-arena-trace-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trace inspect', () => {
  it('shows every workload of a real trace with requests and replicas over time', async () => {
    const { stdout, exitCode } = await cli('inspect', sharedTracePath('no_skel.9fda02f.sktrace'));
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/SimKube trace format 2, 3 events/);
    expect(stdout).toMatch(/time: .* \(1509 s\)/);
    expect(stdout).toMatch(/Deployment default\/medium-service: replicas 12@\+281s → 2@\+1509s/);
    expect(stdout).toMatch(
      /StatefulSet default\/database: replicas 2@\+281s\n {6}db: requests cpu=300m memory=512Mi/,
    );
    expect(stdout).toMatch(
      /Deployment default\/large-service: replicas 1@\+1509s\n {6}nginx: requests cpu=3 memory=2Gi/,
    );
  });

  it('prints JSON for every shared trace, matching the library', async () => {
    for (const name of [
      'bare-pods.sktrace',
      'cronjob.sktrace',
      'test.7aa8719.sktrace',
      'testutils-trace.json',
    ] as const) {
      const { stdout } = await cli('inspect', sharedTracePath(name), '--json');
      const summary = JSON.parse(stdout) as { workloads: { key: string }[] };
      const expected = listWorkloads(await readTraceFile(sharedTracePath(name))).map((w) => w.key);
      expect(summary.workloads.map((w) => w.key)).toEqual(expected);
    }
  });
});

describe('trace convert and validate', () => {
  it('converts msgpack → JSON → msgpack back to the same bytes', async () => {
    const json = join(dir, 'no_skel.json');
    const back = join(dir, 'no_skel.sktrace');
    expect(
      (await cli('convert', sharedTracePath('no_skel.9fda02f.sktrace'), '--to', 'json', '--out', json))
        .exitCode,
    ).toBe(0);
    expect((await cli('convert', json, '--to', 'msgpack', '--out', back)).exitCode).toBe(0);
    expect(new Uint8Array(await readFile(back))).toEqual(readSharedTrace('no_skel.9fda02f.sktrace'));
  });

  it('validates files with one line each and exit code 1 when any fails', async () => {
    const bad = join(dir, 'bad.sktrace');
    await writeFile(bad, new Uint8Array([0x93, 0x01]));
    const good = await cli(
      'validate',
      sharedTracePath('cronjob.sktrace'),
      sharedTracePath('testutils-trace.json'),
    );
    expect(good.exitCode).toBe(0);
    expect(good.stdout.split('\n')).toHaveLength(2);
    const mixed = await cli('validate', sharedTracePath('cronjob.sktrace'), bad);
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stdout).toMatch(/^ok {4}.*cronjob\.sktrace/m);
    expect(mixed.stdout).toMatch(/^error .*bad\.sktrace.*\[TRUNCATED\]/m);
  });

  it('refuses a bad --to and a missing file', async () => {
    expect((await cli('convert', sharedTracePath('cronjob.sktrace'), '--to', 'yaml')).stderr).toMatch(
      /expected json or msgpack/,
    );
    const missing = await cli('inspect', join(dir, 'nope.sktrace'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/nope\.sktrace/);
  });
});

describe('trace edit', () => {
  it('applies an operation to every event of the workload', async () => {
    const target = join(dir, 'edited.sktrace');
    const edit = await cli(
      'edit',
      sharedTracePath('no_skel.9fda02f.sktrace'),
      '--op',
      'set_requests',
      '--workload',
      'default/database',
      '--cpu',
      '750m',
      '--memory',
      '1Gi',
      '--out',
      target,
    );
    expect(edit.exitCode).toBe(0);
    expect(edit.stdout).toMatch(/default\/database db: requests.cpu 300m → 750m in 1 event\(s\)/);
    const database = listWorkloads(await readTraceFile(target)).find((w) => w.key === 'default/database');
    expect(database?.containers[0]?.requests.cpu?.toString()).toBe('750m');
    const scaled = await cli(
      'edit',
      target,
      '--op',
      'scale_down_replicas',
      '--workload',
      'medium-service',
      '--out',
      target,
    );
    expect(scaled.stdout).toMatch(/replicas 12 → 11 in 1 event\(s\)[\s\S]*replicas 2 → 1/);
  });

  it('reports failures with their code and the valid choices', async () => {
    const target = join(dir, 'never.sktrace');
    const unknown = await cli(
      'edit',
      sharedTracePath('no_skel.9fda02f.sktrace'),
      '--op',
      'bump_cpu_small',
      '--workload',
      'nginx',
      '--out',
      target,
    );
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/default\/small-service.*\[WORKLOAD_NOT_FOUND\]/);
    const container = await cli(
      'edit',
      sharedTracePath('no_skel.9fda02f.sktrace'),
      '--op',
      'bump_cpu_small',
      '--workload',
      'database',
      '--container',
      'web',
      '--out',
      target,
    );
    expect(container.stderr).toMatch(/db.*\[NO_SUCH_CONTAINER\]/);
    const badOp = await cli(
      'edit',
      sharedTracePath('no_skel.9fda02f.sktrace'),
      '--op',
      'explode',
      '--workload',
      'database',
      '--out',
      target,
    );
    expect(badOp.stderr).toMatch(/type is one of bump_cpu_small.*\[INVALID_OPERATION\]/);
    const scaleBare = await cli(
      'edit',
      sharedTracePath('bare-pods.sktrace'),
      '--op',
      'scale_up_replicas',
      '--workload',
      'testing/pod-1',
      '--out',
      target,
    );
    expect(scaleBare.exitCode).toBe(2);
    await expect(readFile(target)).rejects.toThrow(/ENOENT/);
  });
});

describe('trace generate, bundle and upgrade', () => {
  it('generates labelled traces with sidecar metadata and an index', async () => {
    const out = join(dir, 'generated');
    const run = await cli(
      'generate',
      '--count',
      '4',
      '--seed',
      '11',
      '--label',
      'too-many-replicas',
      '--out',
      out,
    );
    expect(run.exitCode).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'index.json',
      ...['000', '001', '002', '003'].flatMap((n) => [`trace-${n}.sktrace`, `trace-${n}.sktrace.meta.json`]),
    ]);
    const meta = TraceMetaSchema.parse(
      JSON.parse(await readFile(join(out, 'trace-002.sktrace.meta.json'), 'utf8')),
    );
    expect(meta.label).toBe('too-many-replicas');
    expect((await cli('validate', join(out, 'trace-000.sktrace'))).exitCode).toBe(0);
    expect(
      (await cli('generate', '--count', '2', '--seed', '1', '--label', 'broken', '--out', out)).stderr,
    ).toMatch(/expected one of very-bad-cpu/);
  });

  it('reproduces the bundled traces/ byte for byte', async () => {
    const out = join(dir, 'bundle');
    expect((await cli('bundle', '--out', out)).stdout).toMatch(/4 canonical and 100 generated traces/);
    for (const sub of ['canonical', 'generated']) {
      const files = (await readdir(join('traces', sub))).sort();
      expect((await readdir(join(out, sub))).sort()).toEqual(files);
      for (const file of files) {
        expect(await readFile(join(out, sub, file)), `${sub}/${file}`).toEqual(
          await readFile(join('traces', sub, file)),
        );
      }
    }
  });

  it('upgrades a hand-made pre-2.0 trace that decoding refuses', async () => {
    const old = join(dir, 'old.sktrace');
    await writeFile(old, handMadePre2Trace());
    const refused = await cli('inspect', old);
    expect(refused.stderr).toMatch(/pre-2\.0.*sim-arena trace upgrade/);
    const upgraded = await cli('upgrade', old, '--out', join(dir, 'old.v2.sktrace'));
    expect(upgraded.exitCode).toBe(0);
    expect(upgraded.stdout).toMatch(/warning: index entry "default\/gone"/);
    const trace = await readTraceFile(join(dir, 'old.v2.sktrace'));
    expect(Object.keys(trace.index).sort()).toEqual(['apps/v1.Deployment', 'v1.Pod']);
  });
});
