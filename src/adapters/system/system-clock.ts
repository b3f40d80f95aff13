import type { Clock } from '../../domains/ports.ts';

export const systemClock: Clock = { now: () => Date.now() };
