/**
 * Safeguards: hard caps no action may cross (CPU and memory per container, replicas per workload) and an action
 * budget per episode. An action that would cross a cap is not applied (`block`, the default) or applied up to the cap
 * (`clip`); either way the step reports it in `info.safeguard`. A policy can never make the trace request the absurd.
 */

import { applyTraceOp, type TraceChange, type TraceOp, type TraceOpFailure } from '../trace/ops.js';
import { Quantity } from '../trace/quantity.js';
import type { Trace } from '../trace/schema.js';
import type { SafeguardOptions } from './config.js';

/** The rule a safeguard report is about. */
export type SafeguardRule =
  | 'max-cpu-per-container'
  | 'max-memory-per-container'
  | 'max-replicas'
  | 'action-budget';

/** What `info.safeguard` reports when a safeguard acted. */
export interface SafeguardReport {
  /** The action was not applied at all. */
  blocked: boolean;
  /** The action was applied up to the cap instead (clip mode). */
  clipped: boolean;
  rule: SafeguardRule;
  /** What happened and why, naming the workload, container, value and cap. */
  message: string;
}

/** The outcome of guarding one trace operation. */
export type GuardedOutcome =
  | { kind: 'applied'; trace: Trace; changes: TraceChange[]; safeguard?: SafeguardReport }
  | { kind: 'blocked'; safeguard: SafeguardReport }
  | { kind: 'failed'; failure: TraceOpFailure };

/** The caps in exact units. */
export interface Caps {
  cpuMillis: bigint;
  memoryBytes: bigint;
  replicas: number;
}

/** The caps of the options, parsed once. */
export function capsOf(options: SafeguardOptions): Caps {
  return {
    cpuMillis: Quantity.parse(options.maxCpuPerContainer).milliValue(),
    memoryBytes: Quantity.parse(options.maxMemoryPerContainer).value(),
    replicas: options.maxReplicas,
  };
}

interface Violation {
  rule: SafeguardRule;
  change: TraceChange;
  cap: string;
}

/** The changes that raise a field above its cap (moving toward the cap from above is always allowed). */
function violations(changes: readonly TraceChange[], caps: Caps, options: SafeguardOptions): Violation[] {
  const found: Violation[] = [];
  for (const change of changes) {
    if (!raises(change)) continue;
    if (change.field === 'requests.cpu' && Quantity.parse(String(change.to)).milliValue() > caps.cpuMillis) {
      found.push({ rule: 'max-cpu-per-container', change, cap: options.maxCpuPerContainer });
    } else if (
      change.field === 'requests.memory' &&
      Quantity.parse(String(change.to)).value() > caps.memoryBytes
    ) {
      found.push({ rule: 'max-memory-per-container', change, cap: options.maxMemoryPerContainer });
    } else if (change.field === 'replicas' && Number(change.to) > caps.replicas) {
      found.push({ rule: 'max-replicas', change, cap: String(caps.replicas) });
    }
  }
  return found;
}

function raises(change: TraceChange): boolean {
  if (change.from === null) return true;
  if (change.field === 'replicas') return Number(change.to) > Number(change.from);
  return Quantity.parse(String(change.to)).cmp(Quantity.parse(String(change.from))) > 0;
}

function describe(violation: Violation): string {
  const { change } = violation;
  const where =
    change.container === undefined ? change.workload : `${change.workload} container ${change.container}`;
  return `${where}: ${change.field} ${change.from ?? '(absent)'} → ${change.to} would exceed the cap of ${violation.cap}`;
}

/** The operation that sets the violated field to its cap instead. */
function clippedOp(violation: Violation): TraceOp {
  const { change } = violation;
  const target = {
    workload: change.workload,
    ...(change.container === undefined ? {} : { container: change.container }),
  };
  if (violation.rule === 'max-replicas')
    return { type: 'set_replicas', ...target, replicas: Number(violation.cap) };
  return violation.rule === 'max-cpu-per-container'
    ? { type: 'set_requests', ...target, cpu: violation.cap }
    : { type: 'set_requests', ...target, memory: violation.cap };
}

/**
 * Applies `op` to `trace` unless it breaks a cap. In `block` mode a violation leaves the trace unchanged; in `clip`
 * mode the operation is applied and each violated field is then set to its cap (a limit the operation raised stays
 * raised: limits are never lowered).
 */
export function guardedApply(
  trace: Trace,
  op: TraceOp,
  caps: Caps,
  options: SafeguardOptions,
): GuardedOutcome {
  const result = applyTraceOp(trace, op);
  if (!result.ok) return { kind: 'failed', failure: result.failure };
  const found = violations(result.changes, caps, options);
  const first = found[0];
  if (first === undefined) return { kind: 'applied', trace: result.trace, changes: result.changes };
  const message = found.map(describe).join('; ');
  if (options.mode === 'block') {
    return {
      kind: 'blocked',
      safeguard: { blocked: true, clipped: false, rule: first.rule, message: `blocked: ${message}` },
    };
  }
  // the rest of the operation stands; only the violated fields are brought back to their caps
  let clipped = result.trace;
  const changes: TraceChange[] = [...result.changes];
  for (const violation of found) {
    const applied = applyTraceOp(clipped, clippedOp(violation));
    if (!applied.ok) return { kind: 'failed', failure: applied.failure };
    clipped = applied.trace;
    changes.push(...applied.changes);
  }
  return {
    kind: 'applied',
    trace: clipped,
    changes,
    safeguard: { blocked: false, clipped: true, rule: first.rule, message: `clipped to the cap: ${message}` },
  };
}

/** The report of an action refused because the episode's action budget is spent. */
export function budgetExhausted(budget: number): SafeguardReport {
  return {
    blocked: true,
    clipped: false,
    rule: 'action-budget',
    message: `blocked: the episode's action budget of ${budget} action(s) is spent; only noop is allowed until reset`,
  };
}
