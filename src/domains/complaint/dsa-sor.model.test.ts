import { describe, expect, it } from 'vitest';
import { buildStatement, SOR_FIELDS, sorDate, sorProblems } from './dsa-sor.model.ts';

/** A statement the database accepts: terms-of-service removal after a referral. */
const valid = (): Record<string, unknown> => ({
  decision_visibility: ['DECISION_VISIBILITY_CONTENT_REMOVED'],
  decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
  incompatible_content_ground: 'Terms of service, section 4 (violent extremism)',
  incompatible_content_explanation: 'The video glorifies a terrorist attack.',
  incompatible_content_illegal: 'Yes',
  category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  category_specification: ['KEYWORD_TERRORIST_CONTENT'],
  content_type: ['CONTENT_TYPE_VIDEO'],
  content_language: 'EN',
  content_date: '2026-01-10',
  application_date: '2026-01-15',
  territorial_scope: ['DE', 'FR'],
  decision_facts: 'Referred by a national IRU; reviewed by our moderators.',
  source_type: 'SOURCE_TYPE_OTHER_NOTIFICATION',
  source_identity: 'Synthetic IRU',
  automated_detection: 'No',
  automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
  puid: 'vigil-ri-0190f0b2-aaaa-7bbb-8ccc-123456789abc',
});

