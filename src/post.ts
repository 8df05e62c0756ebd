// The post step: when the job ends, deletes the fusion-api session the main
// step wrote, if any, and revokes the token the main step minted, if revoke is
// on and the token is still alive. It never fails the job: a failed deletion
// or revocation is a warning.

import * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { STATE_FUSION_SESSION, removeSession } from './fusion-install.js';
import { InputError, parseInputs } from './inputs.js';
import { RevokeError, STATE_EXPIRES_AT, STATE_TOKEN, planRevocation, revokeToken } from './revoke.js';
import {
  type ActionsCore,
  ignoreTlsOverride,
  maskSecret,
  systemDependencies,
  unexpectedErrorMessage,
} from './shell.js';
import { errorText, visible } from './text.js';

/** The session file holds the token: it goes when the job ends, whether or not the token is revoked. */
async function deleteFusionSession(actions: ActionsCore, folder: string): Promise<void> {
  try {
    const outcome = await removeSession(folder);
    if (outcome === 'removed') actions.info(`Deleted the fusion-api token file and launchers in ${visible(folder)}.`);
    else if (outcome === 'absent') actions.info(`The fusion-api session in ${visible(folder)} was already deleted.`);
    else
      actions.warning(
        `${visible(folder)} is not a fusion-api session folder: it was left as it is. Please report this.`,
      );
  } catch (error) {
    actions.warning(
      `Could not delete the fusion-api token file in ${visible(folder)} (${visible(errorText(error))}). ` +
        'It is gone when the runner empties RUNNER_TEMP at the end of the job; on a machine that keeps it, delete the folder.',
    );
  }
}

export async function run(
  actions: ActionsCore = core,
  deps: AttemptDependencies = systemDependencies((line) => actions.info(line)),
): Promise<void> {
  try {
    // This is a new process: mask again before anything is printed.
    const token = actions.getState(STATE_TOKEN);
    if (token !== '') actions.setSecret(token);
    maskSecret(actions, actions.getInput('client-secret'));
    const sessionFolder = actions.getState(STATE_FUSION_SESSION);
    if (sessionFolder !== '') await deleteFusionSession(actions, sessionFolder);

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
