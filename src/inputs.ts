// Parsing and validation of the action's inputs. Pure: it never touches the
// network or the log, and no error it raises quotes the client secret.

import { isOrgId, isRegion } from './fusion-session.js';
import { MAX_RETRIES } from './retry.js';
import { quote } from './text.js';

export const INPUT_NAMES = [
  'client-id',
  'client-secret',
  'scopes',
  'org-id',
  'ims-url',
  'retries',
  'timeout-seconds',
  'export-env',
  'revoke',
  'sealed-token',
  'min-remaining-minutes',
  'cache',
  'fusion-api',
  'fusion-org-id',
  'fusion-region',
  'fusion-url',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];

/** The defaults declared in action.yml (a test keeps the two equal). */
export const INPUT_DEFAULTS = {
  scopes: 'openid,AdobeID,profile,additional_info.projectedProductContext',
  'org-id': '',
  'ims-url': 'https://ims-na1.adobelogin.com',
  retries: '3',
  'timeout-seconds': '30',
  'export-env': 'false',
  revoke: 'false',
  'sealed-token': '',
  'min-remaining-minutes': '60',
  cache: 'false',
  'fusion-api': 'false',
  'fusion-org-id': '',
  'fusion-region': '',
  'fusion-url': 'https://fusion.adobe.io',
} as const satisfies Partial<Record<InputName, string>>;

const MAX_TIMEOUT_SECONDS = 600;
const MAX_SECRETS = 10;
/** 23 h: a fresh token lives 24 h, so a larger minimum would never reuse one. */
const MAX_MIN_REMAINING_MINUTES = 1380;
export const TOKEN_PATH = '/ims/token/v3';
export const INVALIDATE_PATH = '/ims/invalidate_token/v2';
/** What the fusion-api command's PATH starts with, so never part of fusion-url. */
const FUSION_API_PREFIX = /\/api(\/v\d+)?$/;

export interface ActionInputs {
  readonly clientId: string;
  /** One or more secrets, tried in order (several while a secret is rotated). */
  readonly clientSecrets: readonly string[];
  readonly scopes: readonly string[];
  readonly orgId: string | undefined;
  /** The IMS base URL, without a trailing slash; see tokenUrl and invalidateUrl. */
  readonly imsBaseUrl: string;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly exportEnv: boolean;
  readonly revoke: boolean;
  /** An earlier job's sealed-token output, as given ('' when none); it never fails the step. */
  readonly sealedToken: string;
  /** Reuse a token only while it has at least this long left. */
  readonly minRemainingMs: number;
  /** Keep the sealed token in the Actions cache and reuse it in later runs. */
  readonly cache: boolean;
  /** Put the fusion-api command on PATH for the later steps of the job, with this step's token. */
  readonly fusionApi: boolean;
  /** The numeric Fusion organization ID (x-organization-id), '' when not set. */
  readonly fusionOrgId: string;
  /** The Fusion region (x-gw-region), '' when not set. */
  readonly fusionRegion: string;
  /** The Fusion API base URL, without a trailing slash. */
  readonly fusionBaseUrl: string;
}

/** Returns an input's value, trimmed, or '' when it is not set. */
export type InputReader = (name: InputName) => string;

export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Reads and checks every input. An optional input left empty takes its
 * action.yml default, so a step that passes `retries: ${{ vars.UNSET }}`
 * behaves like one that leaves it out.
 */
