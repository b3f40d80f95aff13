/**
 * The removal order document (TCO Regulation 2021/784, Annex I) and the provider's answers
 * (Annex II, Annex III) as typed records with their completeness rules. Pure: the PDF and the
 * signature are made elsewhere from the JSON document built here, so both say the same thing.
 */
import type { Measure, Obstacle } from './order.model.ts';
// The grounds an order ticks in Annex I section B are the review decision's (Art. 2(7)(a)–(e)).
import { GROUNDS as TCO_GROUNDS, type Ground as TcoGround } from '../review/review.model.ts';

/** Short labels for the grounds, in our words; the Regulation's text is the authority. */
export const TCO_GROUND_LABELS: Record<TcoGround, string> = {
  a: 'incites the commission of a terrorist offence, e.g. by glorifying it',
  b: 'solicits a person or group to commit or contribute to a terrorist offence',
  c: 'solicits a person or group to participate in the activities of a terrorist group',
  d: 'instructs on making or using explosives, weapons or hazardous substances, or other methods, to commit a terrorist offence',
  e: 'threatens to commit a terrorist offence',
};

/** Annex I section E: the kind of issuing authority. */
export const AUTHORITY_TYPES = ['judge_or_prosecutor', 'law_enforcement', 'other'] as const;
export type AuthorityType = (typeof AUTHORITY_TYPES)[number];

/** EU and EEA member states, ISO 3166-1 alpha-2 (Greece as `GR`, as ISO writes it). */
export const EU_EEA_STATES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
] as const;
export type MemberState = (typeof EU_EEA_STATES)[number];

export const ANNEX_TEXT_MAX = 5000;
export const ANNEX_SHORT_TEXT_MAX = 500;
export const ANNEX_MAX_URLS = 1000;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets. */
export const EMAIL_ADDRESS_MAX = 254;

export interface AnnexI {
  /** Section A. */
  issuingState: MemberState;
  addressee: { providerName: string; legalRepresentative: string | null; contactPoint: string; mainEstablishment: MemberState | null };
  issuedAt: number;
  referenceNumber: string;
  /** Section B: the items, each with what locates it beyond the URL. */
  items: { url: string; locating: string | null }[];
  grounds: TcoGround[];
  reasons: string;
  /** Section C: Art. 11(3) — do not inform the content provider. */
  nonDisclosure: { withheld: boolean; reason: string | null };
  /** Section D: Art. 4 — a copy went to the competent authority of the host state. */
  crossBorder: { copySent: boolean; hostAuthority: string | null };
  /** Section E. */
  authority: { type: AuthorityType; name: string; representative: string; fileNumber: string; address: string; telephone: string; email: string };
  /** Section F. */
  followUpContact: { name: string; email: string; telephone: string | null };
  /** Section G. */
  redress: { body: string; deadline: string; lawReference: string };
  /** Art. 3(2) emergency: issued without the 12-hour first-order notice. */
  emergency: { declared: boolean; reason: string | null };
}

