/** What an audit event says. Actions are '<domain>.<verb>' like job names. */

export interface AuditEvent {
  id: string;
  agencyId: string | null;
  userId: string | null;
  /** Who, in words: `user:<email>`, `token:<prefix>`, `cli:<os user>`, `system`. */
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  at: number;
  clientIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** Who did it and from where; the HTTP layer and the CLI each build one per request or command. */
export interface AuditContext {
  agencyId: string | null;
  userId: string | null;
  actor: string;
  clientIp: string | null;
  requestId: string | null;
}

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Record<string, unknown>;
}

export const AUDIT_PAGE_MAX = 500;
