/**
 * The composition root of the CLI: registers every environment family and policy that ships with sim-arena, so that
 * commands find them through the registries by id and name.
 */
import { registerClassicControl } from '../../envs/classic-control/register.js';
import { registerPolicies } from '../../policies/register.js';

/** Registers the shipped environments and policies (idempotent). */
export function registerBuiltins(): void {
  registerClassicControl();
  registerPolicies();
}
