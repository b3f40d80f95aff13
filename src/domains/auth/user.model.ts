import type { Role } from './auth.model.ts';

export interface User {
  id: string;
  agencyId: string;
  email: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export const EMAIL_MAX = 254;
export const DISPLAY_NAME_MAX = 200;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
