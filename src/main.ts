// The main step: reads inputs through @actions/core, masks, mints the token
// with the real network and clock, and sets the outputs or fails.

import * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { rotationWarning } from './failures.js';
import { InputError, parseInputs } from './inputs.js';
import { MintError, mintToken } from './mint.js';
import { STATE_EXPIRES_AT, STATE_TOKEN } from './revoke.js';
import {
  type ActionsCore,
  ignoreTlsOverride,
  maskSecret,
  systemDependencies,
  unexpectedErrorMessage,
} from './shell.js';
import { visible } from './text.js';

export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return `${Math.floor(seconds)} s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

export async function run(
  actions: ActionsCore = core,
  deps: AttemptDependencies = systemDependencies((line) => actions.info(line)),
): Promise<void> {
  try {
    // Mask first: nothing, not even a validation error, may come before it.
    maskSecret(actions, actions.getInput('client-secret'));
    ignoreTlsOverride(actions);
    const inputs = parseInputs((name) => actions.getInput(name));

    const { token, secretPosition } = await mintToken(inputs, deps);
    actions.setSecret(token.accessToken);
    const expiresAt = token.expiresAt.toISOString();

    actions.setOutput('access-token', token.accessToken);
    actions.setOutput('token-type', token.tokenType);
    actions.setOutput('expires-in', token.expiresIn);
    actions.setOutput('expires-at', expiresAt);
    if (inputs.exportEnv) {
      actions.exportVariable('FUSION_ACCESS_TOKEN', token.accessToken);
      actions.exportVariable('FUSION_CLIENT_ID', inputs.clientId);
      actions.exportVariable('FUSION_TOKEN_EXPIRES_AT', expiresAt);
    }
    if (inputs.revoke) {
      // The post step reads its inputs again: the secret is never stored.
      actions.saveState(STATE_TOKEN, token.accessToken);
      actions.saveState(STATE_EXPIRES_AT, expiresAt);
    }
    if (secretPosition > 1) actions.warning(rotationWarning(secretPosition));
    actions.info(
      `Got an IMS access token for client ${visible(inputs.clientId)}. It expires at ${expiresAt} ` +
        `(in ${formatDuration(Number(token.expiresIn))}).`,
    );
  } catch (error) {
    actions.setFailed(
      error instanceof InputError || error instanceof MintError ? error.message : unexpectedErrorMessage(error),
    );
  }
}
