/**
 * `PassiveEnvChecker`: checks the first `reset` and the first `step` against the contract (observation in its space,
 * finite numeric reward, boolean flags, object info) and throws `EnvCheckError` listing what is wrong. Later calls pass
 * straight through, so the check costs nothing after the first step.
 */
import type { ResetArgs, ResetResult, StepResult } from '../env.js';
import { EnvCheckError } from '../errors.js';
import { Wrapper } from './wrapper.js';

/** Checks the shapes of what the wrapped environment returns, once. */
export class PassiveEnvChecker<Obs, Act> extends Wrapper<Obs, Act> {
  #checkedReset = false;
  #checkedStep = false;

  override async reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(args);
    if (!this.#checkedReset) {
      this.#checkedReset = true;
      this.#throwIfAny(
        resultFailures('reset()', result, this.observationSpace.contains.bind(this.observationSpace)),
      );
    }
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    if (!this.#checkedStep) {
      this.#checkedStep = true;
      const failures = resultFailures(
        'step()',
        result,
        this.observationSpace.contains.bind(this.observationSpace),
      );
      if (typeof result.reward !== 'number' || !Number.isFinite(result.reward)) {
        failures.push(`step() returned reward ${String(result.reward)}: rewards must be finite numbers`);
      }
      for (const flag of ['terminated', 'truncated'] as const) {
        if (typeof result[flag] !== 'boolean') {
          failures.push(`step() returned ${flag} = ${String(result[flag])}: it must be a boolean`);
        }
      }
      this.#throwIfAny(failures);
    }
    return result;
  }

  #throwIfAny(failures: string[]): void {
    if (failures.length > 0) throw new EnvCheckError(String(this.env), failures);
  }
}

function resultFailures(
  call: string,
  result: { observation: unknown; info: unknown },
  contains: (value: unknown) => boolean,
): string[] {
  const failures: string[] = [];
  if (!contains(result.observation)) {
    failures.push(`${call} returned an observation outside the observation space`);
  }
  if (typeof result.info !== 'object' || result.info === null || Array.isArray(result.info)) {
    failures.push(`${call} returned info = ${JSON.stringify(result.info)}: info must be a plain object`);
  }
  return failures;
}
