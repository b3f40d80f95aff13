/** Turns every failure into `{ error: { code, message }, requestId }` with a stable VIGIL_ code. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CATALOG, type ErrorCode } from '../../errors/error-catalog.ts';
import { isVigilError } from '../../errors/vigil-error.ts';

function body(code: ErrorCode, message: string, requestId: string, details?: unknown) {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) }, requestId };
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VIGIL_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VIGIL_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VIGIL_VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VIGIL_VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VIGIL_VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_TYPE: 'VIGIL_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'VIGIL_UNSUPPORTED_MEDIA_TYPE',
};

/** `spa`: answer unknown GETs outside /api with the web shell's index.html, which routes on the client. */
export function installErrorHandling(app: FastifyInstance, options: { spa: boolean }): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isVigilError(err)) {
      return reply.status(err.status).send(body(err.code, err.message, request.id, err.details));
    }
    if (err.validation) {
      return reply.status(400).send(body('VIGIL_VALIDATION_FAILED', `Invalid request: ${err.message}.`, request.id, err.validation.map((v) => ({ path: v.instancePath, message: v.message }))));
    }
    if (err.statusCode === 429) {
      return reply.status(429).send(body('VIGIL_RATE_LIMITED', ERROR_CATALOG.VIGIL_RATE_LIMITED.message, request.id));
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) {
      const status = ERROR_CATALOG[mapped].status;
      return reply.status(status).send(body(mapped, `${ERROR_CATALOG[mapped].message} (${err.message})`, request.id));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(body('VIGIL_VALIDATION_FAILED', err.message, request.id));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('VIGIL_INTERNAL', ERROR_CATALOG.VIGIL_INTERNAL.message, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    if (options.spa && request.method === 'GET' && !request.url.startsWith('/api/')) return reply.sendFile('index.html');
    return reply.status(404).send(body('VIGIL_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`, request.id));
  });
}
