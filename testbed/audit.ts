// Stands in for: the reviewer who reads every line of a run's log for leaks.
// What every end-to-end test does with a run: audit it for leaks of the
// secrets and of every token the emulators issued, and read a failure.
import { expect } from '@jest/globals';
import type { ImsEmulator } from './ims-emulator.js';
import { type RunOptions, type RunResult, findLeaks, findStrayCommands, runAction } from './runner.js';

export interface AuditScope {
  /** Emulators whose issued tokens must not leak. */
  readonly emulators: readonly ImsEmulator[];
  /** Further values that must not leak (proxy passwords, extra secrets). */
  readonly secrets?: readonly string[];
}

/**
 * Fails the test on any leak in what a run captured (stdout, stderr, the
 * output, env and state files) of the secrets and of every token the
 * emulators issued, on any command the runner would obey that the action does
 * not mean to give, and on anything printed to stderr: the action speaks
 * through workflow commands on stdout only. Every line of the input
 * client-secret always counts as a secret.
 */
export function expectNoLeaks(result: RunResult, inputs: Readonly<Record<string, string>>, scope: AuditScope): void {
  expect(result.stderr).toBe('');
  // Each line of client-secret is a secret of its own (rotation).
  const secretLines = (inputs['client-secret'] ?? '').split(/\r?\n/).map((line) => line.trim());
  const secrets = [...secretLines, ...(scope.secrets ?? [])];
  const tokens = scope.emulators.flatMap((emulator) => emulator.issued.map((issued) => issued.accessToken));
  expect(findLeaks(result, { secrets, tokens })).toEqual([]);
  expect(findStrayCommands(result.stdout)).toEqual([]);
  // The runner drops a job output that holds a masked value: the sealed token must hold none.
  const sealed = result.outputs['sealed-token'] ?? '';
  expect(result.masks.filter((mask) => mask.length >= 6 && sealed.includes(mask))).toEqual([]);
}

/** Runs the action, then audits the run with expectNoLeaks. */
export async function runAudited(options: RunOptions, scope: AuditScope): Promise<RunResult> {
  const result = await runAction(options);
  expectNoLeaks(result, options.inputs, scope);
  return result;
}

/** A failed run: exit 1, one error annotation, no outputs, no stack trace. Returns the error. */
export function expectFailure(result: RunResult): string {
  expect(result.exitCode).toBe(1);
  expect(result.errors).toHaveLength(1);
  expect(result.outputs).toEqual({});
  expect(result.stdout).not.toMatch(/^\s+at /m);
  return result.errors[0] as string;
}
