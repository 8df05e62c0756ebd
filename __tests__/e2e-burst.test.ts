// A throttled burst, end to end: action processes started at once against an
// emulator that admits a few token requests a second and answers the rest 429
// with Retry-After: 1. Jittered retries must get every process a token without
// hammering IMS. (npm run bench runs the full-size burst: 100 processes, 20/s.)
import { describe, expect, it } from '@jest/globals';
import { expectNoLeaks } from '../testbed/audit.js';
import { runBurst } from '../testbed/burst.js';

describe('throttled burst', () => {
  it('gets all 20 processes a token at 5 admitted requests a second, with at most 3 requests per token', async () => {
    const burst = await runBurst({ processes: 20, perSecond: 5, retryAfter: '1', retries: 6 });
    console.log(
      `burst of 20 at 5/s: ${burst.successes} tokens, ${burst.requests} requests (${burst.throttled} throttled), ` +
        `${burst.requestsPerSuccess.toFixed(2)} requests per token, ${(burst.wallMs / 1000).toFixed(1)} s`,
    );
    expect(burst.successes).toBe(20);
    expect(burst.throttled).toBeGreaterThan(0);
    expect(burst.requestsPerSuccess).toBeLessThanOrEqual(3);
    for (const result of burst.results) expectNoLeaks(result, burst.inputs, { emulators: [burst.ims] });
    const retryLines = burst.results.flatMap((result) => result.log.filter((line) => line.startsWith('Attempt ')));
    expect(retryLines.length).toBe(burst.throttled);
    for (const line of retryLines) {
      expect(line).toMatch(/^Attempt [1-6] of 7 failed: HTTP 429 too_many_requests\. Retrying in \d+\.\d s\.$/);
    }
    // Retry-After is a floor, and jitter spreads the comebacks over the second after it:
    // without jitter every first wait would read 1.0 s.
    const firstWaits = retryLines
      .filter((line) => line.startsWith('Attempt 1 '))
      .map((line) => Number(/Retrying in (\d+\.\d) s/.exec(line)?.[1]));
    expect(Math.min(...firstWaits)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...firstWaits) - Math.min(...firstWaits)).toBeGreaterThanOrEqual(0.5);
  }, 90_000);
});
