import type { Clock, Ids } from '../ports.ts';
import type { AuditContext, AuditEntry, AuditEvent } from './audit.model.ts';
import type { AuditQuery, AuditRepository } from './audit.repository.ts';

/** Records what one actor does; made per request (or CLI command) with that actor's context. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export function createAuditLog(deps: { audit: AuditRepository; clock: Clock; ids: Ids }, ctx: AuditContext): AuditLog {
  return {
    async record(entry) {
      await deps.audit.append({
        id: deps.ids.next(),
        agencyId: ctx.agencyId,
        userId: ctx.userId,
        actor: ctx.actor,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        at: deps.clock.now(),
        clientIp: ctx.clientIp,
        requestId: ctx.requestId,
        detail: entry.detail ?? {},
      });
    },
  };
}

export async function queryAudit(audit: AuditRepository, q: AuditQuery): Promise<{ events: AuditEvent[]; nextBefore: string | null }> {
  const events = await audit.query({ ...q, limit: q.limit + 1 });
  const more = events.length > q.limit;
  const page = more ? events.slice(0, q.limit) : events;
  return { events: page, nextBefore: more ? (page[page.length - 1]?.id ?? null) : null };
}
