/** Ports every service may receive. Tests pass fakes of these two only. */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface Ids {
  /** A new UUIDv7: time-ordered, so ids sort like creation times. */
  next(): string;
}
