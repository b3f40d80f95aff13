/**
 * TCO Art. 4(1) on both databases: a cross-border order names the host State authority's e-mail
 * address, its approval is refused on an instance without SMTP, and on issue the `order.copy` job
 * e-mails that authority the order (PDF and signed JSON) through a real loopback SMTP server, once,
 * recording `copy_sent`; a copy that cannot be sent is retried and its last failure audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { drainJobs } from '../intake/helpers.ts';
import { attachment } from '../receivers.ts';
import { JOB_BACKOFF_MAX_MS } from '../../src/domains/jobs/job.model.ts';
import { ORDER_COPY_MAX_ATTEMPTS } from '../../src/domains/order/order.service.ts';
import { createWorld, ok, SECTIONS, type World } from './helpers.ts';

const HOST_AUTHORITY = 'Synthetic Authority of the Netherlands';
const HOST_EMAIL = 'tco-copies@authority-nl.example';

/** The message as a reader sees it: headers unfolded, quoted-printable decoded. */
const readable = (raw: string) =>
  raw
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describe.each(DIALECTS)('the Art. 4(1) cross-border copy on %s', { timeout: 180_000 }, (dialect) => {
  let w: World;
  let noMail: World;
  beforeAll(async () => {
    w = await createWorld(dialect);
    noMail = await createWorld(dialect, { mail: false });
  });
  afterAll(async () => {
    await w.close();
    await noMail.close();
  });

  /** Sends the request, and expects the status, the code, and no change to stored data. */
  async function refused(world: World, res: () => Promise<{ statusCode: number; json(): any }>, status: number, code: string): Promise<any> {
    const before = await snapshot(world.t);
    const r = await res();
    expect({ status: r.statusCode, code: r.json().error?.code }).toEqual({ status, code });
    expect(await snapshot(world.t)).toEqual(before);
    return r.json().error;
  }

  const copiesTo = (world: World, to: string) => world.smtp.mails.filter((m) => m.to.includes(to));

  it('refuses a cross-border proposal without a valid host authority e-mail, storing nothing; ignores the address for an order that is not cross-border', async () => {
    const { t } = w;
    const item = await w.decidedItem('https://foreign.example/copy/refused');
    const propose = (extra: Record<string, unknown>) => () => t.as(w.reviewer, 'POST', '/api/v1/orders', { itemIds: [item], referenceNumber: 'XB-REFUSED', issuingState: 'IE', hostAuthority: HOST_AUTHORITY, ...extra, ...SECTIONS });
    for (const [email, problem] of [
      [undefined, 'is required when the provider is established in another Member State (Art. 4(1) copy)'],
      ['   ', 'is required when the provider is established in another Member State (Art. 4(1) copy)'],
      ['not-an-address', 'is not one e-mail address'],
      [`one@authority-nl.example, two@authority-nl.example`, 'is not one e-mail address'],
      [`Authority <${HOST_EMAIL}>`, 'is not one e-mail address'],
      [`${'a'.repeat(250)}@nl.example`, 'is longer than 254 characters'],
    ] as const) {
      const e = await refused(w, propose(email === undefined ? {} : { hostAuthorityEmail: email }), 400, 'VIGIL_ORDER_ANNEX_INCOMPLETE');
      expect(e.details.problems).toEqual([{ field: 'hostAuthorityEmail', section: 'D', problem }]);
    }

    const local = await w.propose([await w.decidedItem('https://host.example/copy/local')], { hostAuthorityEmail: HOST_EMAIL });
    expect(local).toMatchObject({ crossBorder: false, hostAuthorityEmail: null });
  });

  it('e-mails the issued order to the host State authority once, with the PDF and the signed JSON document, and records copy_sent', async () => {
    const { t } = w;
    const item = await w.decidedItem('https://foreign.example/copy/1');
    const proposed = await w.propose([item], { hostAuthority: HOST_AUTHORITY, hostAuthorityEmail: ` ${HOST_EMAIL} ` });
    expect(proposed).toMatchObject({ crossBorder: true, hostAuthority: HOST_AUTHORITY, hostAuthorityEmail: HOST_EMAIL });
    const stored = await t.db.db.selectFrom('removal_order').select('host_authority_email').where('order_id', '=', proposed.id).executeTakeFirstOrThrow();
    expect(stored.host_authority_email).toBe(HOST_EMAIL);

    const issued = await ok(await t.as(w.approver, 'POST', `/api/v1/orders/${proposed.id}/approve`, {}));
    // Sent by the job, not by the approval.
    expect(issued.events.map((e: { type: string }) => e.type)).not.toContain('copy_sent');
    expect(copiesTo(w, HOST_EMAIL)).toHaveLength(0);

    t.clock.advance(1_000);
    const sentAt = t.clock.now();
    const ran = await drainJobs(t.platform);
    expect(ran.filter((j) => j.name === 'order.copy')).toMatchObject([{ state: 'done', idempotencyKey: `order.copy:${proposed.id}` }]);
    const mails = copiesTo(w, HOST_EMAIL);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual([HOST_EMAIL]);
    const text = readable(mail.raw);
    expect(text).toContain(`Subject: Copy of removal order ${proposed.referenceNumber} from Synthetic IRU (Regulation (EU) 2021/784, Art. 4(1))`);
    expect(text).toContain(`Message-ID: <order-copy-${proposed.id}@vigil>`);
    expect(text).toContain(`instance key ${issued.document.keyId}`);
    expect(text).toContain(issued.document.signature);

    const pdf = await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}/document.pdf`);
    const json = await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}/document.json`);
    expect([pdf.statusCode, json.statusCode]).toEqual([200, 200]);
    expect(attachment(mail.raw, `removal-order-${proposed.id}.pdf`)).toEqual(pdf.rawPayload);
    expect(attachment(mail.raw, `removal-order-${proposed.id}.json`)).toEqual(json.rawPayload);

    const after = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}`));
    const copies = after.events.filter((e: { type: string }) => e.type === 'copy_sent');
    expect(copies).toEqual([{ seq: expect.any(Number), type: 'copy_sent', at: sentAt, actor: 'system:order-copy', detail: { hostAuthority: HOST_AUTHORITY, to: HOST_EMAIL, messageId: `<order-copy-${proposed.id}@vigil>` } }]);
    const audit = await t.db.db.selectFrom('audit_event').select('detail').where('target_id', '=', proposed.id).where('action', '=', 'order.copy.sent').execute();
    expect(audit.map((a) => JSON.parse(a.detail))).toMatchObject([{ to: HOST_EMAIL, referenceNumber: proposed.referenceNumber }]);

    // The job again (a worker that died after sending, an operator's retry): nothing is sent twice.
    await t.platform.queue.enqueue('order.copy', { orderId: proposed.id }, { agencyId: w.authority.id });
    const again = await drainJobs(t.platform);
    expect(again.filter((j) => j.name === 'order.copy')).toMatchObject([{ state: 'done', result: { skipped: 'the copy was already sent' } }]);
    expect(copiesTo(w, HOST_EMAIL)).toHaveLength(1);
    const final = await ok(await t.as(w.reviewer, 'GET', `/api/v1/orders/${proposed.id}`));
    expect(final.events.filter((e: { type: string }) => e.type === 'copy_sent')).toHaveLength(1);
  });

  it('refuses to approve a cross-border order on an instance without SMTP, changing nothing', async () => {
    const { t } = noMail;
    const item = await noMail.decidedItem('https://foreign.example/copy/no-smtp');
    const proposed = await noMail.propose([item], { hostAuthority: HOST_AUTHORITY, hostAuthorityEmail: HOST_EMAIL });
    const e = await refused(noMail, () => t.as(noMail.approver, 'POST', `/api/v1/orders/${proposed.id}/approve`, {}), 409, 'VIGIL_ORDER_COPY_UNDELIVERABLE');
    expect(e.message).toBe(
      `Order ${proposed.referenceNumber} is cross-border (Foreign Host is established in NL), and its Art. 4(1) copy is e-mailed to the host State's authority, but this instance has no VIGIL_SMTP_URL.`,
    );
    expect(await ok(await t.as(noMail.reviewer, 'GET', `/api/v1/orders/${proposed.id}`))).toMatchObject({ status: 'proposed', issuedAt: null, document: null });
    // An order within the issuing State needs no copy, so it is issued.
    const local = await noMail.issue([await noMail.decidedItem('https://host.example/copy/no-smtp')]);
    expect(local).toMatchObject({ status: 'running', crossBorder: false });
  });

  it('retries a copy the SMTP server does not take, and audits the last failure without recording copy_sent', async () => {
    const { t } = w;
    const item = await w.decidedItem('https://foreign.example/copy/unsent');
    const o = await w.issue([item], { hostAuthority: HOST_AUTHORITY, hostAuthorityEmail: HOST_EMAIL });
    w.smtp.reject(true);

    const attempts = [];
    for (let i = 0; i < ORDER_COPY_MAX_ATTEMPTS; i++) {
      attempts.push(...(await drainJobs(t.platform)).filter((j) => j.name === 'order.copy' && (j.payload as { orderId: string }).orderId === o.id));
      t.clock.advance(JOB_BACKOFF_MAX_MS);
    }
    expect(attempts.map((j) => j.state)).toEqual([...Array<string>(ORDER_COPY_MAX_ATTEMPTS - 1).fill('queued'), 'dead']);
    const failed = await t.db.db.selectFrom('audit_event').select('detail').where('target_id', '=', o.id).where('action', '=', 'order.copy.failed').execute();
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0]!.detail)).toMatchObject({ to: HOST_EMAIL, referenceNumber: o.referenceNumber });
    const after = await t.db.db.selectFrom('order_event').select('type').where('order_id', '=', o.id).execute();
    expect(after.map((e) => e.type)).not.toContain('copy_sent');
    w.smtp.reject(false);
  });
});