export function parseInputs(read: InputReader): ActionInputs {
  const valueOf = (name: InputName): string => {
    const value = read(name);
    if (value !== '') return value;
    return (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name] ?? '';
  };
  // A secret pasted into the wrong input must not come back in its error.
  const secretLines = valueOf('client-secret')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 8);
  const secretInputError = (name: InputName): InputError =>
    new InputError(`Input ${name} is not valid; its value is not shown because it contains the client secret.`);
  const parsed = <T>(name: InputName, parse: (value: string) => T): T => {
    const value = valueOf(name);
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InputError && secretLines.some((line) => value.includes(line))) {
        throw secretInputError(name);
      }
      throw error;
    }
  };
  // These go into the session file, which must never hold the secret, even one pasted where it fits.
  const parsedForSession = (name: InputName, parse: (value: string) => string): string => {
    const value = parsed(name, parse);
    if (secretLines.some((line) => value.includes(line))) throw secretInputError(name);
    return value;
  };
  const inputs: ActionInputs = {
    clientId: parseClientId(valueOf('client-id')),
    clientSecrets: parseClientSecrets(valueOf('client-secret')),
    scopes: parsed('scopes', parseScopes),
    orgId: parsed('org-id', parseOrgId),
    imsBaseUrl: parsed('ims-url', parseImsUrl),
    retries: parsed('retries', parseRetries),
    timeoutMs: parsed('timeout-seconds', parseTimeoutSeconds) * 1000,
    exportEnv: parsed('export-env', (value) => parseBoolean('export-env', value)),
    revoke: parsed('revoke', (value) => parseBoolean('revoke', value)),
    sealedToken: valueOf('sealed-token'),
    minRemainingMs: parsed('min-remaining-minutes', parseMinRemainingMinutes) * 60_000,
    cache: parsed('cache', (value) => parseBoolean('cache', value)),
    // Checked even with fusion-api: false, so that a typo shows before the step that needs it.
    fusionApi: parsed('fusion-api', (value) => parseBoolean('fusion-api', value)),
    fusionOrgId: parsedForSession('fusion-org-id', parseFusionOrgId),
    fusionRegion: parsedForSession('fusion-region', parseFusionRegion),
    fusionBaseUrl: parsedForSession('fusion-url', parseFusionUrl),
  };
  if (inputs.cache && inputs.revoke) {
    throw new InputError(
      'Input cache must be false when revoke is true: a cached token must outlive the job, and revoke invalidates ' +
        'it when the job ends. Use cache: true to share one token across runs, or revoke: true for a token that dies with the job.',
    );
  }
  return inputs;
}

export function tokenUrl(inputs: Pick<ActionInputs, 'imsBaseUrl'>): URL {
  return new URL(`${inputs.imsBaseUrl}${TOKEN_PATH}`);
}

