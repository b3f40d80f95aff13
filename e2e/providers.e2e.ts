/**
 * Provider registry, portal and outlet registry in a real Chromium against the real server. The
 * operator (an authority) adds a provider with a webhook on a loopback receiver and a portal agency,
 * sees a bad pattern refused with the server's code, resolves a URL to the provider, rotates its
 * webhook secret and sends its TCO Art. 3(2) first-order notice; the webhook call arrives signed
 * with the new secret the screen showed once (not the old one), and the delivery log says so. A provider agency's responder finds the notice in the
 * portal and marks it received, which the authority then sees. Last, an outlet is added and edited,
 * and a channel another outlet holds is refused. Every wait is on visible state.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryReplayCache, verifyWebhookSignature } from '../src/adapters/webhook/webhook-signature.ts';
import { startReceiver, type Receiver } from '../test/receivers.ts';
import { apiCall, browserPages, fact, logIn } from './helpers.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM_ARGS, CHROMIUM_PATH, ensureWebBuild, startServer, type RunningServer } from './server.ts';

/** The server delivers the webhook from its inline worker; allow for a slow machine. */
const WAIT_MS = 60_000;
const PASSWORD = 'e2e-Provider-password-41c9';
const PORTAL_AGENCY = 'Example Video Host';
const RESPONDER = { email: 'trust@video.example.test', displayName: 'Tessa Trust', roles: ['provider-responder'] };
const PROVIDER = 'Example Video';
const NOTICE_TITLE = 'Notice of procedures and deadlines for removal orders from Instance operator';

let server: RunningServer;
let browser: Browser;
let receiver: Receiver;
let receiverUrl: string;
let problems: string[] = [];

