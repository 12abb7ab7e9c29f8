/**
 * `csv/analysis-v0`: a question about a CSV file; the agent runs pandas code in a sandboxed, notebook-like Python
 * session over several turns and submits an answer, which is graded against the task's gold answer. A thin stateful
 * shell: `reset → task choice → sandbox session → dataset info`, then each `step`: `run the cell` or
 * `grade → reward → close the session`. See `docs/environments/csv-analysis.md`.
 */
import { z } from 'zod';
import {
  BaseEnv,
  type EnvMetadata,
  type Info,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../../../src/core/env.js';
import { InvalidActionError, ResetNeededError } from '../../../src/core/errors.js';
import { parseKwargs } from '../../../src/core/kwargs.js';
import type { Structured } from '../../../src/core/spaces/structured.js';
import { BUILTIN_TASKS_FILE } from '../datasets/builtin.js';
import type { DatasetSpec } from '../sandbox/dataset.js';
import { SandboxCrashedError, SandboxTimeoutError } from '../sandbox/errors.js';
import { SandboxPool } from '../sandbox/pool.js';
import type { RunResult, SandboxSession } from '../sandbox/session.js';
import { formatGold } from '../tasks/answers.js';
import { datasetName } from '../tasks/dataset-ref.js';
import { TaskError } from '../tasks/errors.js';
import { gradeAnswer } from '../tasks/grading.js';
import { loadTaskSet } from '../tasks/load.js';
import type { Task } from '../tasks/schema.js';
import { type CsvAction, CsvActionSchema, csvActionSpace } from './actions.js';
import type { CsvAnalysisOptions } from './config.js';
import {
  type CsvObservation,
  csvObservationSpace,
  type DatasetInfo,
  DatasetInfoSchema,
  datasetInfoCell,
  type Execution,
  renderObservation,
} from './observation.js';

/** The options `reset({ options })` accepts. */
export const CsvResetOptionsSchema = z.strictObject({
  /** Play this task instead of drawing one by seed. */
  taskId: z.string().min(1).optional(),
});
/** {@link CsvResetOptionsSchema}. */
export type CsvResetOptions = z.infer<typeof CsvResetOptionsSchema>;

/** What the environment may be given besides its options. */
export interface CsvAnalysisDeps {
  /** A pool shared with other environments (not closed by this one); default: a pool of its own, made lazily. */
  readonly pool?: SandboxPool;
  /** The tasks to play, instead of loading `options.tasks`. */
  readonly tasks?: readonly Task[];
}

/** The task summary `reset` reports in `info.task`. */
export interface TaskInfo {
  readonly id: string;
  readonly kind: string | null;
  readonly source: string;
  readonly dataset: { readonly name: string; readonly path: string; readonly sha256: string };
}

/** The state of an episode between steps. */
interface Episode {
  readonly task: Task;
  readonly dataset: DatasetInfo;
  session: SandboxSession | null;
  lastExecution: Execution | null;
  turn: number;
  done: boolean;
}

/** The environment; build it with `make('csv/analysis-v0', options)` or directly to share a pool. */
export class CsvAnalysisEnv extends BaseEnv<CsvObservation, CsvAction> {
  readonly observationSpace: Structured<CsvObservation> = csvObservationSpace();
  readonly actionSpace: Structured<CsvAction> = csvActionSpace();
  override readonly metadata: EnvMetadata = { renderModes: ['ansi'] };
  readonly options: CsvAnalysisOptions;
  readonly #sharedPool: SandboxPool | undefined;
  #ownPool: Promise<SandboxPool> | undefined;
  #tasks: Promise<readonly Task[]> | undefined;
  readonly #givenTasks: readonly Task[] | undefined;
  #episode: Episode | undefined;
  /** Each dataset's schema and preview, read once in a session of its own (episodes' sessions start clean). */
  readonly #datasetInfo = new Map<string, Promise<DatasetInfo>>();

  /**
   * @param options the resolved options (`CsvAnalysisOptionsSchema.parse(...)`; `make` does it).
   * @param deps a shared sandbox pool and/or the tasks to play.
   */
  constructor(options: CsvAnalysisOptions, deps: CsvAnalysisDeps = {}) {
    super();
    this.options = options;
    this.#sharedPool = deps.pool;
    this.#givenTasks = deps.tasks;
  }

  /** The tasks episodes are drawn from (loaded on first use). */
  tasks(): Promise<readonly Task[]> {
    this.#tasks ??= this.#loadTasks();
    return this.#tasks;
  }

  async #loadTasks(): Promise<readonly Task[]> {
    const { options } = this;
    const all =
      this.#givenTasks ??
      (await loadTaskSet(options.tasks ?? BUILTIN_TASKS_FILE, {
        ...(options.datasetDir === undefined ? {} : { datasetDir: options.datasetDir }),
        ...(options.labels === undefined ? {} : { labels: options.labels }),
      }));
    if (all.length === 0) throw new TaskError('EMPTY_TASK_SET', 'csv/analysis-v0 was given no task to play');
    if (options.taskIds === undefined) return all;
    return options.taskIds.map((id) => findTask(all, id));
  }

  #pool(): Promise<SandboxPool> {
    if (this.#sharedPool !== undefined) return Promise.resolve(this.#sharedPool);
    const { sandbox } = this.options;
    this.#ownPool ??= SandboxPool.create({
      ...(sandbox.maxConcurrent === undefined ? {} : { maxConcurrent: sandbox.maxConcurrent }),
      ...(sandbox.isolation === undefined ? {} : { isolation: sandbox.isolation }),
      ...(sandbox.python === undefined ? {} : { python: sandbox.python }),
      ...(sandbox.limits === undefined ? {} : { limits: sandbox.limits }),
    });
    return this.#ownPool;
  }

  async reset(args: ResetArgs = {}): Promise<ResetResult<CsvObservation>> {
    this.reseed(args.seed);
    const override = parseKwargs(CsvResetOptionsSchema, args.options ?? {}, 'csv/analysis-v0 reset options');
    const tasks = await this.tasks();
    const task = override.taskId === undefined ? this.rng.choice(tasks) : findTask(tasks, override.taskId);
    await this.#endEpisode();
    this.#episode = undefined;
    const dataset = await this.#describe(task);
    const session = await (await this.#pool()).open(datasetSpec(task));
    this.#episode = { task, dataset, session, lastExecution: null, turn: 0, done: false };
    return { observation: this.observe(), info: { task: taskInfo(task) } };
  }

  /** The dataset's schema and preview (cached per dataset; a failure is not cached). */
  #describe(task: Task): Promise<DatasetInfo> {
    const spec = datasetSpec(task);
    const key = JSON.stringify([spec.path, spec.readCsv]);
    let info = this.#datasetInfo.get(key);
    if (info === undefined) {
      info = this.#pool().then((pool) => readDatasetInfo(pool, spec, this.options.previewRows));
      this.#datasetInfo.set(key, info);
      info.catch(() => this.#datasetInfo.delete(key));
    }
    return info;
  }

  async step(action: CsvAction): Promise<StepResult<CsvObservation>> {
    const parsed = CsvActionSchema.safeParse(action);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidActionError(
        `not an action of csv/analysis-v0: ${issue?.path.join('.') || 'action'}: ${issue?.message}; ` +
          'expected { type: "run_python", code } or { type: "submit", answer }',
      );
    }
    const episode = this.#episode;
    if (episode === undefined || episode.done) {
      throw new ResetNeededError('csv/analysis-v0: call reset() before step() and after the episode ends');
    }
    episode.turn += 1;
    const cost = this.options.turnCost;
    if (parsed.data.type === 'submit') {
      const grade = gradeAnswer(episode.task.gold, parsed.data.answer, episode.task.tolerance);
      const score = this.options.scoring === 'partial' ? grade.partial : grade.allOrNothing;
      await this.#endEpisode();
      return {
        observation: this.observe(),
        reward: score - cost,
        terminated: true,
        truncated: false,
        info: { turn: episode.turn, success: grade.correct, grade, ...goldInfo(episode.task) },
      };
    }
    const { execution, durationMs } = await this.#run(episode, parsed.data.code);
    episode.lastExecution = execution;
    const truncated = episode.turn >= this.options.maxTurns;
    if (truncated) await this.#endEpisode();
    return {
      observation: this.observe(),
      reward: -cost,
      terminated: false,
      truncated,
      info: { turn: episode.turn, durationMs, ...(truncated ? goldInfo(episode.task) : {}) },
    };
  }

  /** Runs a cell; a timeout or a crash becomes the turn's error, and the session restarts with a fresh state. */
  async #run(episode: Episode, code: string): Promise<{ execution: Execution; durationMs: number }> {
    const session = episode.session as SandboxSession;
    const started = performance.now();
    try {
      const run: RunResult = await session.run(code, { timeoutMs: this.options.cellTimeoutMs });
      return { execution: { code, ...pick(run) }, durationMs: run.durationMs };
    } catch (error) {
      if (!(error instanceof SandboxCrashedError)) throw error;
      await session.reopen();
      const timeout = error instanceof SandboxTimeoutError;
      const message = timeout
        ? `the cell ran longer than ${this.options.cellTimeoutMs} ms and was stopped`
        : `the Python process died (${error.death.reason}${error.death.signal === null ? '' : `, ${error.death.signal}`})`;
      return {
        execution: {
          code,
          stdout: error.output.stdout,
          stderr: error.output.stderr,
          result: null,
          error: {
            type: timeout ? 'SandboxTimeout' : 'SandboxCrash',
            message: `${message}; the session was restarted: variables are gone and df is reloaded`,
            traceback: '',
          },
          truncated: error.output.truncated,
        },
        durationMs: performance.now() - started,
      };
    }
  }

  async #endEpisode(): Promise<void> {
    const episode = this.#episode;
    if (episode === undefined) return;
    episode.done = true;
    const session = episode.session;
    episode.session = null;
    await session?.close();
  }

  observe(): CsvObservation {
    const episode = this.#episode;
    if (episode === undefined) throw new ResetNeededError('csv/analysis-v0: call reset() before observe()');
    return {
      question: episode.task.question,
      answerFormat: episode.task.answerFormat,
      dataset: episode.dataset,
      lastExecution: episode.lastExecution,
      turn: episode.turn,
      turnsLeft: Math.max(0, this.options.maxTurns - episode.turn),
    };
  }

  render(): string {
    return this.#episode === undefined ? '' : renderObservation(this.observe());
  }

  /** Whether an episode's sandbox session is open (false between episodes and after one ends). */
  get sessionOpen(): boolean {
    return this.#episode?.session != null;
  }

  protected override async onClose(): Promise<void> {
    await this.#endEpisode();
    if (this.#ownPool !== undefined) await (await this.#ownPool).close();
  }

  override toString(): string {
    return 'CsvAnalysisEnv';
  }
}

