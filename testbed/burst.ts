// Stands in for: a busy organization, many jobs minting at once against a throttling IMS gateway.
// A throttled burst: many action processes started at once against an IMS
// emulator that admits a fixed number of token requests a second and answers
// the rest 429 with Retry-After, as IMS gateways do. Shared by the tests and
// the benchmark.
import { FUSION_SCOPES, ImsEmulator } from './ims-emulator.js';
import { type RunResult, runAction } from './runner.js';

export interface BurstOptions {
  readonly processes: number;
  readonly perSecond: number;
  readonly retryAfter: string;
  readonly retries: number;
}

export interface BurstResult {
  readonly results: readonly RunResult[];
  readonly successes: number;
  readonly requests: number;
  readonly throttled: number;
  readonly requestsPerSuccess: number;
  readonly wallMs: number;
  /** The emulator, closed, with the tokens it issued: to audit the runs for leaks. */
  readonly ims: ImsEmulator;
  /** The inputs every process got. */
  readonly inputs: Readonly<Record<string, string>>;
}

export const BURST_CLIENT = { clientId: 'burst-client', clientSecret: 'burst-secret', scopes: FUSION_SCOPES };

export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const ims = await ImsEmulator.start([BURST_CLIENT], {
    rateLimit: { perSecond: options.perSecond, retryAfter: options.retryAfter },
  });
  try {
    const started = performance.now();
    const inputs = {
      'client-id': BURST_CLIENT.clientId,
      'client-secret': BURST_CLIENT.clientSecret,
      'ims-url': ims.url,
      retries: String(options.retries),
    };
    const results = await Promise.all(
      Array.from({ length: options.processes }, () => runAction({ inputs, killAfterMs: 120_000 })),
    );
    const wallMs = performance.now() - started;
    const successes = results.filter((result) => result.exitCode === 0 && result.outputs['access-token']).length;
    return {
      results,
      successes,
      requests: ims.requests.length,
      throttled: ims.throttled,
      requestsPerSuccess: ims.requests.length / Math.max(1, successes),
      wallMs,
      ims,
      inputs,
    };
  } finally {
    await ims.close();
  }
}
