/**
 * Removal orders end to end (issue 7's acceptance test) in a real Chromium against the real server.
 * A synthetic image is served on loopback under a provider's domain (a SOCKS5 proxy started here
 * maps `video.example` to it, so the server captures it as a real URL item); the case it opens is
 * decided terrorist content through the API. In the UI, the authority's reviewer composes an order
 * from the case — the server's Annex I problems show beside their fields, then a complete Annex I
 * goes through as an emergency (TCO Art. 3(2): no 12-hour notice can pass in a test) — and a second
 * person, the approver, approves it: the provider's webhook receiver (a real HTTP server on
 * loopback) gets the signed order, and the provider's responder sees it with its running clock in
 * the portal, answers Annex II there, and the issuer's page shows "executed in N minutes" with the
 * clock stopped. Then one referral goes round: composed and sent by the reviewer, acknowledged and
 * answered per item in the portal, the outcome seen by the issuer. Every wait is on visible state.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryReplayCache, verifyWebhookSignature } from '../src/adapters/webhook/webhook-signature.ts';
import { startReceiver, type Receiver } from '../test/receivers.ts';
import { startSocks5Server, type Socks5TestServer } from '../test/socks5-server.ts';
import { syntheticImage } from '../test/synthetic-image.ts';
import { ApiSession, browserPages, fact, logIn } from './helpers.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM_ARGS, CHROMIUM_PATH, ensureWebBuild, startServer, type RunningServer } from './server.ts';

/** Capture and delivery run in the server's inline worker; allow for a slow machine. */
const WAIT_MS = 60_000;
const PASSWORD = 'e2e-Orders-password-6d2b';
const HOST = 'video.example';
const ITEM_URL = `http://${HOST}/watch/e2e-1`;
const PROVIDER = 'Example Video';
const REFERENCE = 'E2E-ORDER-1';
const REFERRAL_REFERENCE = 'E2E-REFERRAL-1';

const people = {
  lead: { email: 'lead@iru.example.test', displayName: 'Lena Lead', roles: ['admin'] },
  reviewer: { email: 'reviewer@iru.example.test', displayName: 'Rafael Reviewer', roles: ['reviewer'] },
  approver: { email: 'approver@iru.example.test', displayName: 'Ada Approver', roles: ['approver'] },
} as const;
const RESPONDER = { email: 'trust@video.example.test', displayName: 'Tessa Trust', roles: ['provider-responder'] };

let server: RunningServer;
let browser: Browser;
let site: http.Server;
let proxy: Socks5TestServer;
let receiver: Receiver;
let receiverUrl: string;
let problems: string[] = [];
let webhookSecret: string;
let caseId: string;

