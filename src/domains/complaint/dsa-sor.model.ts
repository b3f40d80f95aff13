/**
 * DSA statements of reasons (Regulation (EU) 2022/2065, Art. 17 and 24(5)) in the shape of the
 * DSA Transparency Database API, schema v2 (in force since 1 July 2025; facts in
 * ../shared/reference/domain.md §5). Pure: building a statement for one of the provider's actions,
 * and checking it against the database's field rules before anything leaves Vigil, so the provider
 * learns of a problem here, per field, not from a rejected batch.
 *
 * Statements carry no personal data: the puid is Vigil's id of the action, the facts are the
 * provider's (or the referral's reasons, which the provider reviews before exporting).
 */
import { EEA_COUNTRIES } from '../provider/provider.model.ts';

/** The Transparency Database takes at most 100 statements per API call. */
export const SOR_BATCH_MAX = 100;
/** Characters of the free-text fields, as the database limits them. */
export const SOR_FACTS_MAX = 5000;
export const SOR_EXPLANATION_MAX = 2000;
export const SOR_SHORT_TEXT_MAX = 500;
export const SOR_PUID_MAX = 500;
/** Dates the database accepts: content from 2000, decisions from 2020, nothing after 2038-01-01. */
export const SOR_CONTENT_DATE_MIN = '2000-01-01';
export const SOR_APPLICATION_DATE_MIN = '2020-01-01';
export const SOR_DATE_MAX = '2038-01-01';

