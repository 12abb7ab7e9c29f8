/**
 * The base of every wrapper: an environment that forwards everything to the environment it wraps, so a subclass
 * overrides exactly the one thing it changes. Wrappers compose: `new TimeLimit(new OrderEnforcing(env), 100)`.
 */
import type { Env, EnvMetadata, ResetArgs, ResetResult, StepResult } from '../env.js';
import type { EnvSpec } from '../env-spec.js';
import type { Space } from '../spaces/space.js';

/**
 * Forwards every call to `env`. `Obs`/`Act` are what the wrapper exposes, `InnerObs`/`InnerAct` what it wraps.
 */
export class Wrapper<Obs = unknown, Act = unknown, InnerObs = Obs, InnerAct = Act> implements Env<Obs, Act> {
  /** The wrapped environment. */
  readonly env: Env<InnerObs, InnerAct>;

  constructor(env: Env<InnerObs, InnerAct>) {
    this.env = env;
  }

  get observationSpace(): Space<Obs> {
    return this.env.observationSpace as unknown as Space<Obs>;
  }

  get actionSpace(): Space<Act> {
    return this.env.actionSpace as unknown as Space<Act>;
  }

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  get spec(): EnvSpec | undefined {
    return this.env.spec;
  }

  set spec(value: EnvSpec | undefined) {
    this.env.spec = value;
  }

  reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    return this.env.reset(args) as unknown as Promise<ResetResult<Obs>>;
  }

  step(action: Act): Promise<StepResult<Obs>> {
    return this.env.step(action as unknown as InnerAct) as unknown as Promise<StepResult<Obs>>;
  }

  observe(): Obs {
    return this.env.observe() as unknown as Obs;
  }

  render(): string {
    if (!this.env.render) return '';
    return this.env.render();
  }

  close(): Promise<void> {
    return this.env.close();
  }

  get unwrapped(): Env {
    return this.env.unwrapped;
  }

  /** The wrapper chain from the outside in, for debugging: `TimeLimit<OrderEnforcing<CartPole>>`. */
  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}

/** A wrapper that transforms observations only: override {@link ObservationWrapper.observation}. */
export abstract class ObservationWrapper<Obs, Act, InnerObs> extends Wrapper<Obs, Act, InnerObs, Act> {
  /** Maps an inner observation to the one this wrapper exposes. */
  abstract observation(inner: InnerObs): Obs;

  override async reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    const { observation, info } = await this.env.reset(args);
    return { observation: this.observation(observation), info };
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    return { ...result, observation: this.observation(result.observation) };
  }

  override observe(): Obs {
    return this.observation(this.env.observe());
  }
}
