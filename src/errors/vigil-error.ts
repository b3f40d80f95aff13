import { ERROR_CATALOG, type ErrorCode } from './error-catalog.ts';

/** The one error type services throw; the HTTP layer and the CLI both render it from its code. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CATALOG[code].message);
    this.name = 'VigilError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = details;
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError;
}
