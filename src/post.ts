// The post step: when the job ends, revokes the token the main step minted,
// if revoke is on and the token is still alive. It never fails the job: a
// failed revocation is a warning.

import * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { InputError, parseInputs } from './inputs.js';
import { RevokeError, STATE_EXPIRES_AT, STATE_TOKEN, planRevocation, revokeToken } from './revoke.js';
import {
  type ActionsCore,
  ignoreTlsOverride,
  maskSecret,
  systemDependencies,
  unexpectedErrorMessage,
} from './shell.js';
import { visible } from './text.js';

export async function run(
  actions: ActionsCore = core,
  deps: AttemptDependencies = systemDependencies((line) => actions.info(line)),
): Promise<void> {
  try {
    // This is a new process: mask again before anything is printed.
    const token = actions.getState(STATE_TOKEN);
    if (token !== '') actions.setSecret(token);
    maskSecret(actions, actions.getInput('client-secret'));

    const plan = planRevocation(
      actions.getInput('revoke'),
      { token, expiresAt: actions.getState(STATE_EXPIRES_AT) },
      deps.now(),
    );
    if (!plan.revoke) {
      actions.info(plan.reason);
      return;
    }
    const inputs = parseInputs((name) => actions.getInput(name));
    ignoreTlsOverride(actions);
    await revokeToken(inputs, plan.token, deps);
    actions.info(`Revoked the IMS access token of client ${visible(inputs.clientId)}.`);
  } catch (error) {
    actions.warning(
      error instanceof InputError || error instanceof RevokeError ? error.message : unexpectedErrorMessage(error),
    );
  }
}
