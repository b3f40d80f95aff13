/**
 * Renders a removal order (TCO Regulation 2021/784, Annex I) as a PDF with pdfkit, from the very
 * document that is signed and sent as JSON (annex.model.ts `orderDocument`), so the two cannot
 * say different things. Sections A–G in the Annex's order, with the non-disclosure (C), the
 * cross-border (D) and the emergency boxes ticked or not.
 *
 * Fonts: PDF's built-in Helvetica when the order is all Latin-1 (nothing to embed: a few
 * milliseconds a page, which keeps a wave of orders quick to issue); DejaVu Sans, embedded, when it
 * has other characters and the system has the font (parsing and subsetting it costs tens of
 * milliseconds). Without the font, characters Helvetica cannot encode are replaced rather than
 * written as garbage. The JSON document stays the authoritative text.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { TCO_GROUND_LABELS, type OrderDocument } from '../../domains/order/annex.model.ts';

/** Where Debian and most distributions install DejaVu Sans. */
export const ORDER_PDF_FONT_PATHS = { regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf' } as const;

const AUTHORITY_TYPE_LABELS: Record<OrderDocument['annexI']['authority']['type'], string> = {
  judge_or_prosecutor: 'Judge, court or investigating judge / prosecutor',
  law_enforcement: 'Law enforcement authority',
  other: 'Other competent authority',
};

/** What Helvetica's WinAnsi encoding writes as is (Latin-1, tab and newline). */
const LATIN_1 = /^[\n\t\u0020-\u007e\u00a0-\u00ff]*$/;

const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');

export async function renderOrderPdf(doc: OrderDocument): Promise<Buffer> {
  const a = doc.annexI;
  const unicode = !LATIN_1.test(JSON.stringify(doc)) && existsSync(ORDER_PDF_FONT_PATHS.regular) && existsSync(ORDER_PDF_FONT_PATHS.bold);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    // Fixed metadata, so the same order renders to the same bytes.
    info: { Title: `Removal order ${a.referenceNumber}`, Author: doc.issuingAgency.name, Subject: 'Removal order under Regulation (EU) 2021/784, Annex I', CreationDate: new Date(a.issuedAt), ModDate: new Date(a.issuedAt) },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const regular = unicode ? ORDER_PDF_FONT_PATHS.regular : 'Helvetica';
  const bold = unicode ? ORDER_PDF_FONT_PATHS.bold : 'Helvetica-Bold';
  // Helvetica's WinAnsi encoding has no glyphs outside Latin-1.
  const safe = (s: string) => (unicode ? s : [...s].map((c) => (LATIN_1.test(c) ? c : '?')).join(''));
  const heading = (text: string) => pdf.moveDown(0.8).font(bold).fontSize(12).text(safe(text)).moveDown(0.2);
  const field = (label: string, value: string | null) => pdf.font(bold).fontSize(9).text(`${safe(label)}: `, { continued: true }).font(regular).text(safe(value ?? '-'));
  const box = (ticked: boolean, text: string) => pdf.font(regular).fontSize(9).text(`${ticked ? '[X]' : '[ ]'} ${safe(text)}`);

  pdf.font(bold).fontSize(15).text(safe(`${a.emergency.declared ? 'EMERGENCY: ' : ''}REMOVAL ORDER`), { align: 'center' });
  pdf.font(regular).fontSize(9).text('Article 3 of Regulation (EU) 2021/784 on addressing the dissemination of terrorist content online (Annex I)', { align: 'center' });
  pdf.moveDown(0.6).font(regular).fontSize(9).text(safe(doc.notice));

  heading('Section A: Issuing Member State and addressee');
  field('Issuing Member State', a.issuingState);
  field('Hosting service provider', a.addressee.providerName);
  field('Legal representative (Art. 17)', a.addressee.legalRepresentative);
  field('Contact point (Art. 15)', a.addressee.contactPoint);
  field('Member State of main establishment or legal representative', a.addressee.mainEstablishment);
  field('Time and date of issue', iso(a.issuedAt));
  field('Reference number', a.referenceNumber);

  heading('Section B: Terrorist content to be removed or disabled in all Member States');
  a.items.forEach((it, i) => {
    field(`URL ${i + 1}`, it.url);
    if (it.locating) field('  Additional information to locate it', it.locating);
  });
  pdf.moveDown(0.3).font(bold).fontSize(9).text('The material is terrorist content within the meaning of Article 2(7) because it:');
  for (const g of ['a', 'b', 'c', 'd', 'e'] as const) box(a.grounds.includes(g), `(${g}) ${TCO_GROUND_LABELS[g]}`);
  field('Reasons', a.reasons);

  heading('Section C: Information to the content provider');
  box(a.nonDisclosure.withheld, 'For reasons of public security, do not disclose information about the removal or disabling to the content provider (Art. 11(3)).');
  if (a.nonDisclosure.withheld) field('Reason', a.nonDisclosure.reason);

  heading('Section D: Information to the competent authority of the host Member State');
  box(a.crossBorder.copySent, 'A copy of this order has been sent to the competent authority of the Member State of main establishment (Art. 4).');
  if (a.crossBorder.copySent) field('Competent authority', a.crossBorder.hostAuthority);

  heading('Section E: Details of the issuing authority');
  field('Type', AUTHORITY_TYPE_LABELS[a.authority.type]);
  field('Name', a.authority.name);
  field('Representative', a.authority.representative);
  field('File number', a.authority.fileNumber);
  field('Address', a.authority.address);
  field('Telephone', a.authority.telephone);
  field('E-mail', a.authority.email);
  field('Issued through', doc.issuingAgency.name);

  heading('Section F: Contact details for follow-up');
  field('Name', a.followUpContact.name);
  field('E-mail', a.followUpContact.email);
  field('Telephone', a.followUpContact.telephone);

  heading('Section G: Information about redress');
  field('Competent body or court', a.redress.body);
  field('Deadline', a.redress.deadline);
  field('National law', a.redress.lawReference);

  heading('Emergency');
  box(a.emergency.declared, 'Issued as an emergency, without the 12-hour notice of Article 3(2).');
  if (a.emergency.declared) field('Reason for the emergency', a.emergency.reason);

  pdf.moveDown(1).font(regular).fontSize(8).text(safe(`Order ${doc.orderId}. The signed JSON document (${doc.format}) accompanies this PDF; its Ed25519 signature by the instance key authenticates the sender.`));
  pdf.end();
  return done;
}
