// An answer that echoes the client secret or a token, at every offset of every
// header and field the action shows, must read exactly as if it had echoed
// *** there: the runner masks only whole values, so a piece of one left by a
// cut would show. In-process, over both requests; e2e.test.ts runs a case
// through the bundle with the leak audit.
import { describe, expect, it } from '@jest/globals';
import type { AttemptFailure, FailureContext } from '../src/failures.js';
import { type AttemptResult, type HttpAnswer, readInvalidateAnswer, readTokenAnswer } from '../src/ims.js';
import { secretForms } from '../src/text.js';
import { makeAccessToken } from '../testbed/ims-emulator.js';

const SECRET = 'p8e-Sup3r S3cret+Välue/&=%Q7';
const TOKEN = makeAccessToken('sweep-client', ['openid'], Date.parse('2026-11-29T00:00:00Z'));
const MASK = '***';
/** Past the longest cut the action makes of any field (300 characters of error_description). */
const MAX_OFFSET = 320;

/** Every place in an answer where the action shows text from it, holding `text`. */
const PLACES: Readonly<Record<string, (text: string) => HttpAnswer>> = {
  'x-debug-id': (text) => ({
    status: 400,
    headers: { 'content-type': 'application/json', 'x-debug-id': text },
    body: JSON.stringify({ error: 'invalid_request' }),
  }),
  'content-type': (text) => ({ status: 502, headers: { 'content-type': text }, body: '<html>Bad gateway</html>' }),
  location: (text) => ({ status: 302, headers: { location: `https://elsewhere.example/${text}` }, body: '' }),
  error: (text) => ({ status: 400, headers: {}, body: JSON.stringify({ error: text }) }),
  error_description: (text) => ({
    status: 400,
    headers: {},
    body: JSON.stringify({ error: 'invalid_request', error_description: text }),
  }),
  'an HTML body': (text) => ({ status: 502, headers: { 'content-type': 'text/html' }, body: `<html>${text}</html>` }),
  'a JSON body': (text) => ({
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: text }),
  }),
};

function context(request: string, secrets: readonly string[]): FailureContext {
  return { request, host: 'ims.example.com', scopes: ['openid'], secrets };
}

const REQUESTS: Readonly<Record<string, (answer: HttpAnswer) => AttemptResult<unknown>>> = {
  // The main step knows the secret; a token it did not get is caught by its shape.
  'token request': (answer) => readTokenAnswer(answer, 0, context('token request', [SECRET])),
  // The post step knows the token it revokes too.
  'token invalidation': (answer) => readInvalidateAnswer(answer, context('token invalidation', [SECRET, TOKEN])),
};

const VALUES: ReadonlyArray<readonly [string, string]> = [
  ...secretForms(SECRET).map((form, index) => [`the secret (form ${index + 1})`, form] as const),
  ['the token', TOKEN],
];

/** What the user sees of a failure: the retry log line and the error annotation. */
function shown(result: AttemptResult<unknown>): Pick<AttemptFailure, 'summary' | 'message'> {
  if (result.ok) throw new Error('expected a failure');
  return { summary: result.failure.summary, message: result.failure.message };
}

/** The value at `offset` of the field, with filler before and after it. */
function echo(value: string, offset: number): string {
  return `${'x'.repeat(offset)}${value}~~~~`;
}

describe('an answer that echoes the secret or the token', () => {
  it('sweeps four forms of the secret and the token', () => {
    expect(VALUES).toHaveLength(5);
  });

  it.each(Object.keys(REQUESTS))('shows *** and nothing else, at every offset of every field (%s)', (request) => {
    const read = REQUESTS[request] as (answer: HttpAnswer) => AttemptResult<unknown>;
    const differences: string[] = [];
    for (const [place, answerWith] of Object.entries(PLACES)) {
      // The field is shown at all: an echo at its start comes out as the mask.
      expect([place, shown(read(answerWith(echo(MASK, 0)))).message]).toEqual([
        place,
        expect.stringContaining(`${MASK}~~~~`),
      ]);
      for (const [name, value] of VALUES) {
        for (let offset = 0; offset <= MAX_OFFSET; offset++) {
          const echoed = shown(read(answerWith(echo(value, offset))));
          const masked = shown(read(answerWith(echo(MASK, offset))));
          if (echoed.summary !== masked.summary || echoed.message !== masked.message) {
            differences.push(`${name} at offset ${offset} of ${place}`);
          }
        }
      }
    }
    // Names the cases only: a failing test must not print the secret either.
    expect(differences.slice(0, 12)).toEqual([]);
  });
});
