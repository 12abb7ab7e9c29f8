/**
 * The actions of `simkube/fix-resources-v0`: every trace operation aimed at a workload, and `noop`. A workload is
 * named as trace operations accept it (`namespace/name`, a unique bare name, `Kind/namespace/name`) or by its slot in
 * the observation, `#i` (the i-th entry of `observation.workloads`), which is what the fixed discrete action list
 * uses since workload names change from episode to episode.
 */
import { z } from 'zod';
import type { Rng } from '../../../src/core/rng.js';
import { Structured } from '../../../src/core/spaces/structured.js';
import { type TraceOp, TraceOpSchema } from '../trace/ops.js';

/** The action that changes nothing. */
export const NOOP = Object.freeze({ type: 'noop' as const });

/** Every action: a trace operation or `noop`. */
export const FixResourcesActionSchema = z.union([TraceOpSchema, z.strictObject({ type: z.literal('noop') })]);

const NoopSchema = z.strictObject({ type: z.literal('noop') });

/**
 * Checks a value as an action; on failure, the message names each offending field (the trace-operation schema is
 * consulted directly for anything but `noop`, so that its field-level messages come through).
 */
export function parseAction(
  value: unknown,
): { ok: true; action: FixResourcesAction } | { ok: false; message: string } {
  const isNoop = typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'noop';
  const parsed = isNoop ? NoopSchema.safeParse(value) : TraceOpSchema.safeParse(value);
  if (parsed.success) return { ok: true, action: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'action'}: ${i.message}`).join('; ');
  return { ok: false, message: problems };
}

/** An action of the environment. */
export type FixResourcesAction = TraceOp | { type: 'noop' };

/** The operations of the discrete action list (the `set_*` ones take values and are left to structured actions). */
export const SMALL_OPS = [
  'bump_cpu_small',
  'reduce_cpu_small',
  'bump_mem_small',
  'reduce_mem_small',
  'scale_up_replicas',
  'scale_down_replicas',
] as const;

/** One of {@link SMALL_OPS}. */
export type SmallOp = (typeof SMALL_OPS)[number];

/** The slot reference of the i-th workload of the observation. */
export function slotRef(index: number): string {
  return `#${index}`;
}

/** The slot index of a `#i` reference, or `undefined` for a name. */
export function slotOf(workload: string): number | undefined {
  const match = /^#(\d+)$/.exec(workload);
  return match ? Number(match[1]) : undefined;
}

/**
 * The fixed list behind `DiscreteActions`: `noop`, then for each workload slot 0…maxWorkloads-1 the six small
 * operations in {@link SMALL_OPS} order. Index `1 + 6·slot + k` is operation k on slot `slot`.
 */
export function enumerateFixResourcesActions(maxWorkloads: number): FixResourcesAction[] {
  const actions: FixResourcesAction[] = [NOOP];
  for (let slot = 0; slot < maxWorkloads; slot++) {
    for (const type of SMALL_OPS) actions.push({ type, workload: slotRef(slot) });
  }
  return actions;
}

/**
 * The action space: the zod schema above, described to LLMs by its JSON Schema. Its sampler draws uniformly from the
 * discrete list (a random workload name would almost never exist); pass `info.actionMask` as the mask to draw only
 * allowed actions.
 */
export function fixResourcesActionSpace(maxWorkloads: number): Structured<FixResourcesAction> {
  const actions = enumerateFixResourcesActions(maxWorkloads);
  return new Structured<FixResourcesAction>(FixResourcesActionSchema as z.ZodType<FixResourcesAction>, {
    name: 'fix-resources action',
    sampler: (rng: Rng) => rng.choice(actions),
  });
}
