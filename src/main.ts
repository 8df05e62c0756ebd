// The main step: reads inputs through @actions/core, masks, mints the token
// with the real network and clock, and sets the outputs or fails.

import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import type { AttemptDependencies } from './attempts.js';
import { rotationWarning } from './failures.js';
import { sessionPaths } from './fusion-session.js';
import { type ActionInputs, InputError, parseInputs } from './inputs.js';
import type { IssuedToken } from './ims.js';
import { MintError } from './mint.js';
import { type TokenCache, obtainToken } from './obtain.js';
import { reusedLine, reusedNotRevokedLine, secondsLeft } from './reuse.js';
import { STATE_EXPIRES_AT, STATE_TOKEN } from './revoke.js';
import {
  type ActionsCore,
  ignoreTlsOverride,
  maskSecret,
  systemDependencies,
  unexpectedErrorMessage,
} from './shell.js';
import type { SealBinding } from './seal.js';
import { formatDuration, visible } from './text.js';

/**
 * The cache code runs only when asked for, and @actions/cache (a chunk of its
 * own) loads only to save. The cache code itself is bundled into dist/index.js
 * ("eager"), evaluated only by this import: as a chunk of its own, Node's
 * module loader cost every cache hit about 2 ms, while the default path does
 * not measurably pay for parsing it (npm run bench). Even a cache that cannot
 * load never fails the step: it is then only not used.
 */
async function loadTokenCache(actions: ActionsCore, binding: SealBinding): Promise<TokenCache | undefined> {
  try {
    const { openTokenCache } = await import(/* webpackMode: "eager" */ './cache.js');
    return openTokenCache(binding, (value) => actions.setSecret(value));
  } catch (error) {
    actions.warning(
      `The Actions cache code could not be loaded (${visible(error instanceof Error ? error.message : String(error))}): ` +
        'the token is not cached. Please report this.',
    );
    return undefined;
  }
}

/** Where the fusion-api command goes, and what it runs. */
export interface FusionApiHost {
  /** RUNNER_TEMP; undefined outside a runner. */
  readonly runnerTemp: string | undefined;
  /** The folder of the running bundle (dist/), which holds fusion-api.js. */
  readonly distFolder: string;
  readonly nodePath: string;
}

/**
 * ncc leaves import.meta.url as it is, so in the bundle it is dist/index.js
 * itself, wherever the runner checked the action out (process.argv[1] may be
 * relative, or a link).
 */
export function systemHost(): FusionApiHost {
  return {
    runnerTemp: process.env['RUNNER_TEMP'] || undefined,
    distFolder: path.dirname(fileURLToPath(import.meta.url)),
    nodePath: process.execPath,
  };
}

/** A FusionInstallError of src/fusion-install.ts, which only fusion-api: true loads: its message is for the user. */
function isFusionInstallError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'FusionInstallError';
}

/**
 * Writes the session and the launchers, puts them on PATH for the later
 * steps, and leaves the folder to the post step, which deletes it.
 */
async function putFusionApiOnPath(
  actions: ActionsCore,
  inputs: ActionInputs,
  token: IssuedToken,
  host: FusionApiHost,
): Promise<void> {
  // A runner always sets RUNNER_TEMP. A local run gets a fresh folder that mkdtemp makes 0700 under
  // a name no other user can guess or create first; the system's temporary folder, unlike the home
  // folder, does not keep the token for good should the post step never run.
  const runnerTemp = host.runnerTemp ?? (await mkdtemp(path.join(tmpdir(), 'fusion-token-action-')));
  const session = {
    accessToken: token.accessToken,
    clientId: inputs.clientId,
    expiresAt: token.expiresAt.toISOString(),
    orgId: inputs.fusionOrgId,
    region: inputs.fusionRegion,
    baseUrl: inputs.fusionBaseUrl,
    retries: inputs.retries,
    // Whole milliseconds, as the session format has them (timeout-seconds may have decimals).
    timeoutMs: Math.max(1, Math.round(inputs.timeoutMs)),
  };
  // Loaded only with fusion-api: true, as the cache is with cache: true.
  const { STATE_FUSION_SESSION, fusionApiLine, installSession } = await import('./fusion-install.js');
  const place = { runnerTemp, distFolder: host.distFolder, nodePath: host.nodePath };
  const { folder } = sessionPaths(runnerTemp);
  // Saved first, so that even a write that fails half-way is cleaned up when the job ends.
  actions.saveState(STATE_FUSION_SESSION, folder);
  const { bin } = await installSession(session, place);
  actions.addPath(bin);
  actions.info(fusionApiLine(inputs.fusionOrgId, inputs.fusionRegion));
}

