// What one call is made with: the session the token step left (token, client
// ID, settings), overridden by the command's flags; or why no call can be made
// (exit 2, nothing sent). Pure: the clock is passed in.

import { type FusionSession, isOrgId, isRegion } from '../fusion-session.js';
import { MAX_RETRIES } from '../retry.js';
import { formatDuration } from '../text.js';
import type { RequestPlan } from './args.js';
import { PREFIX } from './failure.js';

export interface CallSettings {
  readonly accessToken: string;
  readonly clientId: string;
  readonly orgId: string;
  readonly region: string;
  /** The Fusion API base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly retries: number;
  readonly timeoutMs: number;
}

const RERUN = 'run fusion-token-action with fusion-api: true in an earlier step of this job';
const NOTHING_SENT = 'Nothing was sent.';

export function noSessionLine(why: string): string {
  return `${PREFIX} no Fusion API session (${why}): ${RERUN}. ${NOTHING_SENT}`;
}

export function badSessionLine(file: string, problem: string): string {
  return `${PREFIX} the session file ${file} ${problem}: ${RERUN}. ${NOTHING_SENT}`;
}

function sessionProblem(session: FusionSession): string | undefined {
  if (session.orgId !== '' && !isOrgId(session.orgId)) return 'has an orgId that is not digits';
  if (session.region !== '' && !isRegion(session.region)) return 'has a region that is not a Fusion region';
  if (session.retries > MAX_RETRIES) return `has retries above ${MAX_RETRIES}`;
  if (session.timeoutMs < 1) return 'has a timeoutMs below 1';
  let url: URL;
  try {
    url = new URL(session.baseUrl);
  } catch {
    return 'has a baseUrl that is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'has a baseUrl that is not http(s)';
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return 'has a baseUrl with a query, fragment or credentials';
  }
  return undefined;
}

/** The settings of a call, or the one line that says why it cannot be made. */
export function resolveSettings(
  plan: RequestPlan,
  session: FusionSession,
  sessionFile: string,
  nowMs: number,
): CallSettings | { readonly problem: string } {
  const problem = sessionProblem(session);
  if (problem) return { problem: badSessionLine(sessionFile, problem) };
  const expiresMs = Date.parse(session.expiresAt);
  if (expiresMs <= nowMs) {
    return {
      problem:
        `${PREFIX} the token expired at ${new Date(expiresMs).toISOString()} ` +
        `(${formatDuration((nowMs - expiresMs) / 1000)} ago): ${RERUN} for a new one; a larger ` +
        `min-remaining-minutes gives a reused token more margin. ${NOTHING_SENT}`,
    };
  }
  const orgId = plan.orgId ?? session.orgId;
  if (orgId === '') {
    return {
      problem:
        `${PREFIX} no Fusion organization ID (x-organization-id): set the fusion-org-id input of the token ` +
        `step, or pass --org-id ID. ${NOTHING_SENT}`,
    };
  }
  const region = plan.region ?? session.region;
  if (region === '') {
    return {
      problem:
        `${PREFIX} no Fusion region (x-gw-region): set the fusion-region input of the token step, or pass ` +
        `--region REGION (e.g. or2). ${NOTHING_SENT}`,
    };
  }
  return {
    accessToken: session.accessToken,
    clientId: session.clientId,
    orgId,
    region,
    baseUrl: session.baseUrl.replace(/\/+$/, ''),
    retries: plan.retries ?? session.retries,
    timeoutMs: session.timeoutMs,
  };
}
