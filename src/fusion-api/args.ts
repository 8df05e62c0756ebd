// The fusion-api command line, read into a request plan, or a usage problem
// (exit 2, nothing sent). Modelled on `gh api`, with only the flags the
// Fusion API needs. Pure.

import { isOrgId, isRegion } from '../fusion-session.js';
import { MAX_RETRIES } from '../retry.js';
import { quote, visible } from '../text.js';

export const USAGE = [
  'usage: fusion-api [-X METHOD] PATH [-q NAME=VALUE]... [-d JSON | --input FILE] [--paginate]',
  '                  [-o FILE] [--org-id ID] [--region REGION] [--retries N]',
  '',
  'Calls the Workfront Fusion API with the token of the fusion-token-action step (fusion-api: true)',
  'of this job, and prints the answer body.',
  '',
  "  PATH              the API path, e.g. /api/v3/scenarios (appended to the step's fusion-url)",
  '  -X METHOD         GET (the default), POST (the default with a body), PUT, PATCH, DELETE or HEAD',
  '  -q NAME=VALUE     a query parameter, percent-encoded (a + is sent as %2B); may repeat, kept in order',
  '  -d JSON           the request body, JSON, sent as application/json',
  '  --input FILE      the request body from FILE (- for standard input), JSON',
  '  --paginate        GET every page (start=_page.next) and print one JSON array of all their items',
  '  -o FILE           write the answer body to FILE instead of standard output',
  "  --org-id ID       the Fusion organization ID (x-organization-id) instead of the step's fusion-org-id",
  "  --region REGION   the Fusion region (x-gw-region) instead of the step's fusion-region",
  "  --retries N       retries of a transient failure (0 to 10) instead of the step's retries",
  '',
  'Exit status: 0 on a 2xx answer, 1 on a failure, 2 on a usage error or a missing session.',
].join('\n');

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

export interface QueryParameter {
  readonly name: string;
  readonly value: string;
}

/** Where the request body comes from: the text of -d, a file, or standard input (--input -). */
export type BodySource =
  | { readonly from: 'text'; readonly text: string }
  | { readonly from: 'file'; readonly path: string }
  | { readonly from: 'stdin' };

export interface RequestPlan {
  readonly method: Method;
  /** The API path as given: it starts with one `/` and holds only characters a path may hold. */
  readonly path: string;
  readonly query: readonly QueryParameter[];
  readonly body: BodySource | undefined;
  readonly paginate: boolean;
  /** -o FILE: where the body goes instead of standard output. */
  readonly output: string | undefined;
  readonly orgId: string | undefined;
  readonly region: string | undefined;
  readonly retries: number | undefined;
}

export type ParsedCommandLine =
  | { readonly kind: 'plan'; readonly plan: RequestPlan }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage'; readonly problem: string };

const VALUE_FLAGS = ['-X', '-q', '-d', '--input', '-o', '--org-id', '--region', '--retries'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const REPEATABLE: ReadonlySet<ValueFlag> = new Set(['-q']);

// RFC 3986 pchar (unreserved, sub-delims, ':' and '@') and '/', or a percent-encoded octet.
const PATH_TEXT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

class UsageProblem extends Error {}

/** A value from the command line in a usage line: quoted, short, nothing invisible. */
const shown = (value: string): string => quote(value, 60);

export function checkPath(path: string): void {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) {
    throw new UsageProblem(
      `PATH ${shown(path)} is a full URL; give only the path, e.g. /api/v3/scenarios (the base URL is the step's fusion-url)`,
    );
  }
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw new UsageProblem(`PATH ${shown(path)} must start with a single /, e.g. /api/v3/scenarios`);
  }
  if (/[?#]/.test(path)) {
    throw new UsageProblem(
      `PATH ${shown(path)} holds a query or fragment; give each query parameter as -q NAME=VALUE, which encodes it`,
    );
  }
  if (!PATH_TEXT.test(path)) {
    throw new UsageProblem(`PATH ${shown(path)} holds a character a URL path cannot (percent-encode it, e.g. %20)`);
  }
}

function parseMethod(value: string): Method {
  const method = value.toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new UsageProblem(`-X ${shown(value)} is not one of ${METHODS.join(', ')}`);
  }
  return method as Method;
}

function parseQuery(value: string): QueryParameter {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new UsageProblem(`-q ${shown(value)} is not NAME=VALUE`);
  return { name: value.slice(0, equals), value: value.slice(equals + 1) };
}

function parseRetries(value: string): number {
  if (!/^\d{1,2}$/.test(value) || Number(value) > MAX_RETRIES) {
    throw new UsageProblem(`--retries ${shown(value)} is not a whole number from 0 to ${MAX_RETRIES}`);
  }
  return Number(value);
}

