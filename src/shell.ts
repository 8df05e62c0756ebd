// What the main and post steps share to touch the runner and the world:
// the slice of @actions/core they use, masking, and the real dependencies.

import type * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { TLS_OVERRIDE_IGNORED_WARNING } from './failures.js';
import { secretForms } from './text.js';
import { createPost } from './transport.js';

/** The part of @actions/core the steps use. */
export type ActionsCore = Pick<
  typeof core,
  | 'getInput'
  | 'setSecret'
  | 'setOutput'
  | 'info'
  | 'warning'
  | 'setFailed'
  | 'exportVariable'
  | 'saveState'
  | 'getState'
  | 'addPath'
>;

export function systemDependencies(log: (line: string) => void): AttemptDependencies {
  return {
    post: createPost(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    random: Math.random,
    log,
  };
}

/**
 * Masks a secret input as the runner needs it: the whole value, and, since
 * the runner hides a registered value line by line and each line is a secret
 * of its own, every line in every form an echoing gateway could print.
 */
export function maskSecret(actions: Pick<ActionsCore, 'setSecret'>, value: string): void {
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  const forms = new Set([value, ...lines.flatMap((line) => (line === '' ? [] : secretForms(line)))]);
  for (const form of forms) {
    if (form.trim() !== '') actions.setSecret(form);
  }
}

/**
 * A job may set NODE_TLS_REJECT_UNAUTHORIZED=0 for some other tool; the
 * transport verifies certificates all the same. Says so, once, before the
 * first request, and drops the variable from this process: left set, Node
 * would print its own warning that certificate checks are off.
 */
export function ignoreTlsOverride(actions: Pick<ActionsCore, 'warning'>): void {
  if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] !== '0') return;
  actions.warning(TLS_OVERRIDE_IGNORED_WARNING);
  delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
}

/**
 * Runs a step as the whole of its process, then ends the process with the
 * exit code the step set, even if a request abandoned at its time limit still
 * holds it open (a proxy that never answers CONNECT does).
 */
export function runAsProcess(step: () => Promise<void>): void {
  // tunnel, the proxy agent of @actions/http-client, calls the deprecated
  // Buffer() constructor for proxy credentials. Bundled, Node no longer sees it
  // as a dependency and would print a deprecation warning on every such run.
  process.noDeprecation = true;
  // The pause lets stdout drain; a process with nothing left to do exits before it.
  void step().finally(() => setTimeout(() => process.exit(), 1000).unref());
}

/** The message of an error we did not expect (a bug), without a stack trace that could hold values. */
export function unexpectedErrorMessage(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `fusion-token-action failed unexpectedly: ${detail}. Please report this.`;
}