export interface AnnexProblem {
  /** Dotted path of the field, e.g. `authority.email`, `items.3.url`. */
  field: string;
  section: 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'Emergency';
  problem: string;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Every problem that keeps an Annex I order from being issued: missing or over-long fields, an
 * order without items or grounds, non-disclosure or an emergency without its reason, a cross-border
 * copy without its addressee. Empty when the order is complete.
 */
export function annexIProblems(o: AnnexI): AnnexProblem[] {
  const out: AnnexProblem[] = [];
  const text = (field: string, section: AnnexProblem['section'], v: string | null | undefined, max = ANNEX_SHORT_TEXT_MAX, required = true) => {
    if (v === null || v === undefined || v.trim() === '') {
      if (required) out.push({ field, section, problem: 'is required' });
      return;
    }
    if (v.length > max) out.push({ field, section, problem: `is longer than ${max} characters` });
    if (CONTROL_RE.test(v)) out.push({ field, section, problem: 'contains control characters' });
  };
  const email = (field: string, section: AnnexProblem['section'], v: string) => {
    text(field, section, v);
    if (v.trim() !== '' && !EMAIL_RE.test(v)) out.push({ field, section, problem: 'is not an e-mail address' });
  };
  if (!(EU_EEA_STATES as readonly string[]).includes(o.issuingState)) out.push({ field: 'issuingState', section: 'A', problem: 'must be an EU or EEA member state code' });
  text('addressee.providerName', 'A', o.addressee.providerName);
  text('addressee.contactPoint', 'A', o.addressee.contactPoint);
  text('addressee.legalRepresentative', 'A', o.addressee.legalRepresentative, ANNEX_SHORT_TEXT_MAX, false);
  if (o.addressee.mainEstablishment !== null && !(EU_EEA_STATES as readonly string[]).includes(o.addressee.mainEstablishment))
    out.push({ field: 'addressee.mainEstablishment', section: 'A', problem: 'must be an EU or EEA member state code' });
  // Art. 17: a provider without an establishment in the Union acts through its legal representative.
  if (o.addressee.mainEstablishment === null && !o.addressee.legalRepresentative?.trim()) out.push({ field: 'addressee.legalRepresentative', section: 'A', problem: 'is required when the provider has no main establishment in the EU (Art. 17)' });
  if (!Number.isSafeInteger(o.issuedAt) || o.issuedAt <= 0) out.push({ field: 'issuedAt', section: 'A', problem: 'must be a time' });
  text('referenceNumber', 'A', o.referenceNumber, 100);
  if (o.items.length === 0) out.push({ field: 'items', section: 'B', problem: 'an order names at least one item' });
  if (o.items.length > ANNEX_MAX_URLS) out.push({ field: 'items', section: 'B', problem: `at most ${ANNEX_MAX_URLS} items an order` });
  o.items.forEach((it, i) => {
    text(`items.${i}.url`, 'B', it.url, 4096);
    if (it.url.trim() !== '' && !/^https?:\/\//i.test(it.url)) out.push({ field: `items.${i}.url`, section: 'B', problem: 'must be an http(s) URL' });
    text(`items.${i}.locating`, 'B', it.locating, ANNEX_SHORT_TEXT_MAX, false);
  });
  if (o.grounds.length === 0) out.push({ field: 'grounds', section: 'B', problem: 'tick at least one Art. 2(7) ground' });
  if (o.grounds.some((g) => !(TCO_GROUNDS as readonly string[]).includes(g))) out.push({ field: 'grounds', section: 'B', problem: 'grounds are a to e' });
  text('reasons', 'B', o.reasons, ANNEX_TEXT_MAX);
  if (o.nonDisclosure.withheld) text('nonDisclosure.reason', 'C', o.nonDisclosure.reason);
  if (o.crossBorder.copySent) text('crossBorder.hostAuthority', 'D', o.crossBorder.hostAuthority);
  if (!(AUTHORITY_TYPES as readonly string[]).includes(o.authority.type)) out.push({ field: 'authority.type', section: 'E', problem: `must be one of ${AUTHORITY_TYPES.join(', ')}` });
  text('authority.name', 'E', o.authority.name);
  text('authority.representative', 'E', o.authority.representative);
  text('authority.fileNumber', 'E', o.authority.fileNumber, 100);
  text('authority.address', 'E', o.authority.address);
  text('authority.telephone', 'E', o.authority.telephone, 50);
  email('authority.email', 'E', o.authority.email);
  text('followUpContact.name', 'F', o.followUpContact.name);
  email('followUpContact.email', 'F', o.followUpContact.email);
  text('followUpContact.telephone', 'F', o.followUpContact.telephone, 50, false);
  text('redress.body', 'G', o.redress.body);
  text('redress.deadline', 'G', o.redress.deadline, 200);
  text('redress.lawReference', 'G', o.redress.lawReference);
  if (o.emergency.declared) text('emergency.reason', 'Emergency', o.emergency.reason);
  return out;
}

// The WHATWG HTML "valid e-mail address": one address, no display name, nothing a mailer would split on.
const SINGLE_ADDRESS_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * TCO Art. 4(1): a cross-border order is copied to the competent authority of the host State, so
 * it needs that authority's e-mail address; reported as a section D problem beside Annex I's.
 */
export function hostAuthorityEmailProblems(crossBorder: boolean, email: string | null): AnnexProblem[] {
  if (!crossBorder) return [];
  const problem = (p: string): AnnexProblem[] => [{ field: 'hostAuthorityEmail', section: 'D', problem: p }];
  if (email === null || email.trim() === '') return problem('is required when the provider is established in another Member State (Art. 4(1) copy)');
  if (email.length > EMAIL_ADDRESS_MAX) return problem(`is longer than ${EMAIL_ADDRESS_MAX} characters`);
  if (!SINGLE_ADDRESS_RE.test(email)) return problem('is not one e-mail address');
  return [];
}

/** Annex II: the provider's feedback that the measure was taken. */
export interface AnnexII {
  orderReference: string;
  providerReference: string | null;
  receivedAt: number;
  measure: Measure;
  actionAt: number;
  authorisedPerson: string;
  contactEmail: string;
}

/** Annex III: why the order cannot be executed (yet). */
export interface AnnexIII {
  orderReference: string;
  providerReference: string | null;
  receivedAt: number;
  obstacle: Obstacle;
  explanation: string;
  /** For a manifest error or insufficient information: what the provider needs clarified. */
  clarificationRequested: string | null;
  authorisedPerson: string;
  contactEmail: string;
}

export function annexIIProblems(a: AnnexII): AnnexProblem[] {
  const out: AnnexProblem[] = [];
  if (!a.orderReference.trim()) out.push({ field: 'orderReference', section: 'A', problem: 'is required' });
  if (!a.authorisedPerson.trim()) out.push({ field: 'authorisedPerson', section: 'A', problem: 'is required' });
  if (!EMAIL_RE.test(a.contactEmail)) out.push({ field: 'contactEmail', section: 'A', problem: 'is not an e-mail address' });
  if (a.actionAt < a.receivedAt) out.push({ field: 'actionAt', section: 'B', problem: 'cannot be earlier than the receipt of the order' });
  return out;
}

export function annexIIIProblems(a: AnnexIII): AnnexProblem[] {
  const out: AnnexProblem[] = [];
  if (!a.orderReference.trim()) out.push({ field: 'orderReference', section: 'A', problem: 'is required' });
  if (!a.explanation.trim()) out.push({ field: 'explanation', section: 'B', problem: 'is required' });
  if (a.explanation.length > ANNEX_TEXT_MAX) out.push({ field: 'explanation', section: 'B', problem: `is longer than ${ANNEX_TEXT_MAX} characters` });
  if ((a.obstacle === 'manifest_error' || a.obstacle === 'insufficient_information') && !a.clarificationRequested?.trim())
    out.push({ field: 'clarificationRequested', section: 'B', problem: 'say what needs clarifying (Art. 3(8))' });
  if (!a.authorisedPerson.trim()) out.push({ field: 'authorisedPerson', section: 'A', problem: 'is required' });
  if (!EMAIL_RE.test(a.contactEmail)) out.push({ field: 'contactEmail', section: 'A', problem: 'is not an e-mail address' });
  return out;
}

/** The format name of the signed order document, so a receiver knows how to read it. */
export const ORDER_DOCUMENT_FORMAT = 'vigil.removal-order.v1';

/**
 * JSON with object keys sorted at every level and no whitespace: the same data always gives the
 * same bytes, so a receiver can re-serialise what it parsed and check the signature over them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface OrderDocument {
  format: typeof ORDER_DOCUMENT_FORMAT;
  orderId: string;
  issuingAgency: { id: string; name: string };
  /** Annex I, sections A–G, with the emergency declaration. */
  annexI: AnnexI;
  /** Art. 3(3), the header of Annex I: what the addressee must do, in the document itself. */
  notice: string;
}

/** The document that is signed, rendered as PDF, and sent: the same data for all three. */
export function orderDocument(o: { orderId: string; issuingAgency: { id: string; name: string }; annexI: AnnexI }): OrderDocument {
  return {
    format: ORDER_DOCUMENT_FORMAT,
    orderId: o.orderId,
    issuingAgency: o.issuingAgency,
    annexI: o.annexI,
    notice:
      'Under Article 3(3) of Regulation (EU) 2021/784 you must remove the terrorist content or disable access to it in all Member States as soon as possible and in any event within one hour of receipt of this order. ' +
      'Under Article 6 you must preserve the content and related data. Answer with the feedback form of Annex II, or with Annex III if you cannot comply.',
  };
}