const problemsWith = (patch: Record<string, unknown>) => {
  const s = { ...valid(), ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete s[k];
  return sorProblems(s);
};
const fields = (patch: Record<string, unknown>) => problemsWith(patch).map((p) => p.field);

describe('DSA statement of reasons validation', () => {
  it('accepts a complete statement', () => {
    expect(sorProblems(valid())).toEqual([]);
  });

  it('requires each required field', () => {
    for (const f of ['decision_ground', 'decision_facts', 'category', 'content_type', 'content_date', 'application_date', 'source_type', 'automated_detection', 'automated_decision', 'puid']) {
      expect(problemsWith({ [f]: undefined })).toContainEqual({ field: f, problem: 'is required' });
    }
    expect(problemsWith({ content_type: [] })).toContainEqual({ field: 'content_type', problem: 'is required' });
    expect(problemsWith({ decision_facts: '   ' })).toContainEqual({ field: 'decision_facts', problem: 'is required' });
  });

  it('requires at least one kind of restriction, and any one suffices', () => {
    expect(fields({ decision_visibility: undefined })).toEqual(['decision_visibility']);
    expect(problemsWith({ decision_visibility: undefined, decision_account: 'DECISION_ACCOUNT_SUSPENDED' })).toEqual([]);
    expect(problemsWith({ decision_visibility: undefined, decision_provision: 'DECISION_PROVISION_TOTAL_SUSPENSION' })).toEqual([]);
    expect(problemsWith({ decision_visibility: undefined, decision_monetary: 'DECISION_MONETARY_SUSPENSION' })).toEqual([]);
  });

  it('keeps every enumerated field inside its enumeration', () => {
    for (const [f, bad] of [
      ['decision_ground', 'DECISION_GROUND_OTHER'],
      ['category', 'STATEMENT_CATEGORY_TERRORISM'],
      ['source_type', 'SOURCE_POLICE'],
      ['automated_detection', 'yes'],
      ['automated_decision', 'AUTOMATED_DECISION_YES'],
      ['decision_monetary', 'DECISION_MONETARY_FINE'],
      ['decision_provision', 'DECISION_PROVISION_PAUSED'],
      ['decision_account', 'DECISION_ACCOUNT_BANNED'],
      ['account_type', 'ACCOUNT_TYPE_GOVERNMENT'],
      ['incompatible_content_illegal', 'Maybe'],
    ] as const) {
      expect(fields({ [f]: bad })).toContain(f);
    }
    for (const [f, bad] of [
      ['decision_visibility', ['DECISION_VISIBILITY_CONTENT_HIDDEN']],
      ['content_type', ['CONTENT_TYPE_MEME']],
      ['category_specification', ['KEYWORD_EXTREMISM']],
      ['category_addition', ['STATEMENT_CATEGORY_TERRORISM']],
      ['territorial_scope', ['US']],
    ] as const) {
      expect(fields({ [f]: bad })).toContain(f);
    }
    expect(problemsWith({ content_type: 'CONTENT_TYPE_VIDEO' })).toContainEqual({ field: 'content_type', problem: 'must be a list' });
    expect(problemsWith({ territorial_scope: ['DE', 'DE'] })).toContainEqual({ field: 'territorial_scope', problem: 'lists a value twice' });
  });

  it('requires the words of an "other" choice, and refuses them without it', () => {
    expect(fields({ decision_visibility: ['DECISION_VISIBILITY_OTHER'] })).toEqual(['decision_visibility_other']);
    expect(problemsWith({ decision_visibility: ['DECISION_VISIBILITY_OTHER'], decision_visibility_other: 'Geo-blocked' })).toEqual([]);
    expect(fields({ decision_visibility_other: 'Geo-blocked' })).toEqual(['decision_visibility_other']);
    expect(fields({ decision_monetary: 'DECISION_MONETARY_OTHER' })).toEqual(['decision_monetary_other']);
    expect(fields({ content_type: ['CONTENT_TYPE_OTHER'] })).toEqual(['content_type_other']);
    expect(problemsWith({ content_type: ['CONTENT_TYPE_OTHER'], content_type_other: 'Livestream' })).toEqual([]);
  });

  it('asks for the fields of the chosen ground and only those', () => {
    expect(fields({ incompatible_content_ground: undefined })).toEqual(['incompatible_content_ground']);
    expect(fields({ incompatible_content_explanation: undefined })).toEqual(['incompatible_content_explanation']);
    const illegal = { decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT', incompatible_content_ground: undefined, incompatible_content_explanation: undefined, incompatible_content_illegal: undefined };
    expect(fields(illegal).sort()).toEqual(['illegal_content_explanation', 'illegal_content_legal_ground']);
    expect(problemsWith({ ...illegal, illegal_content_legal_ground: 'Regulation (EU) 2021/784, Art. 2(7)(a)', illegal_content_explanation: 'Glorifies an attack.' })).toEqual([]);
    expect(fields({ ...illegal, illegal_content_legal_ground: 'x', illegal_content_explanation: 'y', incompatible_content_illegal: 'Yes' })).toEqual(['incompatible_content_illegal']);
    expect(fields({ illegal_content_legal_ground: 'x' })).toEqual(['illegal_content_legal_ground']);
  });

  it('limits the length of every free-text field', () => {
    for (const [f, max] of [
      ['decision_facts', 5000],
      ['incompatible_content_ground', 500],
      ['incompatible_content_explanation', 2000],
      ['source_identity', 500],
      ['puid', 500],
    ] as const) {
      expect(problemsWith({ [f]: 'a'.repeat(max) })).toEqual([]);
      expect(problemsWith({ [f]: 'a'.repeat(max + 1) })).toContainEqual({ field: f, problem: `is longer than ${max} characters` });
    }
    expect(fields({ category_specification_other: 'k'.repeat(501) })).toEqual(['category_specification_other']);
    expect(fields({ decision_facts: 42 })).toEqual(['decision_facts']);
  });

  it('checks dates: format, calendar, and the database’s bounds', () => {
    expect(fields({ content_date: '2026-1-10' })).toEqual(['content_date']);
    expect(fields({ content_date: '2026-02-30' })).toEqual(['content_date']);
    expect(fields({ content_date: '1999-12-31' })).toEqual(['content_date']);
    expect(problemsWith({ content_date: '2000-01-01' })).toEqual([]);
    expect(fields({ application_date: '2019-12-31' })).toEqual(['application_date']);
    expect(problemsWith({ application_date: '2020-01-01' })).toEqual([]);
    expect(fields({ application_date: '2038-01-02' })).toEqual(['application_date']);
    expect(problemsWith({ end_date_visibility_restriction: null })).toEqual([]);
    expect(problemsWith({ end_date_account_restriction: '2026-06-30' })).toEqual([]);
    expect(fields({ end_date_monetary_restriction: 'forever' })).toEqual(['end_date_monetary_restriction']);
    expect(fields({ end_date_service_restriction: '2040-01-01' })).toEqual(['end_date_service_restriction']);
  });

  it('checks formats: puid characters, language code, reference URL; refuses unknown fields', () => {
    expect(fields({ puid: 'has space' })).toEqual(['puid']);
    expect(fields({ puid: 'ünï' })).toEqual(['puid']);
    expect(fields({ content_language: 'en' })).toEqual(['content_language']);
    expect(fields({ content_language: 'ENG' })).toEqual(['content_language']);
    expect(problemsWith({ decision_ground_reference_url: 'https://host.example/terms#4' })).toEqual([]);
    expect(fields({ decision_ground_reference_url: 'not a url' })).toEqual(['decision_ground_reference_url']);
    expect(fields({ decision_ground_reference_url: 'javascript:alert(1)' })).toEqual(['decision_ground_reference_url']);
    expect(fields({ uploader_email: 'someone@example.test' })).toEqual(['uploader_email']);
  });
});

describe('building a statement for an action', () => {
  const action = { puid: 'vigil-ri-1', measure: 'disabled' as const, actionAt: Date.UTC(2026, 0, 15, 23, 59), notifier: 'Synthetic IRU', facts: 'Referred: glorification of an attack.' };

  it('fills what Vigil knows, lets the provider’s fields override, and keeps the puid', () => {
    const s = buildStatement(action, { content_type: ['CONTENT_TYPE_TEXT'], source_type: 'SOURCE_TRUSTED_FLAGGER' }, { decision_facts: 'Our own facts.', puid: 'spoofed' });
    expect(s).toMatchObject({
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
      category_specification: ['KEYWORD_TERRORIST_CONTENT'],
      source_type: 'SOURCE_TRUSTED_FLAGGER',
      source_identity: 'Synthetic IRU',
      decision_facts: 'Our own facts.',
      application_date: '2026-01-15',
      content_type: ['CONTENT_TYPE_TEXT'],
      puid: 'vigil-ri-1',
    });
    expect(Object.keys(s).every((k) => SOR_FIELDS.includes(k))).toBe(true);
    expect(sorDate(Date.UTC(2026, 5, 1))).toBe('2026-06-01');
  });

  it('builds a statement the validator names the missing provider facts of', () => {
    expect(
      sorProblems(buildStatement(action, {}))
        .map((p) => p.field)
        .sort(),
    ).toEqual(['automated_decision', 'automated_detection', 'content_date', 'content_type', 'decision_ground']);
  });
});
