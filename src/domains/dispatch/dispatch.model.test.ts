import { describe, expect, it } from 'vitest';
import { afterAttempt, DISPATCH_BACKOFF_MS, DISPATCH_MAX_ATTEMPTS, isRetryableHttpStatus } from './dispatch.model.ts';

describe('the retry schedule', () => {
  it('waits the scheduled time before each next attempt, then gives up', () => {
    const waits: number[] = [];
    for (let n = 1; n < DISPATCH_MAX_ATTEMPTS; n++) {
      const next = afterAttempt(n, { status: 'failed', retryable: true });
      expect(next.next).toBe('retry');
      if (next.next === 'retry') waits.push(next.delayMs);
    }
    expect(waits).toEqual([...DISPATCH_BACKOFF_MS]);
    expect(afterAttempt(DISPATCH_MAX_ATTEMPTS, { status: 'failed', retryable: true })).toEqual({ next: 'failed' });
  });

  it('stops at delivery, on a refusal, and on an answer a retry cannot change', () => {
    expect(afterAttempt(1, { status: 'delivered', retryable: false })).toEqual({ next: 'delivered' });
    expect(afterAttempt(1, { status: 'refused', retryable: true })).toEqual({ next: 'failed' });
    expect(afterAttempt(1, { status: 'failed', retryable: false })).toEqual({ next: 'failed' });
  });

  it('retries server errors, timeouts and rate limits, not other client errors', () => {
    expect([500, 502, 503, 408, 425, 429].every(isRetryableHttpStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422].some(isRetryableHttpStatus)).toBe(false);
  });
});
