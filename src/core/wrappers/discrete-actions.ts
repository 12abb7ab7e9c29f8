/**
 * `DiscreteActions`: turns a structured action space into `Discrete(n)` over a fixed list of actions, and reports
 * which of them are currently allowed in `info.actionMask` (a `Uint8Array` of length n, 1 = allowed).
 */
import type { Env, Info, ResetArgs, ResetResult, StepResult } from '../env.js';
import { InvalidActionError, InvalidArgumentError } from '../errors.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import { Wrapper } from './wrapper.js';

/**
 * What an environment implements so that `DiscreteActions` can enumerate its actions without being told. The list
 * must be fixed for the environment's lifetime (pad it to a maximum and mask what does not apply, as the SimKube
 * environment pads to its maximum number of workloads).
 */
export interface ActionEnumerable<Act> {
  /** Every action the discrete index can stand for, in index order. */
  enumerateActions(): readonly Act[];
  /** Which of `actions` are allowed in the current state (1) or not (0). */
  actionMask(actions: readonly Act[]): Uint8Array;
}

/** Whether an environment implements {@link ActionEnumerable}. */
export function isActionEnumerable<Act>(env: unknown): env is ActionEnumerable<Act> {
  const candidate = env as Partial<ActionEnumerable<Act>> | null;
  return typeof candidate?.enumerateActions === 'function' && typeof candidate.actionMask === 'function';
}

/** Options of {@link DiscreteActions}. */
export interface DiscreteActionsOptions<Act> {
  /** The actions behind indices 0…n-1; defaults to the unwrapped environment's `enumerateActions()`. */
  actions?: readonly Act[];
  /** Computes the mask; defaults to the unwrapped environment's `actionMask`, else "every action contained". */
  mask?: (actions: readonly Act[]) => Uint8Array;
}

/** Exposes `Discrete(actions.length)`; index i steps the wrapped environment with `actions[i]`. */
export class DiscreteActions<Obs, Act> extends Wrapper<Obs, number, Obs, Act> {
  /** The structured action behind each index. */
  readonly actions: readonly Act[];
  readonly #space: Discrete;
  readonly #mask: (actions: readonly Act[]) => Uint8Array;

  constructor(env: Env<Obs, Act>, options: DiscreteActionsOptions<Act> = {}) {
    super(env);
    const unwrapped = env.unwrapped;
    const enumerable = isActionEnumerable<Act>(unwrapped) ? unwrapped : undefined;
    const actions = options.actions ?? enumerable?.enumerateActions();
    if (!actions || actions.length === 0) {
      throw new InvalidArgumentError(
        'DiscreteActions needs a non-empty action list: pass { actions } or wrap an environment that implements enumerateActions()',
      );
    }
    this.actions = Object.freeze([...actions]);
    this.#space = new Discrete(this.actions.length);
    const inner = env.actionSpace;
    this.#mask =
      options.mask ??
      (enumerable
        ? (list) => enumerable.actionMask(list)
        : (list) => Uint8Array.from(list, (action) => (inner.contains(action) ? 1 : 0)));
  }

  override get actionSpace(): Space<number> {
    return this.#space;
  }

  /** The structured action behind an index; throws `InvalidActionError` for an index outside the space. */
  action(index: number): Act {
    if (!this.#space.contains(index)) {
      throw new InvalidActionError(
        `action ${String(index)} is not in ${this.#space}: pick an index in [0, ${this.actions.length})`,
      );
    }
    return this.actions[index] as Act;
  }

  /** Which indices are allowed now. */
  actionMask(): Uint8Array {
    return this.#mask(this.actions);
  }

  override async reset(args?: ResetArgs): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(args);
    return { ...result, info: this.#withMask(result.info) };
  }

  override async step(index: number): Promise<StepResult<Obs>> {
    const result = await this.env.step(this.action(index));
    return { ...result, info: this.#withMask(result.info) };
  }

  #withMask(info: Info): Info {
    return { ...info, actionMask: this.actionMask() };
  }
}
