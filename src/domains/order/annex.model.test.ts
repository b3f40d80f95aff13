import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { annexIIIProblems, annexIIProblems, annexIProblems, canonicalJson, EMAIL_ADDRESS_MAX, hostAuthorityEmailProblems, ORDER_DOCUMENT_FORMAT, orderDocument, type AnnexI } from './annex.model.ts';

const T = Date.UTC(2026, 10, 24, 9);
const complete: AnnexI = {
  issuingState: 'NL',
  addressee: { providerName: 'Example Hosting B.V.', legalRepresentative: null, contactPoint: 'tco@hosting.example', mainEstablishment: 'IE' },
  issuedAt: T,
  referenceNumber: 'NL-IRU-2026-0001',
  items: [{ url: 'https://files.hosting.example/v/abc', locating: 'video at 00:12' }],
  grounds: ['a', 'c'],
  reasons: 'Synthetic test order: the item glorifies an attack and calls on viewers to join the group.',
  nonDisclosure: { withheld: false, reason: null },
  crossBorder: { copySent: true, hostAuthority: 'Competent authority of Ireland' },
  authority: { type: 'law_enforcement', name: 'Example IRU', representative: 'A. Officer', fileNumber: 'F-1', address: '1 Example Street', telephone: '+31 00 000 0000', email: 'iru@authority.example' },
  followUpContact: { name: 'Duty desk', email: 'desk@authority.example', telephone: null },
  redress: { body: 'District court', deadline: 'six weeks from receipt', lawReference: 'national implementing act, art. 5' },
  emergency: { declared: false, reason: null },
};

describe('Annex I', () => {
  it('accepts a complete order', () => {
    expect(annexIProblems(complete)).toEqual([]);
  });

  it('names every missing field by section', () => {
    const p = annexIProblems({
      ...complete,
      addressee: { ...complete.addressee, mainEstablishment: null },
      items: [{ url: 'ftp://x', locating: null }],
      grounds: [],
      reasons: ' ',
      nonDisclosure: { withheld: true, reason: null },
      crossBorder: { copySent: true, hostAuthority: '' },
      authority: { ...complete.authority, email: 'not-an-address' },
      emergency: { declared: true, reason: null },
    });
    expect(p.map((x) => `${x.section} ${x.field}: ${x.problem}`)).toEqual([
      'A addressee.legalRepresentative: is required when the provider has no main establishment in the EU (Art. 17)',
      'B items.0.url: must be an http(s) URL',
      'B grounds: tick at least one Art. 2(7) ground',
      'B reasons: is required',
      'C nonDisclosure.reason: is required',
      'D crossBorder.hostAuthority: is required',
      'E authority.email: is not an e-mail address',
      'Emergency emergency.reason: is required',
    ]);
  });

  it('refuses an order without items and an unknown issuing state', () => {
    const p = annexIProblems({ ...complete, items: [], issuingState: 'US' as AnnexI['issuingState'] });
    expect(p.map((x) => x.field)).toEqual(['issuingState', 'items']);
  });
});

describe('Annex II and III', () => {
  it('refuses a measure before receipt, and an error claim without the clarification asked for', () => {
    expect(annexIIProblems({ orderReference: 'R', providerReference: null, receivedAt: T, measure: 'removed', actionAt: T - 1, authorisedPerson: 'P', contactEmail: 'p@x.example' }).map((x) => x.field)).toEqual(['actionAt']);
    expect(
      annexIIIProblems({ orderReference: 'R', providerReference: null, receivedAt: T, obstacle: 'insufficient_information', explanation: 'The URL does not resolve to one item.', clarificationRequested: null, authorisedPerson: 'P', contactEmail: 'p@x.example' }).map((x) => x.field),
    ).toEqual(['clarificationRequested']);
    expect(annexIIIProblems({ orderReference: 'R', providerReference: null, receivedAt: T, obstacle: 'force_majeure', explanation: 'Data centre outage.', clarificationRequested: null, authorisedPerson: 'P', contactEmail: 'p@x.example' })).toEqual([]);
  });
});

describe('the Art. 4(1) copy address', () => {
  it('is required for a cross-border order, one plain address at most EMAIL_ADDRESS_MAX long, and not asked for otherwise', () => {
    const problem = (cross: boolean, email: string | null) => hostAuthorityEmailProblems(cross, email).map((p) => `${p.section} ${p.field} ${p.problem}`);
    expect(problem(false, null)).toEqual([]);
    expect(problem(true, 'tco@authority.example')).toEqual([]);
    expect(problem(true, `${'a'.repeat(EMAIL_ADDRESS_MAX - '@nl.example'.length)}@nl.example`)).toEqual([]);
    expect(problem(true, null)).toEqual(['D hostAuthorityEmail is required when the provider is established in another Member State (Art. 4(1) copy)']);
    expect(problem(true, ' ')).toHaveLength(1);
    for (const bad of ['tco@authority', 'a,b@authority.example', 'a@b.example, c@d.example', 'Authority <tco@authority.example>', 'tco@authority.example\r\nBcc: x@y.example', 'tco@-authority.example'])
      expect(problem(true, bad)).toEqual(['D hostAuthorityEmail is not one e-mail address']);
    expect(problem(true, `${'a'.repeat(EMAIL_ADDRESS_MAX + 1 - '@nl.example'.length)}@nl.example`)).toEqual([`D hostAuthorityEmail is longer than ${EMAIL_ADDRESS_MAX} characters`]);
  });
});

describe('the signed order document', () => {
  it('serialises with sorted keys at every level and no whitespace, whatever the insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[{"y":null,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('carries Annex I with the Art. 3(3) notice', () => {
    const doc = orderDocument({ orderId: 'o', issuingAgency: { id: 'a', name: 'IRU' }, annexI: complete });
    expect(doc).toMatchObject({ format: ORDER_DOCUMENT_FORMAT, orderId: 'o', annexI: complete });
    expect(doc.notice).toContain('within one hour of receipt');
  });
});
