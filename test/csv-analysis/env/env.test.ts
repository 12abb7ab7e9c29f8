/**
 * `csv/analysis-v0` with a real sandbox: the contract (checkEnv), observations, code turns, submissions and their
 * grades, turn costs and limits, timeouts, sessions closed when episodes end, errors, and recorded traces.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_TASKS_FILE } from '../../../envs/csv-analysis/datasets/builtin.js';
import {
  type CsvAnalysisOptionsInput,
  CsvAnalysisOptionsSchema,
} from '../../../envs/csv-analysis/env/config.js';
import { CsvAnalysisEnv } from '../../../envs/csv-analysis/env/csv-analysis-env.js';
import { CSV_ANALYSIS_ID } from '../../../envs/csv-analysis/env/register.js';
import { EpisodeTraceSchema, recordEpisode } from '../../../envs/csv-analysis/env/trace.js';
import { SandboxClosedError } from '../../../envs/csv-analysis/sandbox/errors.js';
import { SandboxPool } from '../../../envs/csv-analysis/sandbox/pool.js';
import type { TaskError } from '../../../envs/csv-analysis/tasks/errors.js';
import { loadTaskSet } from '../../../envs/csv-analysis/tasks/load.js';
import type { Task } from '../../../envs/csv-analysis/tasks/schema.js';
import { scriptedSolver } from '../../../policies/csv/solver.js';
import { checkEnv } from '../../../src/core/check-env.js';
import { InvalidActionError, InvalidArgumentError, ResetNeededError } from '../../../src/core/errors.js';
import { make } from '../../../src/core/registry.js';
import { scratchFolder } from '../sandbox/helpers.js';

let pool: SandboxPool;
let tasks: Task[];
let folder: Awaited<ReturnType<typeof scratchFolder>>;

beforeAll(async () => {
  pool = await SandboxPool.create({ maxConcurrent: 4 });
  tasks = await loadTaskSet(BUILTIN_TASKS_FILE);
  folder = await scratchFolder();
});
afterAll(async () => {
  await pool?.close();
  await folder?.remove();
});

const envWith = (options: CsvAnalysisOptionsInput = {}, own?: { tasks?: Task[] }) =>
  new CsvAnalysisEnv(CsvAnalysisOptionsSchema.parse(options), { pool, ...own });
const taskOfKind = (kind: string, dataset = 'survey') =>
  tasks.find((t) => t.kind === kind && t.id.startsWith(`${dataset}/`)) as Task;

async function thrown(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('csv/analysis-v0', () => {
  it('passes checkEnv, made from the registry with its built-in tasks', async () => {
    const env = await make(CSV_ANALYSIS_ID, { sandbox: { maxConcurrent: 2 } });
    try {
      const report = await checkEnv(env, { determinismSteps: 20, ignoreInfoKeys: ['durationMs'] });
      expect(report.passed).toContain('determinism');
      expect(report.passed).toContain('seed divergence');
    } finally {
      await env.close();
    }
  });

  it('observes the question, the dataset as pandas loaded it, its first rows and the turn', async () => {
    const env = envWith({ previewRows: 3, maxTurns: 4 });
    const task = taskOfKind('mean');
    const { observation, info } = await env.reset({ seed: 1, options: { taskId: task.id } });
    expect(observation).toMatchObject({
      question: task.question,
      answerFormat: task.answerFormat,
      lastExecution: null,
      turn: 0,
      turnsLeft: 4,
    });
    expect(observation.dataset.name).toBe('survey');
    expect(observation.dataset.rows).toBe(300);
    const age = observation.dataset.columns.find((c) => c.name === 'age');
    expect(age?.dtype).toBe('float64');
    expect(age?.nonNull).toBeLessThan(300);
    expect(observation.dataset.columns.find((c) => c.name === 'department')?.dtype).toBe('object');
    expect(observation.dataset.preview.split('\n')).toHaveLength(4);
    expect(info.task).toMatchObject({
      id: task.id,
      kind: 'mean',
      source: 'generated',
      dataset: { name: 'survey', sha256: task.dataset.sha256 },
    });
    expect(env.render()).toMatch(/^Question: What is the mean/);
    const again = await env.reset({ seed: 7 });
    const same = await env.reset({ seed: 7 });
    expect(same.observation).toEqual(again.observation);
    await env.close();
  });

  it('runs code like a notebook: state, stdout, results and errors, one turn each', async () => {
    const env = envWith({ turnCost: 0.01 });
    await env.reset({ seed: 0 });
    const first = await env.step({ type: 'run_python', code: 'x = 41\nprint(len(df) > 0)' });
    expect(first).toMatchObject({ reward: -0.01, terminated: false, truncated: false, info: { turn: 1 } });
    expect(first.observation.lastExecution).toEqual({
      code: 'x = 41\nprint(len(df) > 0)',
      stdout: 'True\n',
      stderr: '',
      result: null,
      error: null,
      truncated: false,
    });
    expect(typeof first.info.durationMs).toBe('number');
    expect((await env.step({ type: 'run_python', code: 'x + 1' })).observation.lastExecution?.result).toBe(
      '42',
    );
    const failed = await env.step({ type: 'run_python', code: '1 / 0' });
    expect(failed.observation.lastExecution?.error).toMatchObject({
      type: 'ZeroDivisionError',
      message: 'division by zero',
    });
    expect(failed.observation.turn).toBe(3);
    expect(failed.observation.turnsLeft).toBe(7);
    await env.close();
  });

  it('grades a submission, ends the episode, reveals the gold and closes the session', async () => {
    const env = envWith({ turnCost: 0.1 });
    const task = taskOfKind('count_true', 'sales');
    await env.reset({ seed: 0, options: { taskId: task.id } });
    expect(env.sessionOpen).toBe(true);
    const right = await env.step({ type: 'submit', answer: String((task.gold as { value: number }).value) });
    expect(right).toMatchObject({
      reward: 0.9,
      terminated: true,
      truncated: false,
      info: { turn: 1, success: true, gold: task.gold },
    });
    expect(right.info.grade).toMatchObject({ correct: true, allOrNothing: 1, partial: 1 });
    expect(env.sessionOpen).toBe(false);
    expect(await thrown(env.step({ type: 'submit', answer: '1' }))).toBeInstanceOf(ResetNeededError);
    await env.reset({ seed: 0, options: { taskId: task.id } });
    const wrong = await env.step({ type: 'submit', answer: 'no idea' });
    expect(wrong.reward).toBeCloseTo(-0.1, 10);
    expect(wrong.info.success).toBe(false);
    expect(wrong.info.grade).toMatchObject({
      correct: false,
      reason: expect.stringMatching(/found no single number/),
    });
    await env.close();
  });

  it('gives partial credit for multi-part answers when asked to', async () => {
    const task = taskOfKind('min_max');
    const [minimum] = (task.gold as { parts: { answer: { value: number } }[] }).parts.map(
      (p) => p.answer.value,
    );
    const half = `@minimum[${minimum}] @maximum[-1]`;
    for (const [scoring, reward] of [
      ['partial', 0.5],
      ['all-or-nothing', 0],
    ] as const) {
      const env = envWith({ scoring });
      await env.reset({ seed: 0, options: { taskId: task.id } });
      const step = await env.step({ type: 'submit', answer: half });
      expect(step.reward).toBe(reward);
      expect(step.info.grade).toMatchObject({ correct: false, partial: 0.5, allOrNothing: 0 });
      await env.close();
    }
  });

  it('truncates at maxTurns, reveals the gold and closes the session', async () => {
    const env = envWith({ maxTurns: 2 });
    await env.reset({ seed: 3 });
    expect((await env.step({ type: 'run_python', code: '1' })).truncated).toBe(false);
    const last = await env.step({ type: 'run_python', code: '2' });
    expect(last).toMatchObject({ truncated: true, terminated: false });
    expect(last.info.gold).toBeDefined();
    expect(last.observation.turnsLeft).toBe(0);
    expect(env.sessionOpen).toBe(false);
    await env.close();
  });

  it('reports a cell that runs too long as the turn error and restarts the session', async () => {
    const env = envWith({ cellTimeoutMs: 500 });
    await env.reset({ seed: 0 });
    await env.step({ type: 'run_python', code: 'x = 1' });
    const slow = await env.step({
      type: 'run_python',
      code: 'print("started", flush=True)\nwhile True: pass',
    });
    expect(slow.observation.lastExecution).toMatchObject({
      stdout: 'started\n',
      error: {
        type: 'SandboxTimeout',
        message: expect.stringMatching(/longer than 500 ms .* variables are gone and df is reloaded/),
      },
    });
    const after = await env.step({ type: 'run_python', code: 'print(len(df))\nx' });
    expect(after.observation.lastExecution).toMatchObject({ stdout: '300\n', error: { type: 'NameError' } });
    await env.close();
  });

  it('reports a Python process that dies as the turn error and restarts the session', async () => {
    const env = envWith();
    await env.reset({ seed: 0 });
    const died = await env.step({ type: 'run_python', code: 'import os\nos._exit(3)' });
    expect(died.observation.lastExecution?.error).toMatchObject({
      type: 'SandboxCrash',
      message: expect.stringMatching(/^the Python process died \(exit\); the session was restarted/),
    });
    expect((await env.step({ type: 'run_python', code: 'len(df)' })).observation.lastExecution?.result).toBe(
      '300',
    );
    await env.close();
  });

  it('closes the episode session at the next reset, and its own pool at close, never a shared one', async () => {
    const env = envWith();
    await env.reset({ seed: 0 });
    const before = pool.stats().liveEpisodes;
    await env.reset({ seed: 1 });
    expect(pool.stats().liveEpisodes).toBe(before);
    await env.close();
    expect(env.sessionOpen).toBe(false);
    expect(pool.stats().liveEpisodes).toBe(before - 1);
    await env.close();
    const own = new CsvAnalysisEnv(CsvAnalysisOptionsSchema.parse({ sandbox: { maxConcurrent: 1 } }));
    await own.reset({ seed: 0 });
    await own.close();
    expect(await thrown(own.reset({ seed: 0 }))).toBeInstanceOf(SandboxClosedError);
  });

  it('plays a task set from a file, restricted to some ids', async () => {
    const file = join(folder.dir, 'two.jsonl');
    const picked = [taskOfKind('median', 'orders'), taskOfKind('date_min', 'orders')];
    await writeFile(file, picked.map((t) => JSON.stringify(t)).join('\n'));
    const env = envWith({ tasks: file, taskIds: [picked[1]?.id as string] });
    for (const seed of [0, 1, 2]) {
      expect((await env.reset({ seed })).info.task).toMatchObject({ id: picked[1]?.id });
    }
    await env.close();
  });

  it('offers its actions as a JSON Schema a language model can be given as tools', () => {
    const env = envWith();
    const validate = new Ajv2020({ strict: false }).compile(env.actionSpace.toJSONSchema());
    for (const action of [
      { type: 'run_python', code: 'df.head()', thought: 'look' },
      { type: 'submit', answer: '34.65' },
      { type: 'submit', answer: ['a', 'b'] },
      { type: 'submit', answer: { mean: 1.5, top: ['x'] } },
    ]) {
      expect(validate(action), JSON.stringify(validate.errors)).toBe(true);
      expect(env.actionSpace.contains(action)).toBe(true);
    }
    for (const action of [
      { type: 'run_python' },
      { type: 'delete', path: '/' },
      { type: 'submit', answer: null },
    ]) {
      expect(validate(action)).toBe(false);
      expect(env.actionSpace.contains(action)).toBe(false);
    }
  });

  it('refuses misuse with typed errors that say what to do', async () => {
    const env = envWith();
    expect(await thrown(env.step({ type: 'submit', answer: '1' }))).toBeInstanceOf(ResetNeededError);
    expect(await thrown(() => env.observe())).toBeInstanceOf(ResetNeededError);
    const unknown = (await thrown(env.reset({ options: { taskId: 'nope' } }))) as TaskError;
    expect(unknown.code).toBe('UNKNOWN_TASK');
    expect(unknown.message).toMatch(/no task "nope" in the set of \d+; ids look like "sales\//);
    expect(((await thrown(env.reset({ options: { task: 'x' } }))) as Error).message).toMatch(/reset options/);
    expect(await thrown(env.reset({ options: { task: 'x' } }))).toBeInstanceOf(InvalidArgumentError);
    await env.reset({ seed: 0 });
    const invalid = (await thrown(env.step({ type: 'run_shell', code: 'ls' } as never))) as Error;
    expect(invalid).toBeInstanceOf(InvalidActionError);
    expect(invalid.message).toMatch(
      /expected \{ type: "run_python", code \} or \{ type: "submit", answer \}/,
    );
    await env.close();
    const badKwargs = (await thrown(make(CSV_ANALYSIS_ID, { maxTurn: 3 }))) as Error;
    expect(badKwargs).toBeInstanceOf(InvalidArgumentError);
    expect(badKwargs.message).toMatch(/invalid options for csv\/analysis-v0/);
    const emptyIds = (await thrown(envWith({ taskIds: ['missing'] }).reset())) as TaskError;
    expect(emptyIds.code).toBe('UNKNOWN_TASK');
    const empty = (await thrown(envWith({}, { tasks: [] }).reset())) as TaskError;
    expect(empty.code).toBe('EMPTY_TASK_SET');
  });

  it('says when a dataset cannot even be described within the sandbox output cap', async () => {
    const env = new CsvAnalysisEnv(
      CsvAnalysisOptionsSchema.parse({ sandbox: { maxConcurrent: 1, limits: { outputBytes: 64 } } }),
    );
    try {
      const error = (await thrown(env.reset({ seed: 0 }))) as TaskError;
      expect(error.code).toBe('DATASET_UNPARSEABLE');
      expect(error.message).toMatch(
        /longer than the sandbox output cap: raise sandbox\.limits\.outputBytes or lower previewRows/,
      );
    } finally {
      await env.close();
    }
  });
});

describe('episode traces', () => {
  it('record the task, every turn with the policy text, the answer, grade, reward, seed and timings', async () => {
    const env = envWith({ turnCost: 0.05 });
    const task = taskOfKind('top_k', 'sales');
    const trace = await recordEpisode(env, scriptedSolver(), { seed: 11, taskId: task.id, attempt: 2 });
    expect(EpisodeTraceSchema.parse(JSON.parse(JSON.stringify(trace)))).toEqual(trace);
    expect(trace).toMatchObject({
      task: {
        id: task.id,
        kind: 'top_k',
        question: task.question,
        gold: task.gold,
        dataset: { name: 'sales' },
      },
      policy: 'csv-scripted',
      seed: 11,
      attempt: 2,
      answer: { text: 'Submit what the last cell printed.' },
      grade: { correct: true },
      terminated: true,
      truncated: false,
    });
    expect(trace.reward).toBeCloseTo(1 - 3 * 0.05, 10);
    expect(trace.turns.map((t) => t.index)).toEqual([0, 1]);
    expect(trace.turns[0]?.text).toMatch(/^Look at the column/);
    expect(trace.turns[1]?.stdout).toMatch(/^\[.*\]\n$/);
    expect(trace.timings.sandboxMs).toBeGreaterThan(0);
    await env.close();
  });

  it('record a truncated episode without an answer or a grade', async () => {
    const env = envWith({ maxTurns: 1 });
    const trace = await recordEpisode(env, scriptedSolver(), { seed: 1 });
    expect(trace).toMatchObject({ answer: null, grade: null, truncated: true, terminated: false, reward: 0 });
    expect(trace.turns).toHaveLength(1);
    expect(trace.task.gold).toBeDefined();
    await env.close();
  });
});