export function invalidateUrl(inputs: Pick<ActionInputs, 'imsBaseUrl'>): URL {
  return new URL(`${inputs.imsBaseUrl}${INVALIDATE_PATH}`);
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;
// RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const IMS_ORG_ID = /^[A-Za-z0-9]+@AdobeOrg$/;
const WHOLE_NUMBER = /^\d+$/;
const DECIMAL_NUMBER = /^(\d+(\.\d*)?|\.\d+)$/;

function requireValue(name: InputName, value: string, expected: string): void {
  if (value === '') {
    throw new InputError(`Input ${name} is required: ${expected}.`);
  }
}

function parseClientId(value: string): string {
  const expected = 'the client ID of the OAuth Server-to-Server credential in the Adobe Developer Console';
  requireValue('client-id', value, expected);
  if (value.length > 255 || !PRINTABLE_ASCII.test(value)) {
    // Not quoted: a value this far off may be a secret pasted into the wrong input.
    throw new InputError(`Input client-id must be ${expected}: up to 255 printable ASCII characters without spaces.`);
  }
  return value;
}

/**
 * One secret per line: the Developer Console keeps two valid while a secret
 * is rotated, and the action tries them in order. Blank lines are dropped.
 */
function parseClientSecrets(value: string): string[] {
  requireValue(
    'client-secret',
    value,
    'the client secret of the credential, passed from a secret such as ${{ secrets.FUSION_CLIENT_SECRET }}',
  );
  const secrets = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (secrets.length > MAX_SECRETS) {
    throw new InputError(
      `Input client-secret has ${secrets.length} lines; give at most ${MAX_SECRETS} secrets, one per line.`,
    );
  }
  secrets.forEach((secret, index) => {
    if (secret.length > 1024 || CONTROL_CHARACTER.test(secret)) {
      // Never quoted: it is a secret.
      const which = secrets.length > 1 ? ` (line ${index + 1})` : '';
      throw new InputError(
        `Input client-secret${which} must be a client secret of at most 1024 characters, without control characters; ` +
          'give several secrets one per line.',
      );
    }
  });
  return secrets;
}

export function parseBoolean(name: InputName, value: string): boolean {
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  throw new InputError(`Input ${name} must be true or false, got ${quote(value)}.`);
}

function parseScopes(value: string): string[] {
  const scopes = [...new Set(value.split(/[\s,]+/).filter((scope) => scope !== ''))];
  if (scopes.length === 0) {
    throw new InputError(
      `Input scopes must name at least one scope, separated by commas, spaces or newlines (default: ${INPUT_DEFAULTS.scopes}).`,
    );
  }
  const invalid = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (invalid !== undefined) {
    throw new InputError(
      `Input scopes has an invalid scope ${quote(invalid)}: a scope is printable ASCII without quotes or backslashes.`,
    );
  }
  return scopes;
}

function parseOrgId(value: string): string | undefined {
  if (value === '') return undefined;
  if (!IMS_ORG_ID.test(value)) {
    throw new InputError(
      `Input org-id must be an IMS organization ID such as 0123456789ABCDEF01234567@AdobeOrg, got ${quote(value)}. ` +
        'The numeric Fusion organization ID belongs in the x-organization-id header of Fusion API calls, not here.',
    );
  }
  return value;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Checks the IMS base URL; returns it without a trailing slash. */
function parseImsUrl(value: string): string {
  return parseBaseUrl('ims-url', value, `the IMS base URL, such as ${INPUT_DEFAULTS['ims-url']}`, (basePath) =>
    basePath.endsWith(TOKEN_PATH)
      ? `Input ims-url is the IMS base URL, without ${TOKEN_PATH} (the action appends it), such as ${INPUT_DEFAULTS['ims-url']}.`
      : undefined,
  );
}

/** Checks the Fusion API base URL as ims-url is checked; returns it without a trailing slash. */
function parseFusionUrl(value: string): string {
  const example = INPUT_DEFAULTS['fusion-url'];
  return parseBaseUrl('fusion-url', value, `the Fusion API base URL, such as ${example}`, (basePath) =>
    FUSION_API_PREFIX.test(basePath)
      ? `Input fusion-url is the Fusion API base URL, without /api/v3 (each fusion-api call's path starts with it), such as ${example}.`
      : undefined,
  );
}

/**
 * A service's base URL: https (plain http only on loopback), no credentials,
 * query or fragment; `misplaced` names a path that belongs to the calls, not
 * the base. Returns it without a trailing slash.
 */
function parseBaseUrl(
  name: InputName,
  value: string,
  expected: string,
  misplaced: (basePath: string) => string | undefined,
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`Input ${name} must be ${expected}; ${quote(value)} is not a URL.`);
  }
  if (url.username !== '' || url.password !== '') {
    // Not quoted: it holds credentials.
    throw new InputError(`Input ${name} must not contain a user name or password; give ${expected}.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new InputError(
      `Input ${name} must use https (plain http only for a loopback host such as localhost), got ${quote(value)}.`,
    );
  }
  if (value.includes('?') || value.includes('#')) {
    throw new InputError(`Input ${name} must not have a query or a fragment; give ${expected}.`);
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  const problem = misplaced(basePath);
  if (problem !== undefined) throw new InputError(problem);
  return `${url.origin}${basePath}`;
}

function parseFusionOrgId(value: string): string {
  if (value === '' || isOrgId(value)) return value;
  const imsHint = IMS_ORG_ID.test(value) ? ' An IMS organization ID (...@AdobeOrg) belongs in org-id.' : '';
  throw new InputError(
    `Input fusion-org-id must be the numeric Fusion organization ID (up to 20 digits: the number in the Fusion URL ` +
      `.../organization/{id}/dashboard), got ${quote(value)}.${imsHint}`,
  );
}

function parseFusionRegion(value: string): string {
  if (value === '' || isRegion(value)) return value;
  throw new InputError(
    `Input fusion-region must be a Fusion region such as or2 (up to 63 lowercase letters, digits and hyphens: the ` +
      `"Adobe region" of your Fusion profile), got ${quote(value)}.`,
  );
}

function parseRetries(value: string): number {
  const retries = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(retries <= MAX_RETRIES)) {
    throw new InputError(`Input retries must be a whole number from 0 to ${MAX_RETRIES}, got ${quote(value)}.`);
  }
  return retries;
}

function parseMinRemainingMinutes(value: string): number {
  const minutes = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(minutes <= MAX_MIN_REMAINING_MINUTES)) {
    throw new InputError(
      `Input min-remaining-minutes must be a whole number of minutes from 0 to ${MAX_MIN_REMAINING_MINUTES}, got ${quote(value)}.`,
    );
  }
  return minutes;
}

function parseTimeoutSeconds(value: string): number {
  const seconds = DECIMAL_NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new InputError(
      `Input timeout-seconds must be a number of seconds greater than 0 and at most ${MAX_TIMEOUT_SECONDS}, got ${quote(value)}.`,
    );
  }
  return seconds;
}
