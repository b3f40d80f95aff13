import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from './job-types.ts';
import { createJobRegistry } from './job-registry.ts';
import type { JobOutcome } from './job-types.ts';

const done = async (): Promise<JobOutcome> => ({ kind: 'done' });

interface TestPayloads {
  'item.fetch': { url: string };
  'item.hash': Record<string, never>;
  'stray.job': Record<string, never>;
}
const DECLARED = ['item.fetch', 'item.hash'];

describe('createJobRegistry', () => {
  it('maps each declared name to its one handler', async () => {
    const fetch = async (payload: { url: string }): Promise<JobOutcome> => ({ kind: 'done', result: payload.url });
    const registry = createJobRegistry<TestPayloads>([['item.fetch', fetch], ['item.hash', done]], DECLARED);
    expect(registry.names).toEqual(DECLARED);
    expect(registry.get('item.fetch')).toBe(fetch);
    expect(registry.get('item.hash')).toBe(done);
    expect(registry.get('stray.job')).toBeUndefined();
  });

  it('refuses a declared job without a handler, naming it', () => {
    expect(() => createJobRegistry<TestPayloads>([['item.fetch', done]], DECLARED)).toThrow(/job "item\.hash" has no handler/);
  });

  it('refuses a job with two handlers, naming it', () => {
    expect(() => createJobRegistry<TestPayloads>([['item.fetch', done], ['item.hash', done], ['item.fetch', done]], DECLARED)).toThrow(
      /job "item\.fetch" has two handlers/,
    );
  });

  it('refuses a handler for a job nobody declared, naming it', () => {
    expect(() => createJobRegistry<TestPayloads>([['item.fetch', done], ['item.hash', done], ['stray.job', done]], DECLARED)).toThrow(
      /handler is registered for job "stray\.job", which is not declared/,
    );
  });

  it('refuses a declared name that is not <domain>.<verb>', () => {
    expect(() => createJobRegistry<{ fetchItem: Record<string, never> }>([['fetchItem', done]], ['fetchItem'])).toThrow(
      /job "fetchItem" is not named '<domain>\.<verb>'/,
    );
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      createJobRegistry<TestPayloads>([['item.fetch', done], ['item.fetch', done], ['stray.job', done]], DECLARED);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"item.fetch" has two handlers');
    expect(message).toContain('"stray.job"');
    expect(message).toContain('"item.hash" has no handler');
  });

  it('checks against the product job names by default', () => {
    expect(() => createJobRegistry([['session.purge', done]])).toThrow(/job "blob\.verify" has no handler/);
    expect(createJobRegistry(JOB_NAMES.map((n) => [n, done] as const)).names).toEqual([...JOB_NAMES]);
  });
});
