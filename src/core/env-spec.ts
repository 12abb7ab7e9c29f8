/** The registration record of an environment id (Gymnasium's `EnvSpec`). */
import type { Env } from './env.js';

/** Builds an environment from keyword arguments; may be async (to load files, start workers…). */
export type EnvCreator = (kwargs: Record<string, unknown>) => Env | Promise<Env>;

/** Everything `make` needs to build an environment, as registered. */
export interface EnvSpec {
  /** The full id, `namespace/name-vN`. */
  readonly id: string;
  /** The namespace part of the id (`simkube`, `classic`…). */
  readonly namespace: string;
  /** The name part of the id, without namespace and version. */
  readonly name: string;
  /** The version number N of `-vN`. */
  readonly version: number;
  /** The function that builds the environment. */
  readonly entryPoint: EnvCreator;
  /** Truncate episodes after this many steps (the `TimeLimit` wrapper); none when undefined. */
  readonly maxEpisodeSteps: number | undefined;
  /** The return above which the task counts as solved, if the task has one. */
  readonly rewardThreshold: number | undefined;
  /** Whether the same seed may give different episodes (real clusters, wall-clock time…). */
  readonly nondeterministic: boolean;
  /** Whether `make` wraps the environment in `OrderEnforcing`. */
  readonly orderEnforce: boolean;
  /** Whether `make` skips the passive environment checker. */
  readonly disableEnvChecker: boolean;
  /** Default keyword arguments handed to the entry point; `make`'s own kwargs override them. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** One sentence on what the environment is, shown by `sim-arena envs`. */
  readonly description: string;
  /** A module whose import registers this id (lets worker threads rebuild the environment). */
  readonly entryModule: string | undefined;
}
