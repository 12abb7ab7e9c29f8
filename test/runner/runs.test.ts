import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import '../../envs/simkube/index.js';
import { registerPolicies } from '../../policies/register.js';
import { BaseEnv, type ResetResult, type StepResult } from '../../src/core/env.js';
import { PolicyError, RegistryError } from '../../src/core/errors.js';
import { registerPolicy } from '../../src/core/policy.js';
import { register } from '../../src/core/registry.js';
import { Discrete } from '../../src/core/spaces/index.js';
import { EpisodeRecordSchema, RunSummarySchema, StepRecordSchema } from '../../src/runner/records.js';
import { resumeRun, runEpisodes } from '../../src/runner/run-episodes.js';
import { RunFolderError, readJsonl } from '../../src/runner/run-folder.js';
import { planEpisodes } from '../../src/runner/run-plan.js';
import { readRunStatus } from '../../src/runner/status.js';

registerPolicies();

/** One-step episodes: the answer (the action) is right when it equals the seed's parity; `info.success` says so. */
class ParityEnv extends BaseEnv<number, number> {
  readonly observationSpace = new Discrete(1);
  readonly actionSpace = new Discrete(2);
  #seed = 0;

  async reset(args: { seed?: number } = {}): Promise<ResetResult<number>> {
    this.#seed = args.seed ?? 0;
    return { observation: 0, info: {} };
  }

  async step(action: number): Promise<StepResult<number>> {
    const success = action === this.#seed % 2;
    return { observation: 0, reward: success ? 1 : 0, terminated: true, truncated: false, info: { success } };
  }

  observe(): number {
    return 0;
  }
}

register({ id: 'test/parity-v0', entryPoint: () => new ParityEnv() });
registerPolicy({
  name: 'test-answer-0',
  description: 'always 0',
  create: () => ({ name: 'test-answer-0', act: () => 0 }),
});

const tempDir = () => mkdtemp(join(tmpdir(), 'sim-arena-run-'));
const CANONICAL = ['traces/canonical/very-bad-cpu.sktrace', 'traces/canonical/mixed.sktrace'];

function options(out: string, extra: Partial<Parameters<typeof runEpisodes>[0]> = {}) {
  return {
    out,
    env: 'simkube/fix-resources-v0',
    envKwargs: { rewardMode: 'gradual' },
    policies: ['heuristic', 'random'],
    traces: CANONICAL,
    episodes: 3,
    seed: 7,
    ...extra,
  };
}

/** `sim-arena` as users run it, from source. */
function cli(args: string[]) {
  return execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], { reject: false, timeout: 120_000 });
}

