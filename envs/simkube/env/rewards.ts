/**
 * The reward modes of `simkube/fix-resources-v0`; formulas and worked examples are in `docs/rewards.md`.
 *
 * - `binary` (`base`): 1 on the step that makes the cluster healthy, else 0.
 * - `gradual` (`shaped`): potential-based shaping. With Φ = progress − waste − shortfall, a step earns
 *   Φ(after) − Φ(before) + 1 if it made the cluster healthy − 0.01. An episode's return telescopes to
 *   Φ(final) − Φ(initial) + 1 (if solved) − 0.01 × steps: partial progress counts, waste and removed replicas cost,
 *   and dawdling does not pay.
 * - `penalty` (`max_punish`): 1 if healthy, minus waste, minus shortfall, minus 0.1 per workload whose pods exceed
 *   the largest node, minus 0.5 for a blocked action, minus 0.1 for an operation that failed (unknown workload…).
 *
 * Every step reports the components in `info.reward`.
 */

import type { Assessment } from './assessment.js';
import type { RewardMode } from './config.js';

/** Gradual: the cost of every step. */
export const STEP_COST = 0.01;
/** Gradual and penalty: the bonus (and binary's reward) for a healthy cluster. */
export const SUCCESS_REWARD = 1;
/** Penalty: per workload whose pods exceed the largest node. */
export const OVERSIZED_PENALTY = 0.1;
/** Penalty: for an action a safeguard blocked. */
export const BLOCKED_PENALTY = 0.5;
/** Penalty: for an operation that failed (no such workload, container or field). */
export const FAILED_PENALTY = 0.1;

/** What happened to the step's action, as far as rewards care. */
export interface ActionOutcome {
  blocked: boolean;
  failed: boolean;
}

/** A reward and its components (`info.reward`). */
export interface RewardBreakdown {
  mode: RewardMode;
  /** The reward of the step. */
  total: number;
  success: number;
  progress: number;
  waste: number;
  shortfall: number;
  oversized: number;
  /** Gradual: Φ after and before the step. */
  potential: number;
  previousPotential: number;
  stepCost: number;
  blockedPenalty: number;
  failedPenalty: number;
}

/** Φ of the gradual mode. */
export function potential(a: Assessment): number {
  return a.progress - a.waste - a.shortfall;
}

/** The reward of a step that went from `before` to `after`. */
export function reward(
  mode: RewardMode,
  before: Assessment,
  after: Assessment,
  outcome: ActionOutcome,
): RewardBreakdown {
  const success = after.healthy ? SUCCESS_REWARD : 0;
  const afterPotential = potential(after);
  const previousPotential = potential(before);
  let stepCost = 0;
  let blockedPenalty = 0;
  let failedPenalty = 0;
  let total: number;
  if (mode === 'binary') {
    total = success;
  } else if (mode === 'gradual') {
    stepCost = STEP_COST;
    total = afterPotential - previousPotential + success - STEP_COST;
  } else {
    blockedPenalty = outcome.blocked ? BLOCKED_PENALTY : 0;
    failedPenalty = outcome.failed ? FAILED_PENALTY : 0;
    total =
      success -
      after.waste -
      after.shortfall -
      OVERSIZED_PENALTY * after.oversized -
      blockedPenalty -
      failedPenalty;
  }
  // one literal (no spreads: this runs every step), in the order the records have always had
  return {
    mode,
    success,
    progress: after.progress,
    waste: after.waste,
    shortfall: after.shortfall,
    oversized: after.oversized,
    potential: afterPotential,
    previousPotential,
    stepCost,
    blockedPenalty,
    failedPenalty,
    total,
  };
}
