/** Agencies: every row of agency-owned data belongs to exactly one. */

export const AGENCY_KINDS = ['authority', 'flagger', 'provider'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export interface Agency {
  id: string;
  name: string;
  kind: AgencyKind;
  /** The agency that runs the instance; its admins may create other agencies. */
  operator: boolean;
  createdAt: number;
}

export const AGENCY_NAME_MAX = 200;

export function isAgencyKind(v: string): v is AgencyKind {
  return (AGENCY_KINDS as readonly string[]).includes(v);
}
