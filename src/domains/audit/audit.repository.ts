/**
 * The append-only audit log (the database refuses updates and deletes, see migration 0001).
 * Reads are scoped to one agency; `null` is reserved for instance-wide reads by the CLI.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../adapters/db/schema.ts';
import type { AuditEvent } from './audit.model.ts';

export interface AuditQuery {
  action?: string;
  userId?: string;
  targetType?: string;
  targetId?: string;
  from?: number;
  to?: number;
  /** Keyset cursor: events strictly older than this event id. */
  before?: string;
  limit: number;
}

export function createAuditRepository(db: Kysely<Database>, agencyId: string | null) {
  return {
    async append(e: AuditEvent): Promise<void> {
      await db
        .insertInto('audit_event')
        .values({
          audit_event_id: e.id,
          agency_id: e.agencyId,
          user_id: e.userId,
          actor: e.actor,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          at: e.at,
          client_ip: e.clientIp,
          request_id: e.requestId,
          detail: JSON.stringify(e.detail),
        })
        .execute();
    },
    async query(q: AuditQuery): Promise<AuditEvent[]> {
      let s = db.selectFrom('audit_event').selectAll();
      if (agencyId !== null) s = s.where('agency_id', '=', agencyId);
      if (q.action) s = s.where('action', '=', q.action);
      if (q.userId) s = s.where('user_id', '=', q.userId);
      if (q.targetType) s = s.where('target_type', '=', q.targetType);
      if (q.targetId) s = s.where('target_id', '=', q.targetId);
      if (q.from !== undefined) s = s.where('at', '>=', q.from);
      if (q.to !== undefined) s = s.where('at', '<', q.to);
      // UUIDv7 ids sort by creation time, so the id alone is a stable keyset cursor.
      if (q.before) s = s.where('audit_event_id', '<', q.before);
      const rows = await s.orderBy('audit_event_id', 'desc').limit(q.limit).execute();
      return rows.map((r) => ({
        id: r.audit_event_id,
        agencyId: r.agency_id,
        userId: r.user_id,
        actor: r.actor,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        at: r.at,
        clientIp: r.client_ip,
        requestId: r.request_id,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
