/**
 * The environment registry: `register` an id once, then `make` it anywhere. Ids are versioned,
 * `namespace/name-vN`; `make` wraps the created environment as Gymnasium does: passive env checker, then
 * `OrderEnforcing`, then `TimeLimit` when the spec has a step limit.
 */
import type { Env } from './env.js';
import type { EnvCreator, EnvSpec } from './env-spec.js';
import { RegistryError } from './errors.js';
import { globalSingleton } from './global-singleton.js';
import { closestNames } from './suggest.js';
import { OrderEnforcing } from './wrappers/order-enforcing.js';
import { PassiveEnvChecker } from './wrappers/passive-env-checker.js';
import { TimeLimit } from './wrappers/time-limit.js';

/** What `register` takes: the id and entry point, everything else optional. */
export interface RegisterArgs {
  id: string;
  entryPoint: EnvCreator;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  nondeterministic?: boolean;
  orderEnforce?: boolean;
  disableEnvChecker?: boolean;
  kwargs?: Record<string, unknown>;
  description?: string;
  /**
   * A module whose import registers this id: a package specifier (`'sim-arena/simkube'`, `'my-lab/envs'`) or a file
   * URL. Asynchronous vector environments import it in their worker threads to rebuild the environment there.
   */
  entryModule?: string;
}

/** Options of `make` that change the wrapper stack rather than the environment. */
export interface MakeOptions {
  /** Overrides the spec's step limit; `null` removes the time limit. */
  maxEpisodeSteps?: number | null;
  /** Skips the passive environment checker. */
  disableEnvChecker?: boolean;
  /** Skips `OrderEnforcing`. */
  orderEnforce?: boolean;
}

const ID_PATTERN = /^([A-Za-z0-9_.:-]+)\/([A-Za-z0-9_.:-]+?)-v(\d+)$/;

/** Splits `namespace/name-vN` into its parts; throws a `RegistryError` naming the expected form otherwise. */
export function parseEnvId(id: string): { namespace: string; name: string; version: number } {
  const match = ID_PATTERN.exec(id);
  if (!match) {
    throw new RegistryError(
      'MALFORMED_ENV_ID',
      `environment id ${JSON.stringify(id)} is malformed: write it as namespace/name-vN, e.g. classic/CartPole-v1`,
    );
  }
  return { namespace: match[1] as string, name: match[2] as string, version: Number(match[3]) };
}

/** A set of registered environments. Most code uses the default one through the module functions below. */
export class Registry {
  readonly #specs = new Map<string, EnvSpec>();

  /** Registers an id; registering the same id twice is an error (ids are immutable once published). */
  register(args: RegisterArgs): EnvSpec {
    const parts = parseEnvId(args.id);
    if (this.#specs.has(args.id)) {
      throw new RegistryError(
        'DUPLICATE_ENV_ID',
        `${args.id} is already registered; bump the version (-v${parts.version + 1}) to change an environment`,
      );
    }
    if (
      args.maxEpisodeSteps !== undefined &&
      !(Number.isSafeInteger(args.maxEpisodeSteps) && args.maxEpisodeSteps > 0)
    ) {
      throw new RegistryError('INVALID_SPEC', `${args.id}: maxEpisodeSteps must be a positive integer`);
    }
    const spec: EnvSpec = {
      id: args.id,
      ...parts,
      entryPoint: args.entryPoint,
      maxEpisodeSteps: args.maxEpisodeSteps,
      rewardThreshold: args.rewardThreshold,
      nondeterministic: args.nondeterministic ?? false,
      orderEnforce: args.orderEnforce ?? true,
      disableEnvChecker: args.disableEnvChecker ?? false,
      kwargs: Object.freeze({ ...args.kwargs }),
      description: args.description ?? '',
      entryModule: args.entryModule,
    };
    this.#specs.set(args.id, Object.freeze(spec));
    return spec;
  }

  /** Whether an id is registered. */
  has(id: string): boolean {
    return this.#specs.has(id);
  }

  /** The spec of a registered id; an unknown id throws a `RegistryError` suggesting the closest known ids. */
  spec(id: string): EnvSpec {
    const found = this.#specs.get(id);
    if (found) return found;
    throw this.#unknown(id);
  }

  /** Every registered spec, sorted by id. */
  listEnvs(): EnvSpec[] {
    return [...this.#specs.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Builds the environment registered as `id` with the spec's kwargs overridden by `kwargs`, wrapped in the
   * passive env checker, `OrderEnforcing` and `TimeLimit` (each optional, as the spec and `options` say).
   */
  async make<Obs = unknown, Act = unknown>(
    id: string,
    kwargs: Record<string, unknown> = {},
    options: MakeOptions = {},
  ): Promise<Env<Obs, Act>> {
    const envSpec = this.spec(id);
    const maxEpisodeSteps =
      options.maxEpisodeSteps === null ? undefined : (options.maxEpisodeSteps ?? envSpec.maxEpisodeSteps);
    const finalSpec: EnvSpec = {
      ...envSpec,
      maxEpisodeSteps,
      kwargs: Object.freeze({ ...envSpec.kwargs, ...kwargs }),
      disableEnvChecker: options.disableEnvChecker ?? envSpec.disableEnvChecker,
      orderEnforce: options.orderEnforce ?? envSpec.orderEnforce,
    };
    let env: Env = await envSpec.entryPoint({ ...finalSpec.kwargs });
    env.unwrapped.spec = finalSpec;
    if (!finalSpec.disableEnvChecker) env = new PassiveEnvChecker(env);
    if (finalSpec.orderEnforce) env = new OrderEnforcing(env);
    if (maxEpisodeSteps !== undefined) env = new TimeLimit(env, maxEpisodeSteps);
    env.spec = finalSpec;
    return env as Env<Obs, Act>;
  }

  #unknown(id: string): RegistryError {
    const closest = closestNames(this.#specs.keys(), id);
    const hint =
      closest.length > 0
        ? ` Did you mean ${closest.join(', ')}?`
        : ' No environment is registered: import the package that registers it (e.g. sim-arena/simkube).';
    return new RegistryError(
      'UNKNOWN_ENV_ID',
      `no environment is registered as ${JSON.stringify(id)}.${hint}`,
    );
  }
}

/**
 * The registry the module functions use. It lives on `globalThis` so that the ESM and CJS builds (or two bundled
 * copies) loaded in one thread share it.
 */
export const defaultRegistry: Registry = globalSingleton('sim-arena.defaultRegistry', () => new Registry());

/** Registers an environment in the default registry. */
export function register(args: RegisterArgs): EnvSpec {
  return defaultRegistry.register(args);
}

/** Builds a registered environment from the default registry; see {@link Registry.make}. */
export function make<Obs = unknown, Act = unknown>(
  id: string,
  kwargs?: Record<string, unknown>,
  options?: MakeOptions,
): Promise<Env<Obs, Act>> {
  return defaultRegistry.make<Obs, Act>(id, kwargs, options);
}

/** The spec of an id in the default registry. */
export function spec(id: string): EnvSpec {
  return defaultRegistry.spec(id);
}

/** Every spec of the default registry, sorted by id. */
export function listEnvs(): EnvSpec[] {
  return defaultRegistry.listEnvs();
}
