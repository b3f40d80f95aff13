/**
 * Every route declares who may call it in `config.auth`; a route without it fails at startup, so
 * no route can be public by omission. The separation test reads the same declarations.
 */
import type { Permission } from '../../domains/auth/auth.model.ts';

export type RouteAuth = 'public' | 'authenticated' | { permission: Permission };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export function describeAuth(a: RouteAuth): string {
  return typeof a === 'string' ? a : a.permission;
}
