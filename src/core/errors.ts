/**
 * The typed error hierarchy of the core contract. Every error has a stable `code` that callers can switch on and a
 * message that says what went wrong and how to fix it.
 */

/** Base class of every error sim-arena throws on purpose. */
export class SimArenaError extends Error {
  /** A stable, machine-readable identifier of the failure (never reworded). */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value, option or argument handed to the API is not acceptable. */
export class InvalidArgumentError extends SimArenaError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** `step` was called before `reset`, or after the episode ended without a new `reset`. */
export class ResetNeededError extends SimArenaError {
  constructor(message: string) {
    super('RESET_NEEDED', message);
  }
}

/** An action is not an element of the environment's action space. */
export class InvalidActionError extends SimArenaError {
  constructor(message: string) {
    super('INVALID_ACTION', message);
  }
}

/** An environment id is unknown, malformed or registered twice. */
export class RegistryError extends SimArenaError {}

/** `checkEnv` found the environment breaking the contract; `message` lists every failed check. */
export class EnvCheckError extends SimArenaError {
  /** One line per failed check. */
  readonly failures: readonly string[];

  constructor(envName: string, failures: readonly string[]) {
    super('ENV_CHECK_FAILED', `${envName} fails ${failures.length} check(s):\n- ${failures.join('\n- ')}`);
    this.failures = failures;
  }
}

/** A space cannot do what was asked (a value that does not belong, a space that cannot be flattened…). */
export class SpaceError extends SimArenaError {}

/** A vector environment was used out of order (recv without send, a closed vector env, a crashed worker). */
export class VectorEnvError extends SimArenaError {}

/** A policy name is unknown or a policy misbehaved. */
export class PolicyError extends SimArenaError {}