function pick(run: RunResult): Omit<Execution, 'code'> {
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    result: run.result,
    error: run.error,
    truncated: run.truncated,
  };
}

function findTask(tasks: readonly Task[], id: string): Task {
  const found = tasks.find((t) => t.id === id);
  if (found !== undefined) return found;
  const sample = tasks.slice(0, 5).map((t) => JSON.stringify(t.id));
  throw new TaskError(
    'UNKNOWN_TASK',
    `no task ${JSON.stringify(id)} in the set of ${tasks.length}; ids look like ${sample.join(', ')}${tasks.length > 5 ? ', …' : ''}`,
  );
}

function taskInfo(task: Task): TaskInfo {
  return {
    id: task.id,
    kind: task.kind ?? null,
    source: task.source,
    dataset: { name: datasetName(task.dataset.path), path: task.dataset.path, sha256: task.dataset.sha256 },
  };
}

/** What the last step of an episode reveals: the gold answer. */
function goldInfo(task: Task): Info {
  return { gold: task.gold, expected: formatGold(task.gold) };
}

function datasetSpec(task: Task): DatasetSpec {
  return { path: task.dataset.path, readCsv: task.dataset.readCsv ?? {} };
}

/** Reads a dataset's schema and preview in a session of its own. */
async function readDatasetInfo(
  pool: SandboxPool,
  spec: DatasetSpec,
  previewRows: number,
): Promise<DatasetInfo> {
  const session = await pool.open(spec);
  try {
    const run = await session.run(datasetInfoCell(previewRows));
    if (run.error !== null || run.truncated) {
      const why =
        run.error === null
          ? 'its schema and preview are longer than the sandbox output cap: raise sandbox.limits.outputBytes or lower previewRows'
          : `${run.error.type}: ${run.error.message}`;
      throw new TaskError('DATASET_UNPARSEABLE', `dataset ${spec.path}: describing it failed (${why})`);
    }
    return DatasetInfoSchema.parse({ name: datasetName(spec.path), ...(JSON.parse(run.stdout) as object) });
  } finally {
    await session.close();
  }
}
