/**
 * `checkEnv`: Gymnasium's environment checks, plus a multi-step determinism test and a check that different seeds
 * give different episodes. Every shipped environment passes it in the test suite.
 */
import type { Env, Info, StepResult } from './env.js';
import { EnvCheckError } from './errors.js';
import { createRng, type Rng } from './rng.js';
import { Space } from './spaces/space.js';

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Steps of each determinism run (default 200). Episodes that end are reset without a seed and continued. */
  determinismSteps?: number;
  /** The seed of the determinism runs (default 0). */
  seed?: number;
  /** How many other seeds to try before concluding that the seed is ignored (default 8). */
  divergenceSeeds?: number;
  /** Skip the divergence check (for environments whose every episode is truly the same). */
  skipDivergence?: boolean;
  /** `info` keys left out of the determinism comparison (wall-clock timings, for instance). */
  ignoreInfoKeys?: readonly string[];
}

/** What {@link checkEnv} found: the names of the checks that passed. */
export interface CheckEnvReport {
  passed: string[];
}

/**
 * Runs every check and throws one `EnvCheckError` listing all failures; returns the passed checks otherwise.
 * Leaves the environment reset (not closed).
 */
export async function checkEnv(env: Env, options: CheckEnvOptions = {}): Promise<CheckEnvReport> {
  const failures: string[] = [];
  const passed: string[] = [];
  const run = async (name: string, check: () => Promise<string[]>): Promise<void> => {
    try {
      const found = await check();
      if (found.length === 0) passed.push(name);
      else failures.push(...found.map((f) => `${name}: ${f}`));
    } catch (error) {
      failures.push(
        `${name}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  };

  await run('spaces', async () => checkSpaces(env));
  if (failures.length > 0) throw new EnvCheckError(String(env), failures);
  await run('reset', () => checkReset(env));
  await run('reset seeding', () => checkResetSeeding(env));
  await run('step', () => checkStep(env));
  await run('observe', () => checkObserve(env));
  await run('determinism', () => checkDeterminism(env, options));
  if (!options.skipDivergence && !env.spec?.nondeterministic) {
    await run('seed divergence', () => checkDivergence(env, options));
  }
  if (failures.length > 0) throw new EnvCheckError(String(env), failures);
  return { passed };
}

function checkSpaces(env: Env): string[] {
  const failures: string[] = [];
  if (!(env.observationSpace instanceof Space)) failures.push('observationSpace is not a Space');
  if (!(env.actionSpace instanceof Space)) failures.push('actionSpace is not a Space');
  return failures;
}

async function checkReset(env: Env): Promise<string[]> {
  const failures: string[] = [];
  const result = await env.reset({ seed: 123, options: {} });
  if (!env.observationSpace.contains(result.observation)) {
    failures.push('the observation of reset() is not in observationSpace');
  }
  if (!isPlainObject(result.info)) failures.push('reset() must return info as a plain object');
  return failures;
}

async function checkResetSeeding(env: Env): Promise<string[]> {
  const first = await env.reset({ seed: 123 });
  const firstJson = observationJson(env, first.observation);
  const second = await env.reset({ seed: 123 });
  if (observationJson(env, second.observation) !== firstJson) {
    return ['reset({ seed: 123 }) twice gave different observations: seed every random choice from the seed'];
  }
  return [];
}

async function checkStep(env: Env): Promise<string[]> {
  const failures: string[] = [];
  await env.reset({ seed: 7 });
  const rng = createRng(7);
  const result = await env.step(env.actionSpace.sample(rng));
  if (!env.observationSpace.contains(result.observation)) {
    failures.push('the observation of step() is not in observationSpace');
  }
  if (typeof result.reward !== 'number' || !Number.isFinite(result.reward)) {
    failures.push(`step() returned reward ${String(result.reward)}: it must be a finite number`);
  }
  if (typeof result.terminated !== 'boolean') failures.push('terminated must be a boolean');
  if (typeof result.truncated !== 'boolean') failures.push('truncated must be a boolean');
  if (!isPlainObject(result.info)) failures.push('step() must return info as a plain object');
  return failures;
}

async function checkObserve(env: Env): Promise<string[]> {
  const { observation } = await env.reset({ seed: 11 });
  const first = observationJson(env, env.observe());
  const second = observationJson(env, env.observe());
  const failures: string[] = [];
  if (first !== observationJson(env, observation))
    failures.push('observe() differs from the observation of reset()');
  if (first !== second) failures.push('observe() is not free of side effects: two calls differ');
  return failures;
}

async function checkDeterminism(env: Env, options: CheckEnvOptions): Promise<string[]> {
  const seed = options.seed ?? 0;
  const steps = options.determinismSteps ?? 200;
  const first = await recordEpisodes(env, seed, seed, steps, options);
  const second = await recordEpisodes(env, seed, seed, steps, options);
  const at = first.findIndex((line, i) => line !== second[i]);
  if (at === -1) return [];
  return [
    `two runs with seed ${seed} and the same seeded actions differ at record ${at}:\n  ${first[at]}\n  ${second[at]}`,
  ];
}

async function checkDivergence(env: Env, options: CheckEnvOptions): Promise<string[]> {
  const seed = options.seed ?? 0;
  const steps = Math.min(options.determinismSteps ?? 200, 50);
  // The actions are drawn from the same generator for every environment seed: only the environment's seed varies.
  const base = (await recordEpisodes(env, seed, seed, steps, options)).join('\n');
  const tries = options.divergenceSeeds ?? 8;
  for (let other = seed + 1; other <= seed + tries; other++) {
    if ((await recordEpisodes(env, other, seed, steps, options)).join('\n') !== base) return [];
  }
  return [
    `seeds ${seed}…${seed + tries} all gave identical episodes: the seed seems ignored (pass skipDivergence if that is intended)`,
  ];
}

/**
 * Runs `steps` steps from `reset({ seed })` with actions sampled from a generator seeded with `actionSeed`
 * (honouring `info.actionMask` when the environment reports one) and returns one JSON line per reset and step.
 */
async function recordEpisodes(
  env: Env,
  seed: number,
  actionSeed: number,
  steps: number,
  options: CheckEnvOptions,
): Promise<string[]> {
  const rng: Rng = createRng(actionSeed);
  const lines: string[] = [];
  let { observation, info } = await env.reset({ seed });
  lines.push(`reset ${observationJson(env, observation)} ${infoJson(info, options)}`);
  for (let i = 0; i < steps; i++) {
    const mask = info.actionMask;
    const action = env.actionSpace.sample(rng, mask === undefined ? {} : { mask });
    const result: StepResult<unknown> = await env.step(action);
    lines.push(
      `step ${JSON.stringify(env.actionSpace.toJSONValue(action))} → ${observationJson(env, result.observation)} ` +
        `${result.reward} ${result.terminated} ${result.truncated} ${infoJson(result.info, options)}`,
    );
    ({ observation, info } = result);
    if (result.terminated || result.truncated) {
      ({ observation, info } = await env.reset());
      lines.push(`reset ${observationJson(env, observation)} ${infoJson(info, options)}`);
    }
  }
  return lines;
}

function observationJson(env: Env, observation: unknown): string {
  return JSON.stringify(env.observationSpace.toJSONValue(observation));
}

function infoJson(info: Info, options: CheckEnvOptions): string {
  const ignored = new Set(options.ignoreInfoKeys ?? []);
  return JSON.stringify(info, (key, value: unknown) => {
    if (ignored.has(key)) return undefined;
    if (typeof value === 'bigint') return `${value}n`;
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
    return value;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
