// The action's shell: reads inputs through @actions/core, masks, mints the
// token with the real network and clock, and sets the outputs or fails.

import * as core from '@actions/core';
import { InputError, parseInputs } from './inputs.js';
import { type MintDependencies, MintError, mintToken } from './mint.js';
import { createPost } from './transport.js';
import { USER_AGENT } from './ims.js';

/** The part of @actions/core the action uses. */
export type ActionsCore = Pick<typeof core, 'getInput' | 'setSecret' | 'setOutput' | 'info' | 'setFailed'>;

export function systemDependencies(log: (line: string) => void): MintDependencies {
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

export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return `${Math.floor(seconds)} s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

export async function run(
  actions: ActionsCore = core,
  deps: MintDependencies = systemDependencies((line) => actions.info(line)),
): Promise<void> {
  try {
    // Mask first: nothing, not even a validation error, may come before it.
    maskSecret(actions, actions.getInput('client-secret'));
    const inputs = parseInputs((name) => actions.getInput(name));

    const token = await mintToken(inputs, deps);
    actions.setSecret(token.accessToken);

    actions.setOutput('access-token', token.accessToken);
    actions.setOutput('token-type', token.tokenType);
    actions.setOutput('expires-in', token.expiresIn);
    actions.setOutput('expires-at', token.expiresAt.toISOString());
    actions.info(
      `Got an IMS access token for client ${inputs.clientId}. It expires at ${token.expiresAt.toISOString()} ` +
        `(in ${formatDuration(Number(token.expiresIn))}).`,
    );
  } catch (error) {
    if (error instanceof InputError || error instanceof MintError) {
      actions.setFailed(error.message);
    } else {
      // A bug of ours: say so, without a stack trace that could hold values.
      const detail = error instanceof Error ? error.message : String(error);
      actions.setFailed(`fusion-token-action failed unexpectedly: ${detail}. Please report this.`);
    }
  }
}