beforeAll(async () => {
  ensureWebBuild();
  const image = await syntheticImage(5);
  site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length }).end(image));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
  proxy = await startSocks5Server({ [`${HOST}:80`]: { host: '127.0.0.1', port: (site.address() as AddressInfo).port } });
  receiver = await startReceiver();
  receiverUrl = receiver.url('/hooks/vigil');
  server = await startServer({
    // Captures go through the proxy, which knows the provider's host; webhooks go straight to the loopback receiver.
    VIGIL_SOCKS_PROXY: `socks5h://127.0.0.1:${proxy.port}`,
    VIGIL_PROXY_ALL: 'true',
    VIGIL_FETCH_ALLOW: '127.0.0.1/32',
    VIGIL_SCREENSHOTS: 'false',
    VIGIL_REVIEW_UNDO_SECONDS: '0',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

  const operator = await ApiSession.login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const authority = await operator.call<{ id: string }>('POST', '/agencies', { name: 'Example Referral Unit', kind: 'authority' });
  for (const p of Object.values(people)) await operator.call('POST', '/users', { ...p, roles: [...p.roles], password: PASSWORD, agencyId: authority.id });
  const host = await operator.call<{ id: string }>('POST', '/agencies', { name: 'Example Video Host', kind: 'provider' });
  await operator.call('POST', '/users', { ...RESPONDER, password: PASSWORD, agencyId: host.id });

  const lead = await ApiSession.login(server.url, people.lead.email, PASSWORD);
  const created = await lead.call<{ webhookSecret: string }>('POST', '/providers', { name: PROVIDER, domainPatterns: [HOST], webhookUrl: receiverUrl, providerAgencyId: host.id, mainEstablishment: 'IE', acceptedLanguages: ['en'] });
  webhookSecret = created.webhookSecret;

  // The reviewed case: the URL is captured through the proxy, which opens a case; the reviewer decides it.
  await lead.call('POST', '/items', { url: ITEM_URL });
  const reviewer = await ApiSession.login(server.url, people.reviewer.email, PASSWORD);
  caseId = await vi.waitFor(
    async () => {
      const q = await reviewer.call<{ cases: { id: string; leadItem: { url: string | null } }[] }>('GET', '/review/queue');
      const found = q.cases.find((c) => c.leadItem.url === ITEM_URL);
      if (!found) throw new Error(`no case for ${ITEM_URL} yet`);
      return found.id;
    },
    { timeout: WAIT_MS, interval: 250 },
  );
  await reviewer.call('POST', `/review/cases/${caseId}/decisions`, { verdict: 'terrorist_content', grounds: ['a', 'c'], reasons: 'Synthetic fixture: outlet branding and a call to join, per the e2e setup.' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await proxy?.close();
  await receiver?.close();
  site?.closeAllConnections();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

const pages = browserPages(() => ({ browser, baseURL: server.url, problems }), WAIT_MS);
const openPage = pages.open;
afterEach(() => pages.closeAll());

describe('removal orders', () => {
  it('composes an order from a reviewed item, approves it with four eyes, delivers it signed, and stops the clock on Annex II from the portal', async () => {
    problems = [];
    const reviewer = await openPage();
    await logIn(reviewer, people.reviewer.email, PASSWORD);
    await reviewer.goto(`/review/${caseId}`);
    await reviewer.getByRole('heading', { name: /^Case/, level: 1 }).waitFor();
    await reviewer.getByRole('link', { name: 'Compose order' }).click();
    await reviewer.getByRole('heading', { name: 'Compose a removal order', level: 1 }).waitFor();

    // The reviewed item is chosen, and resolves to the provider.
    const form = reviewer.getByRole('form', { name: 'Removal order' });
    const item = form.locator(`[data-item-id]`).filter({ hasText: ITEM_URL });
    expect(await item.getByRole('checkbox').isChecked()).toBe(true);
    await item.locator('.compose-provider').getByRole('link', { name: PROVIDER }).waitFor();
    expect(await item.locator('.compose-provider').textContent()).toContain(`${HOST} is ${HOST}`);
    // Grounds and reasons start from the decision.
    expect(await form.getByLabel(/^\(a\) incites/).isChecked()).toBe(true);
    expect(await form.getByLabel(/^\(c\) solicits/).isChecked()).toBe(true);
    expect(await form.getByLabel('Reasons', { exact: true }).inputValue()).toContain('Synthetic fixture');

    // Sections E–G left empty: the server's problems appear beside their fields, and nothing is proposed.
    await form.getByLabel('Reference number').fill(REFERENCE);
    await form.getByLabel('Issuing Member State').selectOption('IE');
    await form.getByRole('button', { name: 'Propose the order' }).click();
    await form.getByRole('alert').filter({ hasText: 'VIGIL_ORDER_ANNEX_INCOMPLETE' }).waitFor();
    const nameProblem = reviewer.locator('#annex-authority-name-problem');
    expect(await nameProblem.textContent()).toBe('is required');
    expect(await form.getByLabel('Authority name').getAttribute('aria-invalid')).toBe('true');
    await reviewer.locator('#annex-redress-body-problem').waitFor();
    const lead = await ApiSession.login(server.url, people.lead.email, PASSWORD);
    expect((await lead.call<{ orders: unknown[] }>('GET', '/orders')).orders).toEqual([]);

    await form.getByLabel('Type', { exact: true }).selectOption('law_enforcement');
    await form.getByLabel('Authority name').fill('Example Referral Unit');
    await form.getByLabel('Representative', { exact: true }).fill('Head of unit');
    await form.getByLabel('File number', { exact: true }).fill('IRU-2025-0042');
    await form.getByLabel('Address', { exact: true }).fill('1 Example Street, Dublin');
    await form.getByLabel('Telephone', { exact: true }).fill('+353 1 000 0000');
    await form.getByLabel('Authority e-mail').fill('orders@iru.example.test');
    await form.getByLabel('Contact name').fill('Duty officer');
    await form.getByLabel('Contact e-mail').fill('duty@iru.example.test');
    await form.getByLabel('Competent body or court').fill('Example High Court');
    await form.getByLabel('Deadline for redress').fill('30 days from receipt');
    await form.getByLabel('National law').fill('Example Act 2023, s. 12');
    // TCO Art. 3(2): no first-order notice was sent, so this first order goes out as an emergency.
    expect(await form.locator('legend:text-is("Emergency (Art. 3(2))") + p').textContent()).toContain('has not sent Example Video its first-order notice');
    await form.getByLabel(/This is an emergency/).check();
    await form.getByLabel('Reason for the emergency').fill('Live-streamed attack content spreading now');
    await form.getByRole('button', { name: 'Propose the order' }).click();

    await reviewer.getByRole('heading', { name: `Order ${REFERENCE}`, level: 1 }).waitFor();
    const orderUrl = reviewer.url();
    await reviewer.getByText('awaiting approval', { exact: true }).waitFor();
    // Four eyes: the reviewer proposed it and holds no approver role, so there is nothing to approve here.
    expect(await reviewer.getByRole('button', { name: 'Approve and issue' }).count()).toBe(0);
    await expect.poll(() => fact(reviewer, 'A. Reference').textContent(), { timeout: 10_000 }).toBe(REFERENCE);
    await expect.poll(() => fact(reviewer, 'Emergency').textContent(), { timeout: 10_000 }).toContain('Live-streamed attack');
    await reviewer.screenshot({ path: '/tmp/vigil-e2e-order-proposed.png', fullPage: true });

    // The approver, in a browser of their own, finds it in the list and approves it.
    const approver = await openPage();
    await logIn(approver, people.approver.email, PASSWORD);
    await approver.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await approver.getByRole('heading', { name: 'Removal orders', level: 1 }).waitFor();
    const row = approver.getByRole('row').filter({ hasText: REFERENCE });
    expect(await row.textContent()).toContain('emergency');
    await row.getByRole('link', { name: REFERENCE }).click();
    await approver.getByRole('heading', { name: `Order ${REFERENCE}`, level: 1 }).waitFor();
    expect(approver.url()).toBe(orderUrl);
    const approval = approver.getByRole('form', { name: 'Approval (four eyes)' });
    await approval.getByLabel(/Approver’s note/).fill('Checked against the case; emergency justified.');
    await approval.getByRole('button', { name: 'Approve and issue' }).click();
    await approver.getByRole('status').filter({ hasText: 'Order approved and issued.' }).waitFor();

    // Delivered: the portal channel (and the webhook) record the receipt, and the hour runs.
    const clock = approver.getByRole('status', { name: 'Removal clock' });
    await clock.locator('[data-clock="running"]').waitFor();
    expect(await clock.textContent()).toMatch(/\d+:\d\d left/);
    const dispatches = approver.getByRole('table', { name: `Messages sent for order ${REFERENCE}` });
    await dispatches.getByRole('row').filter({ hasText: receiverUrl }).getByRole('cell').nth(2).getByText('delivered', { exact: true }).waitFor();

    // The webhook receiver got the order, signed with the provider's secret, and the document signed by the instance key.
    const hit = receiver.hits.find((h) => (JSON.parse(h.body) as { kind?: string }).kind === 'order');
    expect(hit).toBeDefined();
    expect(await verifyWebhookSignature({ secret: webhookSecret, body: hit!.body, headers: hit!.headers, now: Date.now(), replayCache: createMemoryReplayCache({ now: () => Date.now() }) })).toMatchObject({ ok: true });
    const message = JSON.parse(hit!.body) as { payload: { documentJson: string; signature: { publicKeyPem: string; value: string } } };
    const document = JSON.parse(message.payload.documentJson) as { annexI: { referenceNumber: string; items: { url: string }[]; emergency: { declared: boolean } } };
    expect(document.annexI).toMatchObject({ referenceNumber: REFERENCE, items: [{ url: ITEM_URL }], emergency: { declared: true } });
    const digest = createHash('sha256').update(message.payload.documentJson, 'utf8').digest();
    expect(verify(null, digest, createPublicKey(message.payload.signature.publicKeyPem), Buffer.from(message.payload.signature.value, 'base64'))).toBe(true);
    await approver.screenshot({ path: '/tmp/vigil-e2e-order-running.png', fullPage: true });

    // The provider's responder sees the order with its running clock in the portal.
    const responder = await openPage();
    await logIn(responder, RESPONDER.email, PASSWORD);
    await responder.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Portal' }).click();
    await responder.getByRole('tab', { name: 'Orders' }).click();
    const portalRow = responder.getByRole('row').filter({ hasText: REFERENCE });
    await portalRow.locator('[data-clock="running"]').waitFor();
    expect(await portalRow.textContent()).toContain('Example Referral Unit');
    await portalRow.getByRole('link', { name: REFERENCE }).click();
    await responder.getByRole('heading', { name: `Removal order ${REFERENCE}`, level: 1 }).waitFor();
    await responder.getByRole('status', { name: 'Removal clock' }).locator('[data-clock="running"]').waitFor();
    await expect.poll(() => fact(responder, 'B. Content').textContent(), { timeout: 10_000 }).toContain(ITEM_URL);
    // The provider takes the signed PDF from its portal too, not only from the message.
    const [pdf] = await Promise.all([responder.waitForEvent('download'), responder.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
    expect((await readFile(await pdf.path())).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await responder.screenshot({ path: '/tmp/vigil-e2e-portal-order.png', fullPage: true });

    // Annex II: removed, just now; the person answering is prefilled.
    const annexII = responder.getByRole('form', { name: 'Annex II: the content is removed or disabled' });
    expect(await annexII.getByLabel('Authorised person').inputValue()).toBe(RESPONDER.displayName);
    await annexII.getByRole('button', { name: 'Send Annex II' }).click();
    await responder.getByRole('status').filter({ hasText: 'Annex II sent: the clock has stopped.' }).waitFor();
    await responder.getByRole('status', { name: 'Removal clock' }).getByText(/^executed in \d+ minutes?$/).waitFor();

    // The issuer's page follows on its own: executed in N minutes, no countdown left.
    const stopped = clock.locator('[data-clock="executed"]');
    await stopped.waitFor();
    expect(await stopped.textContent()).toMatch(/clock stopped executed in \d+ minutes?/);
    expect(await clock.locator('.countdown').count()).toBe(0);
    await approver.getByRole('row').filter({ hasText: 'Annex II: content removed or disabled' }).filter({ hasText: 'measure=removed' }).waitFor();
    await approver.screenshot({ path: '/tmp/vigil-e2e-order-executed.png', fullPage: true });
    const order = await lead.call<{ status: string; clock: { executedInMs: number; remainingMs: null } }>('GET', `/orders/${orderUrl.split('/').at(-1)}`);
    expect(order).toMatchObject({ status: 'executed', clock: { remainingMs: null } });
    expect(order.clock.executedInMs).toBeGreaterThanOrEqual(0);
    expect(problems).toEqual([]);
  });

  it('sends a referral from the case and shows the provider’s per-item outcome', async () => {
    problems = [];
    const reviewer = await openPage();
    await logIn(reviewer, people.reviewer.email, PASSWORD);
    await reviewer.goto(`/review/${caseId}`);
    await reviewer.getByRole('link', { name: 'Compose referral' }).click();
    const form = reviewer.getByRole('form', { name: 'Referral' });
    await form.locator('[data-item-id]').filter({ hasText: ITEM_URL }).locator('.compose-reasons').filter({ hasText: 'Synthetic fixture' }).waitFor();
    await form.getByLabel('Your reference (optional)').fill(REFERRAL_REFERENCE);
    await form.getByRole('button', { name: 'Create the referral draft' }).click();
    await reviewer.getByRole('heading', { name: `Referral ${REFERRAL_REFERENCE}`, level: 1 }).waitFor();
    await reviewer.getByRole('button', { name: 'Send referral' }).click();
    await reviewer.getByRole('status').filter({ hasText: 'Referral sent' }).waitFor();

    const responder = await openPage();
    await logIn(responder, RESPONDER.email, PASSWORD);
    await responder.goto('/portal?tab=referrals');
    await responder.getByRole('row').filter({ hasText: REFERRAL_REFERENCE }).getByRole('link', { name: REFERRAL_REFERENCE }).click();
    await responder.getByRole('heading', { name: `Referral ${REFERRAL_REFERENCE}`, level: 1 }).waitFor();
    await responder.getByRole('button', { name: 'Acknowledge referral' }).click();
    await responder.getByRole('status').filter({ hasText: 'Referral acknowledged.' }).waitFor();
    const answer = responder.getByRole('form', { name: `Answer for ${ITEM_URL}` });
    await answer.getByLabel('removed').check();
    await answer.getByRole('button', { name: 'Record outcome' }).click();
    await responder.getByRole('listitem', { name: ITEM_URL }).getByText('removed', { exact: true }).waitFor();

    // The issuer's page reads again on its own and shows the outcome.
    const itemRow = reviewer.getByRole('table', { name: 'Items' }).getByRole('row').filter({ hasText: ITEM_URL });
    await itemRow.getByText('removed', { exact: true }).waitFor();
    await reviewer.getByText('every item answered', { exact: true }).first().waitFor();
    await reviewer.screenshot({ path: '/tmp/vigil-e2e-referral.png', fullPage: true });
    expect(problems).toEqual([]);
  });
});
