/** Creating and listing agencies: the instance operator's work. */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { Agency, AgencyKind } from './agency.model.ts';
import type { AgencyRepository } from './agency.repository.ts';

export function createAgencyService(deps: { agencies: AgencyRepository; audit: AuditLog; clock: Clock; ids: Ids }) {
  return {
    list: () => deps.agencies.list(),
    get: (agencyId: string) => deps.agencies.get(agencyId),
    async create(input: { name: string; kind: AgencyKind; operator?: boolean }): Promise<Agency> {
      const name = input.name.trim();
      if (await deps.agencies.findByName(name)) throw new VigilError('VIGIL_AGENCY_NAME_TAKEN', `An agency named "${name}" already exists.`);
      const agency: Agency = { id: deps.ids.next(), name, kind: input.kind, operator: input.operator ?? false, createdAt: deps.clock.now() };
      await deps.agencies.insert(agency);
      await deps.audit.record({ action: 'agency.create', targetType: 'agency', targetId: agency.id, detail: { name, kind: agency.kind, operator: agency.operator } });
      return agency;
    },
  };
}
