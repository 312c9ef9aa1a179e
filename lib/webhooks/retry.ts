/** Retry vocabulary shared by the inbox processor and the EKA-stores fetcher. */

/**
 * A condition that may clear by itself (the consent is not known here yet, EKA is unreachable):
 * the work is tried again later with backoff, and given up after the configured attempts.
 * `reason` is shown to admins: metadata only.
 */
export class RetryLater extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = "RetryLater";
  }
}

const BASE_MS = 2_000;
const CAP_MS = 10 * 60_000;

/**
 * Delay before attempt `attempts + 1`: 2 s, 4 s, 8 s … capped at 10 min, ±20 % jitter so that
 * instances retrying the same failure do not move in lock-step.
 */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const step = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(step * (0.8 + random() * 0.4));
}
