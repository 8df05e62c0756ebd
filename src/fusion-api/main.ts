// The fusion-api command: reads the command line and the session the token
// step left, then makes the call (or the pages of --paginate) and writes the
// answer's body out as it arrives. Exit 0 on a 2xx answer, 1 on a failure, 2
// on a usage error or a session that cannot be used, with nothing sent.
// The world (environment, standard streams, clock, sleep, randomness) is
// passed in; files and the network are its own.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../failures.js';
import { SESSION_ENV, parseSession } from '../fusion-session.js';
import { ACTION_VERSION } from '../version.js';
import {
  type BodySource,
  USAGE,
  jsonProblem,
  parseCommandLine,
  queryString,
  type QueryParameter,
  type RequestPlan,
} from './args.js';
import { type CallContext, type CallResult, call, labelOf } from './call.js';
import { type HttpRequest, openConnection } from './client.js';
import { PREFIX, outputFailureLine } from './failure.js';
import { OutputError, type Sink, fileSink, streamSink } from './output.js';
import { paginate } from './paginate.js';
import { type CallSettings, badSessionLine, noSessionLine, resolveSettings } from './settings.js';

export const USER_AGENT = `fusion-token-action/${ACTION_VERSION} (fusion-api)`;
// JSON first; */* so that an export that answers NDJSON or CSV is not refused.
const ACCEPT = 'application/json, */*;q=0.8';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative -o and --input files are taken from here. */
  readonly cwd: string;
  /** Standard input, asked for only by --input -. */
  readonly stdin: () => NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: { write(text: string): unknown };
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const TLS_OVERRIDE_IGNORED =
  `${PREFIX} NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: certificates are always verified, since the requests ` +
  'carry the token. For a private CA, set NODE_EXTRA_CA_CERTS to its root certificate (PEM).';

class Refusal extends Error {
  constructor(
    readonly exitCode: number,
    line: string,
  ) {
    super(line);
  }
}

async function readSession(io: CommandIo, plan: RequestPlan): Promise<CallSettings> {
  const file = io.env[SESSION_ENV];
  if (!file) throw new Refusal(EXIT_USAGE, noSessionLine(`${SESSION_ENV} is not set`));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const why =
      code === 'ENOENT'
        ? `the session file ${file} does not exist`
        : `the session file ${file} cannot be read (${code})`;
    throw new Refusal(EXIT_USAGE, noSessionLine(why));
  }
  const session = parseSession(text);
  if ('problem' in session) throw new Refusal(EXIT_USAGE, badSessionLine(file, session.problem));
  const settings = resolveSettings(plan, session, file, io.now());
  if ('problem' in settings) throw new Refusal(EXIT_USAGE, settings.problem);
  return settings;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** The body to send, read and checked to be JSON; a body that is not is a usage error. */
async function readBody(source: BodySource | undefined, io: CommandIo): Promise<Buffer | undefined> {
  if (source === undefined) return undefined;
  if (source.from === 'text') return Buffer.from(source.text);
  let body: Buffer;
  const name = source.from === 'stdin' ? 'standard input' : source.path;
  try {
    body = source.from === 'stdin' ? await readAll(io.stdin()) : await readFile(path.resolve(io.cwd, source.path));
  } catch (error) {
    throw new Refusal(
      EXIT_USAGE,
      `${PREFIX} --input: cannot read ${name}: ${(error as Error).message}. Nothing was sent.`,
    );
  }
  const problem = jsonProblem(body.toString('utf8'));
  if (problem) throw new Refusal(EXIT_USAGE, usageLine(`--input ${name} is not JSON: ${problem}`));
  return body;
}

function usageLine(problem: string): string {
  return `${PREFIX} ${problem} (fusion-api --help shows the usage). Nothing was sent.`;
}

function headersFor(settings: CallSettings, body: Buffer | undefined): Record<string, string> {
  return {
    authorization: `Bearer ${settings.accessToken}`,
    'x-api-key': settings.clientId,
    'x-organization-id': settings.orgId,
    'x-gw-region': settings.region,
    accept: ACCEPT,
    'user-agent': USER_AGENT,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
}

async function perform(
  plan: RequestPlan,
  settings: CallSettings,
  body: Buffer | undefined,
  io: CommandIo,
): Promise<number> {
  const headers = headersFor(settings, body);
  const requestFor = (query: readonly QueryParameter[]): HttpRequest => {
    const search = queryString(query);
    return {
      url: new URL(`${settings.baseUrl}${plan.path}${search === '' ? '' : `?${search}`}`),
      method: plan.method,
      headers,
      body,
      timeoutMs: settings.timeoutMs,
    };
  };
  const request = requestFor(plan.query);
  const connection = await openConnection(request.url, io.env);
  const context: CallContext = {
    connection,
    retries: settings.retries,
    secrets: [settings.accessToken],
    now: io.now,
    sleep: io.sleep,
    random: io.random,
    log: (line) => io.stderr.write(`${line}\n`),
  };
  let sink: Sink | undefined;
  let result: CallResult;
  try {
    sink = plan.output
      ? await fileSink(path.resolve(io.cwd, plan.output), `${process.pid}-${randomBytes(4).toString('hex')}`)
      : streamSink(io.stdout);
    result = plan.paginate ? await paginate(plan.query, requestFor, sink, context) : await call(request, sink, context);
    if (result.ok) await sink.finish();
  } catch (error) {
    if (!(error instanceof OutputError)) {
      await sink?.abandon();
      throw error;
    }
    result = { ok: false, lines: [outputFailureLine(labelOf(request), error.message)] };
  } finally {
    connection.close();
  }
  if (result.ok) return EXIT_OK;
  await sink?.abandon();
  for (const line of result.lines) io.stderr.write(`${line}\n`);
  return EXIT_FAILURE;
}

async function command(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage') {
    io.stderr.write(`${usageLine(parsed.problem)}\n`);
    return EXIT_USAGE;
  }
  const { plan } = parsed;
  try {
    const settings = await readSession(io, plan);
    const body = await readBody(plan.body, io);
    if (io.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') io.stderr.write(`${TLS_OVERRIDE_IGNORED}\n`);
    return await perform(plan, settings, body, io);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
}

/** Runs the command; never rejects. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    return await command(argv, io);
  } catch (error) {
    // A bug: its message, without a stack trace, and without anything shaped like a token.
    const detail = redact(error instanceof Error ? error.message : String(error), []);
    io.stderr.write(`${PREFIX} failed unexpectedly: ${detail}. Please report this.\n`);
    return EXIT_FAILURE;
  }
}