beforeAll(async () => {
  ensureWebBuild();
  receiver = await startReceiver();
  receiverUrl = receiver.url('/hooks/vigil');
  // The webhook receiver is on loopback, which the sender's SSRF policy refuses unless allowed.
  server = await startServer({ VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close();
});

const pages = browserPages(() => ({ browser, baseURL: server.url, problems }), WAIT_MS);
const openPage = pages.open;
afterEach(() => pages.closeAll());

describe('providers, portal and outlets', () => {
  it('adds a provider, resolves a URL to it, sends the first-order notice, and the provider acknowledges it in the portal', async () => {
    problems = [];
    const admin = await openPage();
    await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
    const portalAgency = await apiCall<{ id: string }>(admin, 'POST', '/agencies', { name: PORTAL_AGENCY, kind: 'provider' });
    await apiCall(admin, 'POST', '/users', { ...RESPONDER, password: PASSWORD, agencyId: portalAgency.id });

    const nav = admin.getByRole('navigation', { name: 'Main' });
    // An authority addresses providers; the portal is for provider agencies.
    expect(await nav.getByRole('link', { name: 'Portal' }).count()).toBe(0);
    await nav.getByRole('link', { name: 'Providers' }).click();
    await admin.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();

    await admin.getByRole('button', { name: 'Add a provider' }).click();
    const form = admin.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Name', { exact: true }).fill(PROVIDER);
    await form.getByLabel('Domain patterns, one per line').fill('https://video.example/watch');
    await form.getByLabel('Webhook URL').fill(receiverUrl);
    await form.getByLabel('Portal agency').selectOption({ label: PORTAL_AGENCY });
    await form.getByLabel('Accepted languages').fill('en, de');
    await form.getByLabel('Main establishment').selectOption('IE');
    await form.getByRole('button', { name: 'Create provider' }).click();

    // A URL where a domain pattern belongs: the server's code and reason, and no provider added.
    const invalid = form.getByRole('alert').filter({ hasText: 'VIGIL_PROVIDER_INVALID' });
    await invalid.waitFor();
    expect(await invalid.textContent()).toContain('a pattern is a domain (example.com), a wildcard (*.example.com) or platform:NAME');
    const registry = admin.getByRole('table', { name: 'Providers by name' });
    await registry.getByText('No providers yet. Add one above.').waitFor();

    await form.getByLabel('Domain patterns, one per line').fill('video.example\nvideo-cdn.example');
    await form.getByRole('button', { name: 'Create provider' }).click();
    const secretPanel = admin.getByRole('region', { name: `Provider ${PROVIDER} created` });
    await secretPanel.waitFor();
    const secret = await secretPanel.getByLabel('Webhook secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    const row = registry.getByRole('row').filter({ hasText: PROVIDER });
    await row.waitFor();
    expect(await row.textContent()).toContain('video-cdn.example');
    expect(await row.textContent()).toContain('webhook · portal');
    expect(await row.textContent()).toContain('not sent');
    await secretPanel.getByRole('button', { name: 'I have passed the secret on' }).click();
    await secretPanel.waitFor({ state: 'detached' });

    // Which provider hosts a URL, and why.
    await admin.getByLabel('URL', { exact: true }).fill('https://media.video.example/watch/123?t=5');
    await admin.getByRole('button', { name: 'Resolve' }).click();
    const resolution = admin.getByRole('status', { name: 'Resolution' });
    await resolution.getByText('media.video.example is under video.example').waitFor();
    await expect.poll(() => fact(resolution, 'Host').textContent(), { timeout: 10_000 }).toBe('media.video.example');
    await admin.screenshot({ path: '/tmp/vigil-e2e-providers.png', fullPage: true });

    await resolution.getByRole('link', { name: PROVIDER }).click();
    await admin.getByRole('heading', { name: PROVIDER, level: 1 }).waitFor();
    await expect.poll(() => fact(admin, 'Portal agency').textContent(), { timeout: 10_000 }).toBe(PORTAL_AGENCY);
    await expect.poll(() => fact(admin, 'Accepted languages').textContent(), { timeout: 10_000 }).toBe('en, de');
    await expect.poll(() => fact(admin, 'Webhook secret').textContent(), { timeout: 10_000 }).toContain(secret.slice(0, 10));

    // A new secret, shown once; the notice below must be signed with it.
    await admin.getByRole('button', { name: 'Rotate secret' }).click();
    await admin.getByRole('button', { name: 'Replace the secret now' }).click();
    const rotated = admin.getByRole('region', { name: 'New webhook secret' });
    const newSecret = await rotated.getByLabel('Webhook secret').inputValue();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    await fact(admin, 'Webhook secret').getByText(`${newSecret.slice(0, 10)}…`).waitFor();
    await rotated.getByRole('button', { name: 'I have passed the secret on' }).click();
    await rotated.waitFor({ state: 'detached' });
    const sent = admin.getByRole('table', { name: `Messages sent to ${PROVIDER}, newest first` });
    await sent.getByText('Your agency has sent this provider nothing yet.').waitFor();

    // TCO Art. 3(2): the notice goes out through the webhook and the portal.
    await admin.getByRole('button', { name: 'Send first-order notice' }).click();
    await admin.getByRole('status').filter({ hasText: 'First-order notice sent through' }).waitFor();
    await admin.getByRole('region', { name: 'First-order notice (TCO Art. 3(2))' }).getByText('sent Example Video its notice', { exact: false }).waitFor();
    expect(await admin.getByRole('button', { name: 'Send first-order notice' }).count()).toBe(0);

    const webhookRow = sent.getByRole('row').filter({ hasText: receiverUrl });
    await webhookRow.getByRole('cell').nth(2).getByText('delivered', { exact: true }).waitFor();
    await webhookRow.getByText('1 attempt').click();
    const log = webhookRow.getByRole('table', { name: `Delivery log of ${NOTICE_TITLE} by webhook, oldest first` });
    const attempt = log.getByRole('row').filter({ has: admin.getByRole('cell', { name: '1', exact: true }) });
    expect(await attempt.textContent()).toContain('delivered');
    expect(await attempt.getByRole('cell').nth(3).textContent()).toBe('200');
    const portalRow = sent.getByRole('row').filter({ hasText: 'portal' }).filter({ hasText: NOTICE_TITLE });
    await portalRow.getByRole('cell').nth(2).getByText('delivered', { exact: true }).waitFor();

    // The receiver got the notice, signed with the secret the screen showed once, not the one it replaced.
    const hit = receiver.hits.find((h) => h.path === '/hooks/vigil');
    expect(hit).toBeDefined();
    const verify = (key: string) => verifyWebhookSignature({ secret: key, body: hit!.body, headers: hit!.headers, now: Date.now(), replayCache: createMemoryReplayCache({ now: () => Date.now() }) });
    expect(await verify(secret)).toMatchObject({ ok: false, problem: 'bad_signature' });
    expect(await verify(newSecret)).toMatchObject({ ok: true });
    expect(JSON.parse(hit!.body)).toMatchObject({ kind: 'notice', title: NOTICE_TITLE });
    await admin.screenshot({ path: '/tmp/vigil-e2e-provider.png', fullPage: true });

    // The provider agency's responder: the portal, not the registry.
    const responder = await openPage();
    await logIn(responder, RESPONDER.email, PASSWORD);
    const rnav = responder.getByRole('navigation', { name: 'Main' });
    expect(await rnav.getByRole('link', { name: 'Providers' }).count()).toBe(0);
    await rnav.getByRole('link', { name: 'Portal' }).click();
    await responder.getByRole('heading', { name: 'Portal', level: 1 }).waitFor();
    await responder.getByRole('tab', { name: 'Messages', selected: true }).waitFor();
    // The filter lives in the address: the box shows checked once the address says so.
    const unreceivedOnly = responder.getByLabel('Only messages not yet marked received');
    await unreceivedOnly.click();
    await responder.waitForURL(/unreceived=1/);
    await responder.locator('input[type="checkbox"]:checked').waitFor();
    const message = responder.getByRole('listitem', { name: NOTICE_TITLE });
    await message.waitFor();
    expect(await message.textContent()).toContain('from Instance operator');
    expect(await message.textContent()).toContain('within 1 hour of receipt');
    await message.getByText('not yet received').waitFor();
    await responder.screenshot({ path: '/tmp/vigil-e2e-portal.png', fullPage: true });

    await message.getByRole('button', { name: `Mark received: ${NOTICE_TITLE}` }).click();
    await message.getByText(/^received /).waitFor();
    await responder.getByRole('status').filter({ hasText: 'marked received' }).waitFor();
    expect(await message.getByRole('button', { name: /^Mark received/ }).count()).toBe(0);
    await responder.getByRole('button', { name: 'Refresh' }).click();
    await responder.getByText('Every message has been marked received.').waitFor();

    // The authority sees the receipt on its portal message.
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await portalRow.getByRole('cell').nth(5).locator('time').waitFor();
    expect(problems).toEqual([]);
  });

  it('adds an outlet, edits it, and refuses a channel another outlet holds', async () => {
    problems = [];
    const page = await openPage();
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outlets' }).click();
    await page.getByRole('heading', { name: 'Outlets', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Add an outlet' }).click();
    const form = page.getByRole('form', { name: 'Add an outlet' });
    await form.getByLabel('Name', { exact: true }).fill('Harbour Signal');
    await form.getByLabel('Aliases, one per line').fill('Harbor Signal');
    await form.getByLabel('Ideology').selectOption('other');
    await form.getByLabel('Known channels, one per line').fill('https://t.me/harbour_signal\nharbour-signal.example');
    await form.getByRole('button', { name: 'Create outlet' }).click();
    await page.getByRole('status').filter({ hasText: 'created' }).getByRole('link', { name: 'Harbour Signal' }).waitFor();

    await page.getByLabel('Search outlets').fill('harbour_signal');
    const table = page.getByRole('table', { name: 'Outlets by name' });
    const row = table.getByRole('row').filter({ hasText: 'Harbour Signal' });
    await row.waitFor();
    expect(await table.getByRole('row').count()).toBe(2);
    expect(await row.textContent()).toContain('@harbour_signal');
    await row.getByRole('link', { name: 'Harbour Signal' }).click();
    await page.getByRole('heading', { name: 'Harbour Signal', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Edit outlet' }).click();
    const edit = page.getByRole('form', { name: 'Edit outlet' });
    await edit.getByLabel('Parent group').fill('Lantern Society');
    await edit.getByLabel('Aliases, one per line').fill('Harbor Signal\nHS Media');
    await edit.getByRole('button', { name: 'Save outlet' }).click();
    await page.getByRole('status').filter({ hasText: 'Outlet saved.' }).waitFor();
    await expect.poll(() => fact(page, 'Parent group').textContent(), { timeout: 10_000 }).toBe('Lantern Society');
    await expect.poll(() => fact(page, 'Aliases').textContent(), { timeout: 10_000 }).toBe('Harbor Signal, HS Media');

    // A second outlet may not claim the first one's Telegram channel: the server's code, nothing added.
    const other = await apiCall<{ id: string }>(page, 'POST', '/outlets', { name: 'Harbour Echo' });
    await page.goto(`/outlets/${other.id}`);
    await page.getByRole('heading', { name: 'Harbour Echo', level: 1 }).waitFor();
    const add = page.getByRole('form', { name: 'Add a channel' });
    await add.getByLabel('Kind').selectOption('telegram');
    await add.getByLabel('Channel', { exact: true }).fill('@Harbour_Signal');
    await add.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('alert').filter({ hasText: 'VIGIL_OUTLET_CHANNEL_TAKEN' }).waitFor();
    await page.getByRole('table', { name: 'Known channels of Harbour Echo' }).getByText('No known channels.').waitFor();

    await add.getByLabel('Channel', { exact: true }).fill('@harbour_echo');
    await add.getByRole('button', { name: 'Add channel' }).click();
    const channels = page.getByRole('table', { name: 'Known channels of Harbour Echo' });
    await channels.getByRole('row').filter({ hasText: '@harbour_echo' }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-outlet.png', fullPage: true });
    await channels.getByRole('button', { name: 'Remove @harbour_echo' }).click();
    await channels.getByText('No known channels.').waitFor();
    expect(problems).toEqual([]);
  });
});
