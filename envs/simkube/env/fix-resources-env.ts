/**
 * `simkube/fix-resources-v0`: a SimKube trace whose workloads do not fit their cluster; the agent edits requests and
 * replicas until every pod runs, without waste. A thin stateful shell around pure parts:
 * `reset → trace-source → cluster/replay → observation`, then each `step`: `safeguards → trace/ops → cluster/replay →
 * assessment → rewards`. See `docs/environments/simkube.md`.
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
import type { ActionEnumerable } from '../../../src/core/wrappers/discrete-actions.js';
import type { BackendSession, SimKubeBackend } from '../backends/backend.js';
import { backendFor } from '../backends/index.js';
import { describeCluster } from '../cluster/nodes.js';
import type { CompiledVersion, SimulationResult } from '../cluster/replay.js';
import type { TraceChange, TraceOp, TraceOpFailure } from '../trace/ops.js';
import type { Trace } from '../trace/schema.js';
import { TRACE_LABELS, type TraceLabel } from '../trace/trace-meta.js';
import {
  enumerateFixResourcesActions,
  type FixResourcesAction,
  fixResourcesActionSpace,
  parseAction,
  SMALL_OPS,
  type SmallOp,
  slotOf,
} from './actions.js';
import { type Assessment, assess, lastVersions } from './assessment.js';
import type { FixResourcesOptions } from './config.js';
import {
  buildObservation,
  type FixResourcesObservation,
  FixResourcesObservationSpace,
} from './observation.js';
import { type RewardBreakdown, reward } from './rewards.js';
import { budgetExhausted, type Caps, capsOf, guardedApply, type SafeguardReport } from './safeguards.js';
import { type EpisodeTask, TaskSampler } from './trace-source.js';
import {
  readWorkloadFacts,
  smallOpAllowed,
  updateWorkloadFacts,
  type WorkloadFacts,
} from './workload-facts.js';

/** The state of an episode between steps. */
interface Episode {
  task: EpisodeTask;
  /** The cluster as a shorthand, for `info.cluster`. */
  cluster: string;
  trace: Trace;
  /** The backend's session that runs the episode's traces. */
  session: BackendSession;
  originalVersions: Map<string, CompiledVersion>;
  versions: Map<string, CompiledVersion>;
  facts: Map<string, WorkloadFacts>;
  result: SimulationResult;
  assessment: Assessment;
  step: number;
  actionsUsed: number;
  done: boolean;
}

/** The options `reset({ options })` accepts. */
export interface FixResourcesResetOptions {
  /** Use this trace file for the episode instead of drawing one. */
  trace?: string;
  /** With the generator source: the label of the episode's trace. */
  label?: TraceLabel;
}