export const DECISION_VISIBILITIES = [
  'DECISION_VISIBILITY_CONTENT_REMOVED',
  'DECISION_VISIBILITY_CONTENT_DISABLED',
  'DECISION_VISIBILITY_CONTENT_DEMOTED',
  'DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED',
  'DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED',
  'DECISION_VISIBILITY_CONTENT_LABELLED',
  'DECISION_VISIBILITY_OTHER',
] as const;
export const DECISION_MONETARIES = ['DECISION_MONETARY_SUSPENSION', 'DECISION_MONETARY_TERMINATION', 'DECISION_MONETARY_OTHER'] as const;
export const DECISION_PROVISIONS = ['DECISION_PROVISION_PARTIAL_SUSPENSION', 'DECISION_PROVISION_TOTAL_SUSPENSION', 'DECISION_PROVISION_PARTIAL_TERMINATION', 'DECISION_PROVISION_TOTAL_TERMINATION'] as const;
export const DECISION_ACCOUNTS = ['DECISION_ACCOUNT_SUSPENDED', 'DECISION_ACCOUNT_TERMINATED'] as const;
export const ACCOUNT_TYPES = ['ACCOUNT_TYPE_BUSINESS', 'ACCOUNT_TYPE_PRIVATE'] as const;
export const DECISION_GROUNDS = ['DECISION_GROUND_ILLEGAL_CONTENT', 'DECISION_GROUND_INCOMPATIBLE_CONTENT'] as const;
export const YES_NO = ['Yes', 'No'] as const;
export const CATEGORIES = [
  'STATEMENT_CATEGORY_ANIMAL_WELFARE',
  'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
  'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR',
  'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT',
  'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  'STATEMENT_CATEGORY_SCAMS_AND_FRAUD',
  'STATEMENT_CATEGORY_SELF_HARM',
  'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE',
  'STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS',
  'STATEMENT_CATEGORY_VIOLENCE',
] as const;
export const KEYWORDS = [
  'KEYWORD_ANIMAL_HARM',
  'KEYWORD_ADULT_SEXUAL_MATERIAL',
  'KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS',
  'KEYWORD_AGE_SPECIFIC_RESTRICTIONS',
  'KEYWORD_BIOMETRIC_DATA_BREACH',
  'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL',
  'KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS',
  'KEYWORD_COORDINATED_HARM',
  'KEYWORD_COPYRIGHT_INFRINGEMENT',
  'KEYWORD_DANGEROUS_TOYS',
  'KEYWORD_DATA_FALSIFICATION',
  'KEYWORD_DEFAMATION',
  'KEYWORD_DESIGN_INFRINGEMENT',
  'KEYWORD_DISCRIMINATION',
  'KEYWORD_DISINFORMATION',
  'KEYWORD_FOREIGN_INFORMATION_MANIPULATION',
  'KEYWORD_GENDER_BASED_VIOLENCE',
  'KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT',
  'KEYWORD_GEOGRAPHICAL_REQUIREMENTS',
  'KEYWORD_GOODS_SERVICES_NOT_PERMITTED',
  'KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS',
  'KEYWORD_HATE_SPEECH',
  'KEYWORD_HUMAN_EXPLOITATION',
  'KEYWORD_HUMAN_TRAFFICKING',
  'KEYWORD_ILLEGAL_ORGANIZATIONS',
  'KEYWORD_IMAGE_BASED_SEXUAL_ABUSE',
  'KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING',
  'KEYWORD_INAUTHENTIC_ACCOUNTS',
  'KEYWORD_INAUTHENTIC_LISTINGS',
  'KEYWORD_INAUTHENTIC_USER_REVIEWS',
  'KEYWORD_INCITEMENT_VIOLENCE_HATRED',
  'KEYWORD_INSUFFICIENT_INFORMATION_TRADERS',
  'KEYWORD_LANGUAGE_REQUIREMENTS',
  'KEYWORD_MISINFORMATION',
  'KEYWORD_MISSING_PROCESSING_GROUND',
  'KEYWORD_NON_CONSENSUAL_IMAGE_SHARING',
  'KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE',
  'KEYWORD_NUDITY',
  'KEYWORD_ONLINE_BULLYING_INTIMIDATION',
  'KEYWORD_PATENT_INFRINGEMENT',
  'KEYWORD_PHISHING',
  'KEYWORD_PYRAMID_SCHEMES',
  'KEYWORD_REGULATED_GOODS_SERVICES',
  'KEYWORD_RIGHT_TO_BE_FORGOTTEN',
  'KEYWORD_RISK_ENVIRONMENTAL_DAMAGE',
  'KEYWORD_RISK_PUBLIC_HEALTH',
  'KEYWORD_SELF_MUTILATION',
  'KEYWORD_STALKING',
  'KEYWORD_SUICIDE',
  'KEYWORD_TERRORIST_CONTENT',
  'KEYWORD_TRADE_SECRET_INFRINGEMENT',
  'KEYWORD_TRADEMARK_INFRINGEMENT',
  'KEYWORD_UNLAWFUL_SALE_ANIMALS',
  'KEYWORD_UNSAFE_CHALLENGES',
  'KEYWORD_OTHER',
] as const;
export const CONTENT_TYPES = ['CONTENT_TYPE_APP', 'CONTENT_TYPE_AUDIO', 'CONTENT_TYPE_IMAGE', 'CONTENT_TYPE_PRODUCT', 'CONTENT_TYPE_SYNTHETIC_MEDIA', 'CONTENT_TYPE_TEXT', 'CONTENT_TYPE_VIDEO', 'CONTENT_TYPE_OTHER'] as const;
export const SOURCE_TYPES = ['SOURCE_ARTICLE_16', 'SOURCE_TRUSTED_FLAGGER', 'SOURCE_TYPE_OTHER_NOTIFICATION', 'SOURCE_VOLUNTARY'] as const;
export const AUTOMATED_DECISIONS = ['AUTOMATED_DECISION_FULLY', 'AUTOMATED_DECISION_PARTIALLY', 'AUTOMATED_DECISION_NOT_AUTOMATED'] as const;

