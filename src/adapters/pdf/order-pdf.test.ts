import { describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { orderDocument, type AnnexI } from '../../domains/order/annex.model.ts';
import { renderOrderPdf } from './order-pdf.ts';

const T = Date.UTC(2026, 10, 24, 9);
const annexI: AnnexI = {
  issuingState: 'IE',
  addressee: { providerName: 'Example Hosting Ltd', legalRepresentative: null, contactPoint: 'e-mail tco@hosting.example', mainEstablishment: 'NL' },
  issuedAt: T,
  referenceNumber: 'IE-IRU-2026-0042',
  items: [{ url: 'https://files.hosting.example/v/abc', locating: 'video at 00:12' }],
  grounds: ['a', 'd'],
  reasons: 'Synthetic test order.',
  nonDisclosure: { withheld: true, reason: 'ongoing investigation' },
  crossBorder: { copySent: true, hostAuthority: 'Synthetic Authority NL' },
  authority: { type: 'law_enforcement', name: 'Synthetic IRU', representative: 'Officer', fileNumber: 'F-1', address: '1 Test Street', telephone: '+353 1 000 0000', email: 'iru@authority.example' },
  followUpContact: { name: 'Desk', email: 'desk@authority.example', telephone: null },
  redress: { body: 'High Court', deadline: 'one month', lawReference: 'Synthetic Act' },
  emergency: { declared: true, reason: 'imminent threat' },
};

async function textOf(pdf: Buffer): Promise<string> {
  return (await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text;
}

describe('order PDF', () => {
  it('renders every section of Annex I with its ticked boxes, the same bytes for the same order', async () => {
    const doc = orderDocument({ orderId: 'order-1', issuingAgency: { id: 'a', name: 'Synthetic IRU' }, annexI });
    const pdf = await renderOrderPdf(doc);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await textOf(pdf);
    for (const s of ['EMERGENCY: REMOVAL ORDER', 'Section A', 'Section G', 'IE-IRU-2026-0042', 'https://files.hosting.example/v/abc', 'video at 00:12', '[X] (a)', '[ ] (b)', '[X] (d)', 'ongoing investigation', 'Synthetic Authority NL', '2026-11-24 09:00:00 UTC', 'imminent threat']) expect(text).toContain(s);
    expect((await renderOrderPdf(doc)).equals(pdf)).toBe(true);
  });

  it('embeds a Unicode font for names outside Latin-1', async () => {
    const doc = orderDocument({ orderId: 'order-2', issuingAgency: { id: 'a', name: 'Synthetic IRU' }, annexI: { ...annexI, addressee: { ...annexI.addressee, providerName: 'Ελληνική Φιλοξενία' } } });
    expect(await textOf(await renderOrderPdf(doc))).toContain('Ελληνική Φιλοξενία');
  });
});
