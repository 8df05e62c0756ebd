// Stands in for: a step's own process, whose environment Node's TLS code reads (NODE_TLS_REJECT_UNAUTHORIZED).
// One POST through src/transport.ts in a Node process of its own, with the
// environment given: Jest hands tests a copy of process.env, which Node's own
// TLS code never reads, so a variable set in a test would prove nothing. Run
// directly, the file reads the request (JSON) from its argument and prints
// the outcome as one JSON line.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TransportError, createPost } from '../src/transport.js';
import { ROOT, actionNodeBinary } from './runner.js';

export interface ProcessPost {
  readonly url: string;
  readonly body: string;
}

export type ProcessPostOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly code?: string; readonly message: string; readonly proxy?: string };

const SELF = fileURLToPath(import.meta.url);

/** Sends the POST from a new Node process (the runtime action.yml declares) with exactly this environment and PATH. */
export function postInOwnProcess(request: ProcessPost, env: Record<string, string>): Promise<ProcessPostOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      actionNodeBinary(),
      ['--import', 'tsx', SELF, JSON.stringify(request)],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, timeout: 20_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as ProcessPostOutcome)),
    );
  });
}

async function postOnce(request: ProcessPost): Promise<ProcessPostOutcome> {
  try {
    const answer = await createPost()({
      url: new URL(request.url),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: request.body,
      timeoutMs: 10_000,
      maxAnswerBytes: 1024 * 1024,
    });
    return { ok: true, status: answer.status };
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return {
      ok: false,
      message: error.message,
      ...(error.code && { code: error.code }),
      ...(error.proxy && { proxy: error.proxy }),
    };
  }
}

if (process.argv[1] === SELF) {
  process.stdout.write(`${JSON.stringify(await postOnce(JSON.parse(process.argv[2] ?? '{}') as ProcessPost))}\n`);
  // A socket a failed tunnel left open must not hold the process.
  process.exit(0);
}
