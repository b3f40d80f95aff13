import type { Permission } from './auth.model.ts';

export interface ApiToken {
  id: string;
  agencyId: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: Permission[];
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** Tokens look like `vgl_<prefix>_<secret>`: the prefix identifies a token in lists and logs, the secret never leaves the response that created it. */
export const TOKEN_PATTERN = /^vgl_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_NAME_MAX = 100;

export function isTokenUsable(t: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now: number): boolean {
  return t.revokedAt === null && t.expiresAt > now;
}