describe('runEpisodes', () => {
  it('writes the run folder: command and config, episodes, steps, summary, heartbeat, transcripts', async () => {
    const out = await tempDir();
    const summary = await runEpisodes(options(out), { command: ['sim-arena', 'run'] });
    expect(summary).toMatchObject({ status: 'finished', planned: 12, done: 12 });
    expect(summary.byPolicy.heuristic?.successRate).toBe(1);
    expect(summary.byPolicy.random!.successRate).toBeLessThan(1);
    expect(Object.keys(summary.byTrace)).toHaveLength(2);
    expect(summary.byPolicyTrace).toHaveLength(4);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({
      version: 1,
      command: ['sim-arena', 'run'],
      config: { seed: 7, episodes: 3 },
    });
    const { records } = await readJsonl(join(out, 'episodes.jsonl'), EpisodeRecordSchema);
    expect(records.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(records.map((r) => r.seed).slice(0, 3)).toEqual([7, 8, 9]);
    const steps = await readJsonl(join(out, 'steps.jsonl'), StepRecordSchema);
    expect(steps.records).toHaveLength(records.reduce((n, r) => n + r.length, 0));
    expect(steps.records[0]?.info).not.toHaveProperty('actionMask');
    expect(await readdir(join(out, 'transcripts'))).toHaveLength(12);
    const transcript = await readFile(join(out, 'transcripts', '0.md'), 'utf8');
    expect(transcript).toMatch(/^# Episode 0: heuristic on `.*very-bad-cpu\.sktrace`/);
    expect(transcript).toMatch(/## Step 1: `\{"type":"set_requests"/);
    expect(transcript).toMatch(/Solved in \d steps?; return/);
    expect(RunSummarySchema.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).done).toBe(
      12,
    );
    expect((await readRunStatus(out)).health).toBe('finished');
  });

  it('records a failing trace with its error and goes on', async () => {
    const out = await tempDir();
    const broken = join(out, 'broken.sktrace');
    await writeFile(broken, 'not a trace');
    const summary = await runEpisodes(
      options(join(out, 'run'), { traces: [broken, CANONICAL[0]!], policies: ['heuristic'] }),
    );
    expect(summary).toMatchObject({ status: 'finished', done: 6, overall: { errors: 3 } });
    const { records } = await readJsonl(join(out, 'run', 'episodes.jsonl'), EpisodeRecordSchema);
    expect(records[0]).toMatchObject({ status: 'error', error: { code: expect.any(String) } });
    expect(records[0]?.error?.message).toContain('broken.sktrace');
    expect(records[3]).toMatchObject({ status: 'ok', success: true });
  });

  it('refuses unknown environments and policies, and an existing run folder, before writing anything', async () => {
    const out = await tempDir();
    await expect(runEpisodes(options(join(out, 'a'), { env: 'simkube/fix-resource-v0' }))).rejects.toThrow(
      RegistryError,
    );
    await expect(runEpisodes(options(join(out, 'b'), { policies: ['heuristc'] }))).rejects.toThrow(
      PolicyError,
    );
    await expect(readdir(join(out, 'a'))).rejects.toThrow();
    await runEpisodes(options(join(out, 'c'), { episodes: 1 }));
    await expect(runEpisodes(options(join(out, 'c')))).rejects.toThrow(/already holds a run.*--resume/);
  });

  it('stops gracefully on abort and resumes to the same episodes as an uninterrupted run', async () => {
    const dir = await tempDir();
    const whole = await runEpisodes(options(join(dir, 'whole'), { concurrency: 3 }));
    const controller = new AbortController();
    const stopped = await runEpisodes(options(join(dir, 'cut'), { concurrency: 3 }), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 5) controller.abort();
      },
    });
    expect(stopped.status).toBe('interrupted');
    expect((await readRunStatus(join(dir, 'cut'))).health).toBe('interrupted');
    const resumed = await resumeRun(join(dir, 'cut'));
    expect(resumed.status).toBe('finished');
    expect(resumed.overall).toEqual(whole.overall);
    for (const file of ['episodes.jsonl', 'steps.jsonl']) {
      expect(await readFile(join(dir, 'cut', file), 'utf8')).toBe(
        await readFile(join(dir, 'whole', file), 'utf8'),
      );
    }
    const manifest = JSON.parse(await readFile(join(dir, 'cut', 'run.json'), 'utf8'));
    expect(manifest.resumes).toHaveLength(1);
  });

  it('repairs a torn last line and the leftovers of an uncommitted episode when resuming', async () => {
    const dir = await tempDir();
    await runEpisodes(options(join(dir, 'whole')));
    const cut = join(dir, 'cut');
    await runEpisodes(options(cut, { episodes: 3 }));
    // simulate a kill during the commit of episode 12's predecessor: keep 4 episodes, a torn fifth line, stray steps
    const lines = (await readFile(join(cut, 'episodes.jsonl'), 'utf8')).split('\n');
    await writeFile(
      join(cut, 'episodes.jsonl'),
      `${lines.slice(0, 4).join('\n')}\n${lines[4]!.slice(0, 20)}`,
    );
    await appendFile(join(cut, 'steps.jsonl'), '{"episode":11,"step":0,"act');
    await writeFile(
      join(cut, 'heartbeat.json'),
      JSON.stringify({
        ...JSON.parse(await readFile(join(cut, 'heartbeat.json'), 'utf8')),
        status: 'running',
        pid: 2 ** 22 + 17,
      }),
    );
    expect((await readRunStatus(cut)).health).toBe('stalled');
    await resumeRun(cut);
    for (const file of ['episodes.jsonl', 'steps.jsonl']) {
      expect(await readFile(join(cut, file), 'utf8')).toBe(await readFile(join(dir, 'whole', file), 'utf8'));
    }
  });

  it('refuses to resume a damaged log, naming the file and line', async () => {
    const out = await tempDir();
    await runEpisodes(options(out, { episodes: 1 }));
    const lines = (await readFile(join(out, 'episodes.jsonl'), 'utf8')).split('\n');
    lines[1] = '{"index": "two"}';
    await writeFile(join(out, 'episodes.jsonl'), lines.join('\n'));
    await expect(resumeRun(out)).rejects.toThrow(RunFolderError);
    await expect(resumeRun(out)).rejects.toThrow(/episodes\.jsonl:2 is damaged/);
    await expect(resumeRun(join(out, 'nothing'))).rejects.toThrow(/run\.json does not exist/);
  });

  it('counts an episode as solved by its last info.success when the environment reports one', async () => {
    const out = await tempDir();
    const summary = await runEpisodes({
      out,
      env: 'test/parity-v0',
      policies: ['test-answer-0'],
      episodes: 4,
      seed: 0,
    });
    // seeds 0..3: answer 0 is right for the even seeds only, although every episode terminates
    expect(summary.byPolicy['test-answer-0']?.successRate).toBe(0.5);
    const { records } = await readJsonl(join(out, 'episodes.jsonl'), EpisodeRecordSchema);
    expect(records.map((r) => [r.terminated, r.success, r.stepsToFix])).toEqual([
      [true, true, 1],
      [true, false, null],
      [true, true, 1],
      [true, false, null],
    ]);
  });

  it('plans episodes per policy, then trace, then seed + k', () => {
    const plan = planEpisodes({
      env: 'e',
      envKwargs: {},
      policies: [
        { name: 'a', options: {} },
        { name: 'b', options: {} },
      ],
      traces: ['x', 'y'],
      episodes: 2,
      seed: 10,
      concurrency: 1,
      maxSteps: 5,
    });
    expect(plan.map((e) => `${e.policy.name}:${e.trace}:${e.seed}`)).toEqual([
      'a:x:10',
      'a:x:11',
      'a:y:10',
      'a:y:11',
      'b:x:10',
      'b:x:11',
      'b:y:10',
      'b:y:11',
    ]);
  });
});

