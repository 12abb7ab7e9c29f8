/**
 * The records of a run folder, as zod schemas: what `runEpisodes` writes and what `sim-arena status` and
 * `sim-arena report` read back. Every file is validated when read, so a damaged folder is an error naming the file
 * and line. The layout is documented in `docs/runs.md`:
 *
 * ```
 * run.json          the exact command, the resolved config, and every resume
 * episodes.jsonl    one EpisodeRecord per finished episode, in episode order (the commit log)
 * steps.jsonl       one StepRecord per step of the committed episodes, in episode then step order
 * summary.json      aggregates per policy, per trace and per pair (rewritten as the run goes and at its end)
 * heartbeat.json    progress and liveness while the run works (rewritten about once a second)
 * transcripts/      one readable <index>.md per episode
 * ```
 */
import { z } from 'zod';

/** The version of the run-folder format; a folder of another version is refused with a clear error. */
export const RUN_FORMAT_VERSION = 1;

/** A policy of a run: its registered name and the options it was built with. */
export const RunPolicySchema = z.strictObject({
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
});

/** A policy of a run. */
export type RunPolicy = z.output<typeof RunPolicySchema>;

/** The resolved configuration of a run: everything that decides which episodes it holds. */
export const RunConfigSchema = z.strictObject({
  /** The environment id (`simkube/fix-resources-v0`). */
  env: z.string().min(1),
  /** Keyword arguments of `make(env, kwargs)` shared by every episode (the trace is added per episode). */
  envKwargs: z.record(z.string(), z.unknown()),
  /** The policies, in order. */
  policies: z.array(RunPolicySchema).min(1),
  /** The trace files episodes run on (absolute paths), or `null` when the environment draws its own tasks. */
  traces: z.array(z.string()).nullable(),
  /** Episodes per policy and trace. */
  episodes: z.int().min(1),
  /** The base seed: episode k of every (policy, trace) pair is reset with `seed + k`. */
  seed: z.int().min(0),
  /** Episodes in flight at once. */
  concurrency: z.int().min(1),
  /** A step cap per episode beyond the environment's own time limit. */
  maxSteps: z.int().min(1),
});

/** The resolved configuration of a run. */
export type RunConfig = z.output<typeof RunConfigSchema>;

/** `run.json`. */
export const RunManifestSchema = z.strictObject({
  version: z.literal(RUN_FORMAT_VERSION),
  /** The command line that started the run (argv after `node`), or `null` when started from code. */
  command: z.array(z.string()).nullable(),
  /** ISO time the run started. */
  startedAt: z.string(),
  config: RunConfigSchema,
  /** Every resume: when, and by which command. */
  resumes: z.array(z.strictObject({ at: z.string(), command: z.array(z.string()).nullable() })),
});

/** `run.json`. */
export type RunManifest = z.output<typeof RunManifestSchema>;

/** One finished (or failed) episode: a line of `episodes.jsonl`. Holds no wall-clock time, so reruns are identical. */
export const EpisodeRecordSchema = z.strictObject({
  /** The episode's index in the run's plan (0-based, the order of `episodes.jsonl`). */
  index: z.int().min(0),
  /** The policy's name. */
  policy: z.string(),
  /** The trace file (absolute, as in the config), or `null` when the environment drew the task. */
  trace: z.string().nullable(),
  /** The episode's number within its (policy, trace) pair. */
  episode: z.int().min(0),
  /** The seed `reset` got. */
  seed: z.int(),
  /** `ok`, or `error` when the episode could not run (its trace failed to load, the policy threw…). */
  status: z.enum(['ok', 'error']),
  /** The sum of rewards. */
  return: z.number(),
  /** Steps taken. */
  length: z.int().min(0),
  terminated: z.boolean(),
  truncated: z.boolean(),
  /** The task was solved: the last step's `info.success` when the env reports it, else terminated without an error. */
  success: z.boolean(),
  /** Steps until success, `null` when not solved. */
  stepsToFix: z.int().min(0).nullable(),
  /** The over-allocation of the final state (SimKube: `info.reward.waste`), `null` when the env reports none. */
  waste: z.number().nullable(),
  /** What the environment says the task was (SimKube: the trace's label), when it says. */
  label: z.string().nullable(),
  /** Why the episode failed (`status: 'error'`). */
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});

