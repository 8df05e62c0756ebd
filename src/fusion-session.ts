// The session of the fusion-api command: what the token step hands the later
// steps of its job. One JSON file of mode 0600 in a folder of mode 0700 under
// RUNNER_TEMP, beside the folder of the command's launchers (which go on PATH
// and never hold the token). The client secret is never in it. Pure but for
// the path helpers, which only join strings.
//
// Format `fusion-api-session-v1` (a JSON object; any other `format` is refused):
//   format       "fusion-api-session-v1"
//   accessToken  the IMS access token (Authorization: Bearer)
//   clientId     the credential's client ID (x-api-key)
//   expiresAt    ISO-8601 UTC instant at which the token expires
//   orgId        the numeric Fusion organization ID (x-organization-id), '' when not set
//   region       the Fusion region (x-gw-region), '' when not set
//   baseUrl      the Fusion API base URL, without a trailing slash
//   retries      retries of a transient failure after the first attempt (0 to 10)
//   timeoutMs    the longest an attempt waits for its answer to begin, or for a pause in its body

import path from 'node:path';

export const SESSION_FORMAT = 'fusion-api-session-v1';

export interface FusionSession {
  readonly format: typeof SESSION_FORMAT;
  readonly accessToken: string;
  readonly clientId: string;
  readonly expiresAt: string;
  readonly orgId: string;
  readonly region: string;
  readonly baseUrl: string;
  readonly retries: number;
  readonly timeoutMs: number;
}

/** A Fusion organization ID: digits (the number in the Fusion URL .../organization/{id}/dashboard). */
export function isOrgId(value: string): boolean {
  return /^\d{1,20}$/.test(value);
}

/** A Fusion region, e.g. or2: lowercase letters, digits and hyphens (a host name label). */
export function isRegion(value: string): boolean {
  return /^[a-z0-9-]{1,63}$/.test(value);
}

/** Names the session file for the command; the launchers set it, so the command never guesses. */
export const SESSION_ENV = 'FUSION_API_SESSION';

/** Where a step with fusion-api: true keeps the session and the launchers. */
export function sessionPaths(runnerTemp: string): { folder: string; file: string; bin: string } {
  const folder = path.join(runnerTemp, 'fusion-token-action-api');
  return { folder, file: path.join(folder, 'session.json'), bin: path.join(folder, 'bin') };
}

export function encodeSession(session: Omit<FusionSession, 'format'>): string {
  return `${JSON.stringify({ format: SESSION_FORMAT, ...session })}\n`;
}

/** The session a file holds, or what is wrong with it (never quoting its values: one is the token). */
export function parseSession(text: string): FusionSession | { readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { problem: 'is not a JSON object' };
  const record = value as Record<string, unknown>;
  if (record['format'] !== SESSION_FORMAT) return { problem: `is not of format ${SESSION_FORMAT}` };
  const strings = ['accessToken', 'clientId', 'expiresAt', 'orgId', 'region', 'baseUrl'] as const;
  for (const name of strings) {
    if (typeof record[name] !== 'string') return { problem: `has no ${name} string` };
  }
  for (const name of ['retries', 'timeoutMs'] as const) {
    const number = record[name];
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
      return { problem: `has no ${name} whole number` };
    }
  }
  if (record['accessToken'] === '' || record['clientId'] === '' || record['baseUrl'] === '') {
    return { problem: 'has an empty accessToken, clientId or baseUrl' };
  }
  if (Number.isNaN(Date.parse(record['expiresAt'] as string))) return { problem: 'has no valid expiresAt' };
  return record as unknown as FusionSession;
}