export async function run(
  actions: ActionsCore = core,
  deps: AttemptDependencies = systemDependencies((line) => actions.info(line)),
  repository: string = process.env['GITHUB_REPOSITORY'] ?? '',
  host: FusionApiHost = systemHost(),
): Promise<void> {
  try {
    // Mask first: nothing, not even a validation error, may come before it.
    maskSecret(actions, actions.getInput('client-secret'));
    ignoreTlsOverride(actions);
    const inputs = parseInputs((name) => actions.getInput(name));
    const binding: SealBinding = { ...inputs, repository };

    const cache = inputs.cache ? await loadTokenCache(actions, binding) : undefined;
    // Every token is masked inside obtainToken before any line can mention it.
    const obtained = await obtainToken(inputs, binding, {
      ...deps,
      randomBytes,
      mask: (value) => actions.setSecret(value),
      warn: (line) => actions.warning(line),
      cache,
    });
    const { token, source } = obtained;
    const nowMs = deps.now();
    const expiresAt = token.expiresAt.toISOString();
    const minted = source === 'minted';

    actions.setOutput('access-token', token.accessToken);
    actions.setOutput('token-type', token.tokenType);
    actions.setOutput('expires-in', minted ? token.expiresIn : String(secondsLeft(token, nowMs)));
    actions.setOutput('expires-at', expiresAt);
    // A token revoked with this job must not be handed on.
    actions.setOutput('sealed-token', inputs.revoke ? '' : obtained.sealed);
    actions.setOutput('source', source);
    if (inputs.exportEnv) {
      actions.exportVariable('FUSION_ACCESS_TOKEN', token.accessToken);
      actions.exportVariable('FUSION_CLIENT_ID', inputs.clientId);
      actions.exportVariable('FUSION_TOKEN_EXPIRES_AT', expiresAt);
    }
    if (inputs.revoke && minted) {
      // The post step reads its inputs again: the secret is never stored.
      actions.saveState(STATE_TOKEN, token.accessToken);
      actions.saveState(STATE_EXPIRES_AT, expiresAt);
    }
    if (obtained.fallbackWarning !== undefined) actions.warning(obtained.fallbackWarning);
    const { secretPosition = 1 } = obtained;
    if (secretPosition > 1) actions.warning(rotationWarning(secretPosition));
    if (minted) {
      actions.info(
        `Got an IMS access token for client ${visible(inputs.clientId)}. It expires at ${expiresAt} ` +
          `(in ${formatDuration(Number(token.expiresIn))}).`,
      );
    } else if (obtained.fallbackWarning === undefined) {
      actions.info(reusedLine({ ...obtained, source }, inputs.clientId, nowMs));
    }
    if (inputs.revoke && !minted) actions.info(reusedNotRevokedLine(token));
    if (inputs.fusionApi) await putFusionApiOnPath(actions, inputs, token, host);
    // Saved once the outputs are set: a failing or slow save cannot cost the step its token.
    await obtained.saveToCache?.();
  } catch (error) {
    actions.setFailed(
      error instanceof InputError || error instanceof MintError || isFusionInstallError(error)
        ? error.message
        : unexpectedErrorMessage(error),
    );
  }
}
