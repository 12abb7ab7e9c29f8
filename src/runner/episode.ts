/**
 * One episode of a run: build the environment (with the episode's trace) and a fresh policy, roll the episode out,
 * and turn it into the records of the run folder. An episode that cannot run (its trace does not load, the policy
 * throws) becomes an `error` record; the run goes on. An aborted episode produces nothing.
 */
import type { Env, Info } from '../core/env.js';
import { SimArenaError } from '../core/errors.js';
import { makePolicy } from '../core/policy.js';
import { make } from '../core/registry.js';
import type { EpisodeRecord, RunConfig, StepRecord } from './records.js';
import { rolloutEpisode } from './rollout.js';
import type { EpisodeSpec } from './run-plan.js';
import { TranscriptWriter } from './transcript.js';

/** What one episode leaves in the run folder. */
export interface EpisodeOutcome {
  record: EpisodeRecord;
  steps: StepRecord[];
  transcript: string;
}

/** `info` as `steps.jsonl` keeps it: without `actionMask`, typed arrays as plain arrays. */
export function recordedInfo(info: Info): Record<string, unknown> {
  const { actionMask: _mask, ...rest } = info;
  return JSON.parse(
    JSON.stringify(rest, (_key, value) =>
      ArrayBuffer.isView(value) ? Array.from(value as Uint8Array) : value,
    ),
  );
}

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof SimArenaError) return { code: error.code, message: error.message };
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

function baseRecord(spec: EpisodeSpec) {
  return {
    index: spec.index,
    policy: spec.policy.name,
    trace: spec.trace,
    episode: spec.episode,
    seed: spec.seed,
  };
}

/** Runs one planned episode; rejects only when `signal` aborts it. */
export async function runEpisode(
  spec: EpisodeSpec,
  config: RunConfig,
  signal: AbortSignal | undefined,
): Promise<EpisodeOutcome> {
  let env: Env | undefined;
  try {
    const kwargs = spec.trace === null ? config.envKwargs : { ...config.envKwargs, trace: spec.trace };
    const madeEnv = await make(config.env, kwargs);
    env = madeEnv;
    const policy = await makePolicy(spec.policy.name, spec.policy.options);
    const transcript = new TranscriptWriter(() => madeEnv.render?.() ?? '');
    const steps: StepRecord[] = [];
    const result = await rolloutEpisode(madeEnv, policy, {
      seed: spec.seed,
      maxSteps: config.maxSteps,
      ...(signal ? { signal } : {}),
      onReset: ({ observation }) => transcript.start(observation),
      onStep: (step) => {
        steps.push({
          episode: spec.index,
          step: step.index,
          action: step.action,
          reward: step.reward,
          terminated: step.terminated,
          truncated: step.truncated,
          info: recordedInfo(step.info),
        });
        transcript.step(step.index, step.action, step.reward, step.observation, step.info);
      },
    });
    await policy.close?.();
    const { lastInfo } = result;
    const waste = (lastInfo.reward as { waste?: unknown } | undefined)?.waste;
    // an environment may say how the episode ended (csv/analysis-v0: the answer was correct); else terminated counts
    const success = typeof lastInfo.success === 'boolean' ? lastInfo.success : result.terminated;
    const record: EpisodeRecord = {
      ...baseRecord(spec),
      status: 'ok',
      return: result.return,
      length: result.length,
      terminated: result.terminated,
      truncated: result.truncated,
      success,
      stepsToFix: success ? result.length : null,
      waste: typeof waste === 'number' ? waste : null,
      label: typeof lastInfo.label === 'string' ? lastInfo.label : null,
    };
    return { record, steps, transcript: transcript.finish(record, config.env) };
  } catch (error) {
    if (signal?.aborted) throw error;
    const record: EpisodeRecord = {
      ...baseRecord(spec),
      status: 'error',
      return: 0,
      length: 0,
      terminated: false,
      truncated: false,
      success: false,
      stepsToFix: null,
      waste: null,
      label: null,
      error: errorOf(error),
    };
    return { record, steps: [], transcript: new TranscriptWriter(undefined).finish(record, config.env) };
  } finally {
    await env?.close();
  }
}
