/**
 * Resolves the caller (session cookie or bearer token) and enforces the route's declared `auth`,
 * plus CSRF on mutating cookie requests. Runs before body parsing, so a refused request never
 * reaches a handler or a parser.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VigilError } from '../../errors/vigil-error.ts';
import type { Principal } from '../../domains/auth/auth.service.ts';
import type { Platform, RequestScope } from '../platform.ts';
import type { RouteAuth } from './route-auth.ts';

export const SESSION_COOKIE = 'vigil_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    scope: RequestScope | null;
  }
  interface FastifyInstance {
    /** Every API route with its declared auth, for the separation test and docs. */
    vigilRoutes: DeclaredRoute[];
  }
  interface FastifyContextConfig {
    /** Machines only: the route takes an API token (Authorization: Bearer) and never a session cookie. */
    tokenOnly?: boolean;
  }
}

/** The HMA 2.0-compatible routes live at the root (src/domains/hma): an HMA client's base URL is Vigil's origin. */
const HMA_ROUTE = /^\/(?:status$|site-map$|[hmc]\/)/;

/** Routes that must declare `config.auth`: the API under /api/v1 and the HMA-compatible routes. */
function isApiRoute(url: string): boolean {
  return url.startsWith('/api/v1') || HMA_ROUTE.test(url);
}

export interface DeclaredRoute {
  method: string;
  url: string;
  auth: RouteAuth;
}

export function requireScope(request: FastifyRequest): RequestScope {
  if (!request.scope) throw new VigilError('VIGIL_AUTH_REQUIRED');
  return request.scope;
}

export function installAuth(app: FastifyInstance, platform: Platform): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('scope', null);
  const declared: DeclaredRoute[] = [];
  app.decorate('vigilRoutes', declared);

  app.addHook('onRoute', (route) => {
    if (!isApiRoute(route.url)) return;
    // Static files, docs and the not-found handler are public by nature; API routes must say so.
    if (!route.config?.auth) throw new Error(`route ${route.method} ${route.url} declares no config.auth`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') declared.push({ method, url: route.url, auth: route.config.auth });
  });

  app.addHook('onRequest', async (request) => {
    const auth: RouteAuth | undefined = request.routeOptions.config?.auth;
    if (!auth || auth === 'public') return;
    const header = request.headers.authorization;
    let principal: Principal | null;
    if (header !== undefined) {
      const m = /^Bearer (.+)$/.exec(header);
      principal = m?.[1] ? await platform.auth.authenticateToken(m[1]) : null;
      if (!principal) throw new VigilError('VIGIL_AUTH_TOKEN_INVALID');
    } else if (request.routeOptions.config?.tokenOnly) {
      throw new VigilError('VIGIL_AUTH_REQUIRED', 'Send an API token: Authorization: Bearer vgl_…');
    } else {
      const cookie = request.cookies[SESSION_COOKIE];
      principal = cookie ? await platform.auth.authenticateSession(cookie) : null;
      if (!principal) throw new VigilError('VIGIL_AUTH_REQUIRED');
      const csrf = request.headers['x-csrf-token'];
      if (!SAFE_METHODS.has(request.method) && !platform.auth.checkCsrf(principal, typeof csrf === 'string' ? csrf : undefined)) {
        throw new VigilError('VIGIL_CSRF_INVALID');
      }
    }
    request.principal = principal;
    request.scope = platform.scopeFor(principal, { clientIp: request.ip, requestId: request.id });
    if (typeof auth === 'object' && !principal.permissions.has(auth.permission)) {
      throw new VigilError('VIGIL_FORBIDDEN', `This needs the ${auth.permission} permission, which your roles${principal.via === 'token' ? ' or this token’s scopes' : ''} do not grant.`);
    }
  });
}
