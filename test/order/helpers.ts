/**
 * Shared pieces of the order suites: a world of one authority with its people, a provider agency
 * with its responder, and providers in the registry, with a webhook receiver and an SMTP server on
 * loopback (real components); items decided terrorist content through the real review API.
 */
import { createTestApp, type Actor, type TestApp } from '../app.ts';
import { startReceiver, startSmtp, type Receiver, type SmtpReceiver } from '../receivers.ts';
import { drainJobs, servicesOf } from '../intake/helpers.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';
import type { Dialect } from '../../src/adapters/db/database.ts';
import { FIRST_ORDER_NOTICE_MS } from '../../src/domains/order/order.model.ts';

export async function ok<T = Record<string, any>>(res: { statusCode: number; body: string }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

export const SECTIONS = {
  authority: { type: 'law_enforcement', name: 'Synthetic Referral Unit', representative: 'Officer Test', fileNumber: 'F-1', address: '1 Test Street, Dublin', telephone: '+353 1 000 0000', email: 'iru@authority.example' },
  followUpContact: { name: 'Duty desk', email: 'desk@authority.example', telephone: null },
  redress: { body: 'High Court', deadline: 'one month from receipt', lawReference: 'Synthetic Act 2023, s. 5' },
};

export interface World {
  t: TestApp;
  receiver: Receiver;
  smtp: SmtpReceiver;
  authority: Agency;
  reviewer: Actor;
  approver: Actor;
  analyst: Actor;
  hostAgency: Agency;
  responder: Actor;
  /** A provider established in the issuing State (IE), reached by webhook, e-mail and portal. */
  host: { id: string; secret: string };
  /** A provider established in another State (NL), portal only: its orders are cross-border. */
  foreign: { id: string; secret: string };
  close(): Promise<void>;
  /** Logs everyone in again (a fake clock walked past the session lifetime). */
  relogin(): Promise<void>;
  /** A URL item of the authority, decided terrorist content by the reviewer (published at once). */
  decidedItem(url: string, verdict?: string): Promise<string>;
  propose(itemIds: string[], extra?: Record<string, unknown>, as?: Actor): Promise<Record<string, any>>;
  /** Proposed and approved (issued and dispatched). */
  issue(itemIds: string[], extra?: Record<string, unknown>): Promise<Record<string, any>>;
}

let refs = 0;

/** `mail: false` runs the instance without VIGIL_SMTP_URL, so e-mail contact points cannot be used. */
export async function createWorld(dialect: Dialect, opts: { mail?: boolean } = {}): Promise<World> {
  const receiver = await startReceiver();
  const smtp = await startSmtp();
  // Decisions publish at once (no undo window), so items are ready to order.
  const mail: Record<string, string> = opts.mail === false ? {} : { VIGIL_SMTP_URL: smtp.url, VIGIL_MAIL_FROM: 'iru@vigil.example' };
  const t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', ...mail, VIGIL_REVIEW_UNDO_SECONDS: '0' });
  const authority = await t.createAgency('Synthetic IRU');
  const hostAgency = await t.createAgency('Synthetic Host trust and safety', 'provider');
  const w = {
    t,
    receiver,
    smtp,
    authority,
    hostAgency,
    reviewer: await t.actor(authority, ['reviewer']),
    approver: await t.actor(authority, ['approver']),
    analyst: await t.actor(authority, ['analyst']),
    responder: await t.actor(hostAgency, ['provider-responder']),
  } as World;
  const provider = async (body: Record<string, unknown>) => {
    const r = await ok(await t.as(w.analyst, 'POST', '/api/v1/providers', body), 201);
    await ok(await t.as(w.analyst, 'POST', `/api/v1/providers/${r.provider.id}/first-order-notice`, {}));
    return { id: r.provider.id as string, secret: r.webhookSecret as string };
  };
  w.host = await provider({ name: 'Synthetic Host', domainPatterns: ['host.example'], webhookUrl: receiver.url('/hook'), contactEmail: 'tco@host.example', providerAgencyId: hostAgency.id, mainEstablishment: 'IE' });
  const foreignAgency = await t.createAgency('Foreign Host trust and safety', 'provider');
  w.foreign = await provider({ name: 'Foreign Host', domainPatterns: ['foreign.example'], providerAgencyId: foreignAgency.id, mainEstablishment: 'NL' });
  // The notices' dispatches, then the Art. 3(2) twelve hours.
  await drainJobs(t.platform);
  t.clock.advance(FIRST_ORDER_NOTICE_MS);
  w.relogin = async () => {
    for (const k of ['reviewer', 'approver', 'analyst', 'responder'] as const) w[k] = await t.login(w[k].user.email);
  };
  await w.relogin();
  w.decidedItem = async (url, verdict = 'terrorist_content') => {
    const svc = servicesOf(t.platform, authority.id);
    const { item } = await svc.intake().submitUrl(url, 'api');
    // The synthetic hosts do not exist: the capture is not the subject here.
    await t.db.db.updateTable('job').set({ state: 'cancelled' }).where('name', '=', 'capture.fetch').where('state', '=', 'queued').execute();
    const { caseId } = await svc.review().assignItem(item.id);
    await ok(await t.as(w.reviewer, 'POST', `/api/v1/review/cases/${caseId}/decisions`, { verdict, ...(verdict === 'terrorist_content' ? { grounds: ['a', 'd'] } : {}), reasons: `Synthetic reasons for ${url}` }), 201);
    return item.id;
  };
  w.propose = async (itemIds, extra = {}, as = w.reviewer) => ok(await t.as(as, 'POST', '/api/v1/orders', { itemIds, referenceNumber: `REF-${++refs}`, issuingState: 'IE', ...SECTIONS, ...extra }), 201);
  w.issue = async (itemIds, extra = {}) => {
    const o = await w.propose(itemIds, extra);
    return ok(await t.as(w.approver, 'POST', `/api/v1/orders/${o.id}/approve`, {}));
  };
  w.close = async () => {
    await t.close();
    await receiver.close();
    await smtp.close();
  };
  return w;
}
