/** The only fakes tests use: time and ids. Everything else is the real thing. */
import type { Clock, Ids } from '../src/domains/ports.ts';
import { uuidIds } from '../src/adapters/system/uuid-ids.ts';

export class FakeClock implements Clock {
  ms: number;
  constructor(ms = Date.UTC(2026, 0, 15, 9, 0, 0)) {
    this.ms = ms;
  }
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const testIds: Ids = uuidIds;