/** Splits `--name=value` into the flag and its value; any other argument is returned as is. */
function splitLongFlag(argument: string): { flag: string; inline: string | undefined } {
  const equals = argument.indexOf('=');
  if (!argument.startsWith('--') || equals < 0) return { flag: argument, inline: undefined };
  return { flag: argument.slice(0, equals), inline: argument.slice(equals + 1) };
}

function isValueFlag(flag: string): flag is ValueFlag {
  return (VALUE_FLAGS as readonly string[]).includes(flag);
}

function readPlan(argv: readonly string[]): RequestPlan | 'help' {
  const values = new Map<ValueFlag, string[]>();
  let paginate = false;
  let path: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === '--help' || argument === '-h') return 'help';
    const { flag, inline } = splitLongFlag(argument);
    if (flag === '--paginate') {
      if (inline !== undefined) throw new UsageProblem('--paginate takes no value');
      paginate = true;
      continue;
    }
    if (isValueFlag(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new UsageProblem(`${flag} needs a value`);
      const given = values.get(flag) ?? [];
      if (given.length > 0 && !REPEATABLE.has(flag)) throw new UsageProblem(`${flag} is given twice`);
      values.set(flag, [...given, value]);
      continue;
    }
    if (argument.startsWith('-') && argument !== '-') throw new UsageProblem(`unknown flag ${shown(argument)}`);
    if (path !== undefined) throw new UsageProblem(`a second PATH ${shown(argument)}; give one PATH`);
    path = argument;
  }
  if (path === undefined) throw new UsageProblem('no PATH given, e.g. fusion-api /api/v3/scenarios');
  checkPath(path);

  const one = (flag: ValueFlag): string | undefined => values.get(flag)?.[0];
  const text = one('-d');
  const input = one('--input');
  if (text !== undefined && input !== undefined) throw new UsageProblem('give the body with -d or --input, not both');
  if (input === '') throw new UsageProblem('--input needs a FILE, or - for standard input');
  const body: BodySource | undefined =
    text !== undefined
      ? { from: 'text', text }
      : input === undefined
        ? undefined
        : input === '-'
          ? { from: 'stdin' }
          : { from: 'file', path: input };
  const given = one('-X');
  const method = given === undefined ? (body ? 'POST' : 'GET') : parseMethod(given);
  if (body && (method === 'GET' || method === 'HEAD')) throw new UsageProblem(`a ${method} request takes no body`);
  if (paginate && method !== 'GET') throw new UsageProblem(`--paginate is for GET requests only, not ${method}`);
  if (text !== undefined) {
    const problem = jsonProblem(text);
    if (problem) throw new UsageProblem(`-d is not JSON: ${problem}`);
  }

  const orgId = one('--org-id');
  if (orgId !== undefined && !isOrgId(orgId)) {
    throw new UsageProblem(`--org-id ${shown(orgId)} is not a Fusion organization ID (digits only)`);
  }
  const region = one('--region');
  if (region !== undefined && !isRegion(region)) {
    throw new UsageProblem(`--region ${shown(region)} is not a Fusion region (lowercase letters, digits, -), e.g. or2`);
  }
  const output = one('-o');
  if (output === '') throw new UsageProblem('-o needs a FILE');
  const retries = one('--retries');
  return {
    method,
    path,
    query: (values.get('-q') ?? []).map(parseQuery),
    body,
    paginate,
    output,
    orgId,
    region,
    retries: retries === undefined ? undefined : parseRetries(retries),
  };
}

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  try {
    const plan = readPlan(argv);
    return plan === 'help' ? { kind: 'help' } : { kind: 'plan', plan };
  } catch (error) {
    if (error instanceof UsageProblem) return { kind: 'usage', problem: error.message };
    throw error;
  }
}

/** Why a body is not JSON (in JSON.parse's words), or undefined when it is. */
export function jsonProblem(text: string): string | undefined {
  if (text.trim() === '') return 'it is empty';
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return visible((error as Error).message);
  }
}

/** A query value or name percent-encoded as RFC 3986 says: only unreserved characters stay as they are. */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The query string, in the order given (without the `?`); '' for none. */
export function queryString(query: readonly QueryParameter[]): string {
  return query.map(({ name, value }) => `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`).join('&');
}

/** The query with `start` set to the cursor: in place of the first `start` given (others dropped), else last. */
export function withStart(query: readonly QueryParameter[], cursor: string): QueryParameter[] {
  const start = { name: 'start', value: cursor };
  const at = query.findIndex(({ name }) => name === 'start');
  if (at < 0) return [...query, start];
  return [...query.slice(0, at), start, ...query.slice(at + 1).filter(({ name }) => name !== 'start')];
}