/** A line of `episodes.jsonl`. */
export type EpisodeRecord = z.output<typeof EpisodeRecordSchema>;

/** One step: a line of `steps.jsonl`. `info` leaves out `actionMask` (it is derivable and large). */
export const StepRecordSchema = z.strictObject({
  /** The episode's index. */
  episode: z.int().min(0),
  /** The step's index within the episode (0-based). */
  step: z.int().min(0),
  action: z.unknown(),
  reward: z.number(),
  terminated: z.boolean(),
  truncated: z.boolean(),
  info: z.record(z.string(), z.unknown()),
});

/** A line of `steps.jsonl`. */
export type StepRecord = z.output<typeof StepRecordSchema>;

/** Aggregates over a set of episodes. */
export const AggregateSchema = z.strictObject({
  episodes: z.int().min(0),
  /** Episodes that could not run. */
  errors: z.int().min(0),
  /** Solved episodes / episodes (errors count as failures); 0 for none. */
  successRate: z.number(),
  /** Mean return over episodes that ran; `null` for none. */
  meanReturn: z.number().nullable(),
  /** Mean length over episodes that ran. */
  meanLength: z.number().nullable(),
  /** Mean steps to fix over solved episodes. */
  meanStepsToFix: z.number().nullable(),
  /** Mean final waste over episodes that report it. */
  meanWaste: z.number().nullable(),
});

/** Aggregates over a set of episodes. */
export type Aggregate = z.output<typeof AggregateSchema>;

/** The state of a run as its files tell it. */
export const RunStatusSchema = z.enum(['running', 'finished', 'interrupted', 'failed']);

/** The state of a run. */
export type RunStatus = z.output<typeof RunStatusSchema>;

/** `summary.json`. */
export const RunSummarySchema = z.strictObject({
  version: z.literal(RUN_FORMAT_VERSION),
  status: RunStatusSchema,
  /** Episodes planned and committed. */
  planned: z.int().min(0),
  done: z.int().min(0),
  /** Seconds spent running, summed over the run and its resumes. */
  wallSeconds: z.number().min(0),
  overall: AggregateSchema,
  byPolicy: z.record(z.string(), AggregateSchema),
  /** By trace (`"(drawn)"` when the environment drew the tasks). */
  byTrace: z.record(z.string(), AggregateSchema),
  /** One row per (policy, trace) pair, in plan order. */
  byPolicyTrace: z.array(AggregateSchema.extend({ policy: z.string(), trace: z.string() })),
  /** Why the run failed (`status: 'failed'`). */
  error: z.string().optional(),
});

/** `summary.json`. */
export type RunSummary = z.output<typeof RunSummarySchema>;

/** `heartbeat.json`. */
export const HeartbeatSchema = z.strictObject({
  /** The process working on the run. */
  pid: z.int(),
  hostname: z.string(),
  /** When this process started on the run, and when it last wrote the heartbeat (ISO times). */
  startedAt: z.string(),
  updatedAt: z.string(),
  status: RunStatusSchema,
  planned: z.int().min(0),
  done: z.int().min(0),
  errors: z.int().min(0),
  /** Episodes committed per second by this process. */
  episodesPerSecond: z.number().min(0),
  /** The indexes of the episodes in flight. */
  inFlight: z.array(z.int().min(0)),
});

/** `heartbeat.json`. */
export type Heartbeat = z.output<typeof HeartbeatSchema>;

/** The trace key of summaries when the environment draws its own tasks. */
export const DRAWN_TRACE = '(drawn)';