/** The environment; build it with `make('simkube/fix-resources-v0', options)`. */
export class FixResourcesEnv
  extends BaseEnv<FixResourcesObservation, FixResourcesAction>
  implements ActionEnumerable<FixResourcesAction>
{
  readonly observationSpace: FixResourcesObservationSpace;
  readonly actionSpace;
  override readonly metadata: EnvMetadata = { renderModes: ['ansi'] };
  readonly options: FixResourcesOptions;
  readonly #sampler: TaskSampler;
  readonly #caps: Caps;
  readonly #actions: readonly FixResourcesAction[];
  readonly #backend: SimKubeBackend;
  #episode: Episode | undefined;

  /**
   * @param options the resolved options (`FixResourcesOptionsSchema.parse(...)`; `make` does it).
   * @param backend runs the traces; default the one `options.backend` names (with `options.kubernetes`).
   */
  constructor(options: FixResourcesOptions, backend: SimKubeBackend = backendFor(options)) {
    super();
    this.options = options;
    this.#backend = backend;
    this.observationSpace = new FixResourcesObservationSpace(options.maxWorkloads, options.maxNodes);
    this.actionSpace = fixResourcesActionSpace(options.maxWorkloads);
    this.#actions = enumerateFixResourcesActions(options.maxWorkloads);
    const source =
      options.source ??
      (options.trace !== undefined
        ? { file: options.trace }
        : options.traces !== undefined
          ? { directory: options.traces }
          : { generator: {} });
    this.#sampler = new TaskSampler(source, options.cluster);
    this.#caps = capsOf(options.safeguards);
  }

  async reset(args: ResetArgs = {}): Promise<ResetResult<FixResourcesObservation>> {
    this.reseed(args.seed);
    const override = resetOptions(args.options);
    const task = await this.#sampler.sample(this.rng, override);
    await this.#episode?.session.close();
    this.#episode = undefined;
    const session = await this.#backend.open(task.nodes);
    const { compiled, result } = await session.run(task.trace);
    const versions = lastVersions(compiled);
    this.#episode = {
      task,
      cluster: describeCluster(task.nodes),
      trace: task.trace,
      session,
      originalVersions: versions,
      versions,
      facts: readWorkloadFacts(task.trace),
      result,
      assessment: assess(result, versions, versions, task.nodes),
      step: 0,
      actionsUsed: 0,
      done: false,
    };
    return { observation: this.observe(), info: this.#info({}) };
  }

  async step(action: FixResourcesAction): Promise<StepResult<FixResourcesObservation>> {
    const parsed = parseAction(action);
    if (!parsed.ok)
      throw new InvalidActionError(`not an action of simkube/fix-resources-v0: ${parsed.message}`);
    const episode = this.#episode;
    if (episode === undefined || episode.done) {
      throw new ResetNeededError(
        'simkube/fix-resources-v0: call reset() before step() and after the episode ends',
      );
    }
    const before = episode.assessment;
    const { step, actionsUsed } = episode;
    episode.step += 1;
    let outcome: StepOutcome;
    try {
      outcome = await this.#apply(episode, parsed.action);
    } catch (error) {
      // the backend failed: the episode stays as it was, and the step can be retried
      Object.assign(episode, { step, actionsUsed });
      throw error;
    }
    const rewardBreakdown = reward(this.options.rewardMode, before, episode.assessment, {
      blocked: outcome.safeguard?.blocked ?? false,
      failed: outcome.failure !== undefined,
    });
    episode.done = episode.assessment.healthy;
    return {
      observation: this.observe(),
      reward: rewardBreakdown.total,
      terminated: episode.done,
      truncated: false,
      info: this.#info({ outcome, reward: rewardBreakdown }),
    };
  }

  /** Applies an action to the episode (trace, replay, assessment) and says what happened. */
  async #apply(episode: Episode, action: FixResourcesAction): Promise<StepOutcome> {
    if (action.type === 'noop') return { applied: false };
    if (episode.actionsUsed >= this.options.safeguards.actionBudget) {
      return { applied: false, safeguard: budgetExhausted(this.options.safeguards.actionBudget) };
    }
    episode.actionsUsed += 1;
    const op = this.#resolveSlot(episode, action);
    if ('code' in op) return { applied: false, failure: op };
    const guarded = guardedApply(episode.trace, op, this.#caps, this.options.safeguards);
    if (guarded.kind === 'failed') return { applied: false, failure: guarded.failure };
    if (guarded.kind === 'blocked') return { applied: false, safeguard: guarded.safeguard };
    const { compiled, result } = await episode.session.run(guarded.trace);
    episode.trace = guarded.trace;
    episode.versions = lastVersions(compiled);
    updateWorkloadFacts(episode.facts, guarded.changes);
    episode.result = result;
    episode.assessment = assess(
      episode.result,
      episode.originalVersions,
      episode.versions,
      episode.task.nodes,
    );
    const outcome: StepOutcome = { applied: true, changes: guarded.changes };
    if (guarded.safeguard) outcome.safeguard = guarded.safeguard;
    return outcome;
  }

  /** Turns a `#i` workload reference into the workload's id (or a failure naming the valid slots). */
  #resolveSlot(episode: Episode, op: TraceOp): TraceOp | TraceOpFailure {
    const slot = slotOf(op.workload);
    if (slot === undefined) return op;
    const workload = episode.result.workloads[slot];
    if (workload !== undefined) return { ...op, workload: workload.key };
    const choices = episode.result.workloads.map((w, i) => `#${i} (${w.key})`);
    return {
      code: 'WORKLOAD_NOT_FOUND',
      message: `workload slot ${op.workload} is empty: this trace has ${choices.length} workload(s), #0…#${choices.length - 1}`,
      choices,
    };
  }

  observe(): FixResourcesObservation {
    const episode = this.#episode;
    if (episode === undefined)
      throw new ResetNeededError('simkube/fix-resources-v0: call reset() before observe()');
    return buildObservation(
      episode.result,
      episode.versions,
      episode.step,
      this.options.safeguards.actionBudget - episode.actionsUsed,
    );
  }

  /** The fixed action list of `DiscreteActions`: noop, then six small operations per workload slot. */
  enumerateActions(): readonly FixResourcesAction[] {
    return this.#actions;
  }

  /** Which of `actions` would be applied now (1): slot filled, budget left, caps and fields allowing it. */
  actionMask(actions: readonly FixResourcesAction[]): Uint8Array {
    const episode = this.#episode;
    const mask = new Uint8Array(actions.length);
    const budgetLeft = episode !== undefined && episode.actionsUsed < this.options.safeguards.actionBudget;
    if (actions === this.#actions) {
      mask[0] = 1; // noop
      if (budgetLeft) this.#maskSlots(episode, mask);
      return mask;
    }
    const clip = this.options.safeguards.mode === 'clip';
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.type === 'noop') {
        mask[i] = 1;
        continue;
      }
      if (!budgetLeft || !SMALL_OP_SET.has(action.type)) continue;
      const slot = slotOf(action.workload);
      const key = slot === undefined ? undefined : episode.result.workloads[slot]?.key;
      const facts = key === undefined ? undefined : episode.facts.get(key);
      if (facts !== undefined && smallOpAllowed(facts, action.type as SmallOp, this.#caps, clip)) mask[i] = 1;
    }
    return mask;
  }

  /** The mask of the fixed action list's small operations, slot by slot (see `enumerateFixResourcesActions`). */
  #maskSlots(episode: Episode, mask: Uint8Array): void {
    const clip = this.options.safeguards.mode === 'clip';
    const workloads = episode.result.workloads;
    const slots = Math.min(workloads.length, this.options.maxWorkloads);
    for (let slot = 0; slot < slots; slot++) {
      const facts = episode.facts.get(workloads[slot]!.key);
      if (facts === undefined) continue;
      const first = 1 + slot * SMALL_OPS.length;
      for (let k = 0; k < SMALL_OPS.length; k++) {
        if (smallOpAllowed(facts, SMALL_OPS[k]!, this.#caps, clip)) mask[first + k] = 1;
      }
    }
  }

  protected override async onClose(): Promise<void> {
    await this.#episode?.session.close();
    this.#episode = undefined;
  }

  /** The current (edited) trace of the episode, to save or inspect. */
  currentTrace(): Trace {
    if (this.#episode === undefined)
      throw new ResetNeededError('simkube/fix-resources-v0: call reset() first');
    return this.#episode.trace;
  }

  /** A few lines: each workload's pods and the nodes' use. */
  render(): string {
    const o = this.observe();
    const lines = [
      `step ${o.step}: ${o.ready}/${o.total} pods running, ${o.pending} pending, ${o.actionsRemaining} actions left`,
    ];
    for (const w of o.workloads) {
      lines.push(
        `  ${w.id}: ${w.ready}/${w.total} running, ${w.replicas} replicas × {${w.podCpuMillis}m, ${Math.round(w.podMemoryBytes / 2 ** 20)}Mi}` +
          (w.pendingReasons.length > 0 ? ` — ${w.pendingReasons.join(' | ')}` : ''),
      );
    }
    for (const n of o.nodes) {
      lines.push(
        `  ${n.name}: cpu ${n.cpuRequestedMillis}/${n.cpuAllocatableMillis}m, pods ${n.podsRequested}/${n.podsAllocatable}`,
      );
    }
    return lines.join('\n');
  }

  #info(extra: { outcome?: StepOutcome; reward?: RewardBreakdown }): Info {
    const episode = this.#episode as Episode;
    const info: Info = {
      trace: episode.task.name,
      label: episode.task.meta?.label ?? null,
      cluster: episode.cluster,
      healthy: episode.assessment.healthy,
      actionMask: this.#allowedActions(),
    };
    if (extra.reward) info.reward = extra.reward;
    const outcome = extra.outcome;
    if (outcome) {
      info.applied = outcome.applied;
      if (outcome.changes) info.changes = outcome.changes;
      if (outcome.safeguard) info.safeguard = outcome.safeguard;
      if (outcome.failure) info.actionError = outcome.failure;
    }
    return info;
  }

  /** The allowed actions of the fixed list, as the structured space's mask (a list of elements). */
  #allowedActions(): FixResourcesAction[] {
    const mask = this.actionMask(this.#actions);
    return this.#actions.filter((_, i) => mask[i] === 1);
  }
}

/** {@link SMALL_OPS} as a set, for the mask. */
const SMALL_OP_SET: ReadonlySet<string> = new Set(SMALL_OPS);

/** What happened to a step's action. */
interface StepOutcome {
  applied: boolean;
  changes?: TraceChange[];
  safeguard?: SafeguardReport;
  failure?: TraceOpFailure;
}

const ResetOptionsSchema = z.strictObject({
  trace: z.string().min(1).optional(),
  label: z.enum(TRACE_LABELS).optional(),
});

function resetOptions(options: Record<string, unknown> | undefined): FixResourcesResetOptions | undefined {
  if (options === undefined) return undefined;
  const parsed = parseKwargs(ResetOptionsSchema, options, 'reset options of simkube/fix-resources-v0');
  return {
    ...(parsed.trace === undefined ? {} : { trace: parsed.trace }),
    ...(parsed.label === undefined ? {} : { label: parsed.label }),
  };
}