const ENUMS = {
  decision_monetary: DECISION_MONETARIES,
  decision_provision: DECISION_PROVISIONS,
  decision_account: DECISION_ACCOUNTS,
  account_type: ACCOUNT_TYPES,
  decision_ground: DECISION_GROUNDS,
  incompatible_content_illegal: YES_NO,
  category: CATEGORIES,
  source_type: SOURCE_TYPES,
  automated_detection: YES_NO,
  automated_decision: AUTOMATED_DECISIONS,
} as const;
const ARRAY_ENUMS = {
  decision_visibility: DECISION_VISIBILITIES,
  category_addition: CATEGORIES,
  category_specification: KEYWORDS,
  content_type: CONTENT_TYPES,
  territorial_scope: EEA_COUNTRIES,
} as const;
const TEXT_LIMITS: Record<string, number> = {
  decision_visibility_other: SOR_SHORT_TEXT_MAX,
  decision_monetary_other: SOR_SHORT_TEXT_MAX,
  content_type_other: SOR_SHORT_TEXT_MAX,
  category_specification_other: SOR_SHORT_TEXT_MAX,
  illegal_content_legal_ground: SOR_SHORT_TEXT_MAX,
  illegal_content_explanation: SOR_EXPLANATION_MAX,
  incompatible_content_ground: SOR_SHORT_TEXT_MAX,
  incompatible_content_explanation: SOR_EXPLANATION_MAX,
  decision_facts: SOR_FACTS_MAX,
  source_identity: SOR_SHORT_TEXT_MAX,
  decision_ground_reference_url: SOR_SHORT_TEXT_MAX,
  puid: SOR_PUID_MAX,
};
const END_DATES = ['end_date_visibility_restriction', 'end_date_monetary_restriction', 'end_date_service_restriction', 'end_date_account_restriction'] as const;
const OTHER_FIELDS = ['content_language', 'content_date', 'application_date'] as const;
const REQUIRED = ['decision_ground', 'decision_facts', 'category', 'content_type', 'content_date', 'application_date', 'source_type', 'automated_detection', 'automated_decision', 'puid'] as const;

/** Every field of the schema; anything else is refused (the database would drop or reject it). */
export const SOR_FIELDS: readonly string[] = [...Object.keys(ENUMS), ...Object.keys(ARRAY_ENUMS), ...Object.keys(TEXT_LIMITS), ...END_DATES, ...OTHER_FIELDS];

export interface SorProblem {
  field: string;
  problem: string;
}

const PUID_RE = /^[A-Za-z0-9_-]+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 639-1 as the database writes it: two upper-case letters. */
const LANGUAGE_RE = /^[A-Z]{2}$/;

function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '') && !(Array.isArray(v) && v.length === 0);

/**
 * Every way a statement breaks the Transparency Database's rules, field by field: required
 * fields, enumerations, conditional fields, lengths, dates and formats. An empty list means the
 * database would accept it.
 */