describe('sim-arena run / status (child processes)', () => {
  it('a 500-episode run killed with SIGKILL at a random point resumes to exactly the uninterrupted episodes', async () => {
    const dir = await tempDir();
    const args = (out: string) => [
      'run',
      '--policy',
      'random',
      '--traces',
      'traces/canonical',
      '--episodes',
      '125',
      '--seed',
      '3',
      '--reward-mode',
      'gradual',
      '--out',
      out,
    ];
    const whole = await cli(args(join(dir, 'whole')));
    expect(whole.exitCode, whole.stderr).toBe(0);
    const killedDir = join(dir, 'killed');
    const child = execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args(killedDir)], {
      reject: false,
    });
    // a random point: once between 20 and 400 episodes are committed
    const target = 20 + Math.floor(Math.random() * 380);
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const text = await readFile(join(killedDir, 'episodes.jsonl'), 'utf8').catch(() => '');
      if (text.split('\n').length > target || child.exitCode !== null) break;
    }
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const status = await cli(['status', killedDir]);
    expect(status.stdout).toMatch(/stalled .*resume it with/);
    const resumed = await cli(['run', '--resume', killedDir]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/finished: 500\/500 episodes/);
    const episodes = await readFile(join(killedDir, 'episodes.jsonl'), 'utf8');
    expect(episodes.split('\n').filter(Boolean)).toHaveLength(500);
    expect(episodes).toBe(await readFile(join(dir, 'whole', 'episodes.jsonl'), 'utf8'));
    expect(await readFile(join(killedDir, 'steps.jsonl'), 'utf8')).toBe(
      await readFile(join(dir, 'whole', 'steps.jsonl'), 'utf8'),
    );
  }, 180_000);

  it('SIGTERM stops a run gracefully with its summary written, and status tells', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const child = execa(
      'node',
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'run',
        '--policy',
        'random',
        '--episodes',
        '100000',
        '--out',
        out,
      ],
      { reject: false },
    );
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const text = await readFile(join(out, 'episodes.jsonl'), 'utf8').catch(() => '');
      if (text.split('\n').length > 10) break;
    }
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toMatch(/interrupted: \d+\/100000 episodes/);
    const summary = RunSummarySchema.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')));
    expect(summary.status).toBe('interrupted');
    const status = await cli(['status', out, '--json']);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ health: 'interrupted', done: summary.done });
  }, 120_000);

  it('rejects bad options with a message naming them', async () => {
    const noOut = await cli(['run', '--policy', 'random']);
    expect(noOut.exitCode).toBe(2);
    expect(noOut.stderr).toMatch(/--out DIR/);
    const badJson = await cli(['run', '--policy', 'random', '--out', '/tmp/x', '--env-kwargs', '{nope']);
    expect(badJson.stderr).toMatch(/--env-kwargs.*expected JSON such as/);
    const noTraces = await cli(['run', '--policy', 'random', '--out', '/tmp/x', '--traces', 'src']);
    expect(noTraces.stderr).toMatch(/holds no trace file/);
  });
});
