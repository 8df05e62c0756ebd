// What the main and post steps share to touch the runner and the world:
// the slice of @actions/core they use, masking, and the real dependencies.

import type * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { USER_AGENT } from './ims.js';
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
>;

export function systemDependencies(log: (line: string) => void): AttemptDependencies {
  return {
    post: createPost(USER_AGENT),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    random: Math.random,
    log,
  };
}

/**
 * Masks a secret as the runner needs it: the runner hides a registered value
 * line by line, so each line of a multi-line value is registered too, and so
 * is the form-encoded value that an echoing gateway could print.
 */
export function maskSecret(actions: Pick<ActionsCore, 'setSecret'>, value: string): void {
  const forms = new Set([value, ...value.split(/\r?\n/), new URLSearchParams({ s: value }).toString().slice(2)]);
  for (const form of forms) {
    if (form.trim() !== '') actions.setSecret(form);
  }
}

/** The message of an error we did not expect (a bug), without a stack trace that could hold values. */
export function unexpectedErrorMessage(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `fusion-token-action failed unexpectedly: ${detail}. Please report this.`;
}