export function sorProblems(s: Readonly<Record<string, unknown>>): SorProblem[] {
  const out: SorProblem[] = [];
  const add = (field: string, problem: string) => out.push({ field, problem });

  for (const k of Object.keys(s)) if (!SOR_FIELDS.includes(k)) add(k, 'is not a field of the statement of reasons schema');
  for (const f of REQUIRED) if (!present(s[f])) add(f, 'is required');

  // At least one of the four kinds of restriction.
  if (!['decision_visibility', 'decision_monetary', 'decision_provision', 'decision_account'].some((f) => present(s[f]))) {
    add('decision_visibility', 'one of decision_visibility, decision_monetary, decision_provision or decision_account is required');
  }

  for (const [f, values] of Object.entries(ENUMS)) {
    const v = s[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) add(f, `must be one of ${values.join(', ')}`);
  }
  for (const [f, values] of Object.entries(ARRAY_ENUMS)) {
    const v = s[f];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      add(f, 'must be a list');
      continue;
    }
    const bad = v.filter((x) => typeof x !== 'string' || !(values as readonly string[]).includes(x));
    if (bad.length) add(f, `has values outside ${values.join(', ')}: ${bad.map((x) => JSON.stringify(x)).join(', ')}`);
    if (new Set(v).size !== v.length) add(f, 'lists a value twice');
  }
  for (const [f, max] of Object.entries(TEXT_LIMITS)) {
    const v = s[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') add(f, 'must be text');
    else if (v.length > max) add(f, `is longer than ${max} characters`);
  }

  // Conditional fields: an "other" choice needs its words, and words need the "other" choice.
  const chose = (f: string, value: string) => (Array.isArray(s[f]) ? (s[f] as unknown[]).includes(value) : s[f] === value);
  const conditional = (field: string, when: boolean, condition: string) => {
    if (when && !present(s[field])) add(field, `is required when ${condition}`);
    if (!when && present(s[field])) add(field, `is allowed only when ${condition}`);
  };
  conditional('decision_visibility_other', chose('decision_visibility', 'DECISION_VISIBILITY_OTHER'), 'decision_visibility includes DECISION_VISIBILITY_OTHER');
  conditional('decision_monetary_other', chose('decision_monetary', 'DECISION_MONETARY_OTHER'), 'decision_monetary is DECISION_MONETARY_OTHER');
  conditional('content_type_other', chose('content_type', 'CONTENT_TYPE_OTHER'), 'content_type includes CONTENT_TYPE_OTHER');
  const illegal = s.decision_ground === 'DECISION_GROUND_ILLEGAL_CONTENT';
  const incompatible = s.decision_ground === 'DECISION_GROUND_INCOMPATIBLE_CONTENT';
  conditional('illegal_content_legal_ground', illegal, 'decision_ground is DECISION_GROUND_ILLEGAL_CONTENT');
  conditional('illegal_content_explanation', illegal, 'decision_ground is DECISION_GROUND_ILLEGAL_CONTENT');
  conditional('incompatible_content_ground', incompatible, 'decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT');
  conditional('incompatible_content_explanation', incompatible, 'decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT');
  if (!incompatible && present(s.incompatible_content_illegal)) add('incompatible_content_illegal', 'is allowed only when decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT');

  const date = (f: string, min: string | null) => {
    const v = s[f];
    if (v === undefined || v === null) return;
    if (typeof v !== 'string' || !isDate(v)) return add(f, 'must be a date written YYYY-MM-DD');
    if (min !== null && v < min) add(f, `must be on or after ${min}`);
    if (v > SOR_DATE_MAX) add(f, `must be on or before ${SOR_DATE_MAX}`);
  };
  date('content_date', SOR_CONTENT_DATE_MIN);
  date('application_date', SOR_APPLICATION_DATE_MIN);
  for (const f of END_DATES) date(f, null);

  if (typeof s.puid === 'string' && s.puid && !PUID_RE.test(s.puid)) add('puid', 'may contain only letters, digits, - and _');
  if (s.content_language !== undefined && s.content_language !== null && (typeof s.content_language !== 'string' || !LANGUAGE_RE.test(s.content_language))) add('content_language', 'must be an ISO 639-1 code in upper case, e.g. EN');
  const ref = s.decision_ground_reference_url;
  if (typeof ref === 'string' && ref) {
    if (!URL.canParse(ref) || !['http:', 'https:'].includes(new URL(ref).protocol)) add('decision_ground_reference_url', 'must be an http or https URL');
  }
  return out;
}

/** A removal or disabling by the provider that a statement of reasons describes. */
export interface SorAction {
  /** Vigil's stable id of the action; becomes the puid. */
  puid: string;
  measure: 'removed' | 'disabled';
  /** When the provider acted (epoch ms): the decision's application date. */
  actionAt: number;
  /** Who notified the provider, as the statement names the source (an agency, never a person). */
  notifier: string;
  /** What the notifier told the provider, used as the facts unless the provider gives its own. */
  facts: string;
}

/** UTC calendar date of an instant, as the database writes dates. */
export function sorDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The statement for one action: what Vigil knows (puid, measure, date, notifier, the referral's
 * facts, and the terrorist-content category), then the provider's common fields, then its fields
 * for this action. The provider states the ground, content type and date, and the automation.
 */
export function buildStatement(action: SorAction, common: Readonly<Record<string, unknown>>, own: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    decision_visibility: [action.measure === 'removed' ? 'DECISION_VISIBILITY_CONTENT_REMOVED' : 'DECISION_VISIBILITY_CONTENT_DISABLED'],
    category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
    category_specification: ['KEYWORD_TERRORIST_CONTENT'],
    // A referral from an authority or flagger is a notice outside Art. 16; a provider that
    // recognises the flagger as trusted under Art. 22 says SOURCE_TRUSTED_FLAGGER.
    source_type: 'SOURCE_TYPE_OTHER_NOTIFICATION',
    source_identity: action.notifier.slice(0, SOR_SHORT_TEXT_MAX),
    decision_facts: action.facts.slice(0, SOR_FACTS_MAX),
    application_date: sorDate(action.actionAt),
    ...common,
    ...own,
    puid: action.puid,
  };
}
