/**
 * The web shell in a real Chromium against the real server: log in, create a user, find the audit
 * entry, log out; a wrong password's message; an API token's secret shown once. Every wait is on
 * visible state (locators), never on time.
 */
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  ensureWebBuild,
  startServer,
  type RunningServer,
} from './server.ts';

let server: RunningServer;
let browser: Browser;
let context: BrowserContext | null = null;
/** Console errors and uncaught exceptions of the current page; CSP violations land here too. */
let problems: string[] = [];

beforeAll(async () => {
  ensureWebBuild();
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  await context?.close();
  context = null;
});

async function openPage(): Promise<Page> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // The app asks GET /auth/me before login and gets the expected 401; Chromium logs that as a
    // failed resource. Anything else at error level (a CSP refusal, a React error) is a problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  return page;
}

async function logIn(page: Page, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

describe('web shell', () => {
  it('logs in, creates a user, shows its audit entry, logs out', async () => {
    const page = await openPage();
    await logIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Users' }).waitFor();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    // The admin is listed before anything is created.
    await page.getByRole('cell', { name: ADMIN_EMAIL, exact: true }).waitFor();

    const email = `analyst-${randomUUID().slice(0, 8)}@example.test`;
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Display name').fill('Ana Lyst');
    await page.getByLabel('Initial password').fill('a-long-enough-password-42');
    const form = page.getByRole('form', { name: /New user/ });
    expect(await form.getByRole('checkbox', { name: 'analyst' }).isChecked()).toBe(true);
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Create user' }).click(),
    ]);
    expect(created.status()).toBe(201);
    const userId = ((await created.json()) as { id: string }).id;

    const row = page.getByRole('row').filter({ hasText: email });
    await row.waitFor();
    expect(await row.textContent()).toContain('analyst');
    expect(await row.textContent()).toContain('Ana Lyst');
    await page.getByRole('status').filter({ hasText: `User ${email} created.` }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-users.png', fullPage: true });

    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const entry = page.getByRole('row').filter({ hasText: 'user.create' }).filter({ hasText: userId });
    await entry.waitFor();
    expect(await entry.textContent()).toContain('user');
    await page.getByRole('row').filter({ hasText: 'auth.login' }).first().waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-audit.png', fullPage: true });

    // The action filter narrows the table to user.create events only.
    await page.getByLabel('Action').fill('user.create');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=user\.create/);
    await page.getByRole('row').filter({ hasText: 'auth.login' }).first().waitFor({ state: 'detached' });
    await entry.waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await nav.waitFor({ state: 'detached' });

    // The session is gone on the server too: a fresh load lands on the login page again.
    await page.goto('/users');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(problems).toEqual([]);
  });

  it('shows the API error on a wrong password, and a token secret only once', async () => {
    const page = await openPage();
    await logIn(page, 'not-the-password-at-all');
    const alert = page.getByRole('alert').filter({ hasText: 'Could not log in.' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('VIGIL_AUTH_INVALID_CREDENTIALS');
    expect(await page.getByLabel('Password').inputValue()).toBe('');

    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();

    const name = `e2e token ${randomUUID().slice(0, 6)}`;
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('checkbox', { name: 'job.read' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();

    await page.getByRole('heading', { name: `Token “${name}” created` }).waitFor();
    await page.getByText('It is shown only once').waitFor();
    const secretBox = page.getByLabel('Token secret');
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^vgl_/);

    const row = page.getByRole('row').filter({ hasText: name });
    await row.waitFor();
    // The list shows the token's prefix (as the server knows it), never the secret.
    const listed = (await (await page.request.get('/api/v1/tokens')).json()) as { tokens: { name: string; prefix: string }[] };
    const prefix = listed.tokens.find((t) => t.name === name)?.prefix ?? '';
    expect(prefix.length).toBeGreaterThan(0);
    expect(secret).toContain(prefix);
    await row.getByRole('cell', { name: `${prefix}…`, exact: true }).waitFor();
    expect(await row.textContent()).not.toContain(secret);

    // The secret the page showed is the real one: it reads jobs within its scope.
    const withToken = await fetch(`${server.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${secret}` } });
    expect(withToken.status).toBe(200);

    await page.getByRole('button', { name: 'I have stored the secret' }).click();
    await secretBox.waitFor({ state: 'detached' });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    // Revoking takes a second, explicit confirmation; the token stops working at once.
    await row.getByRole('button', { name: `Revoke token ${name}` }).click();
    await row.getByRole('button', { name: 'Confirm revoke' }).click();
    await row.getByText('revoked', { exact: true }).waitFor();
    const afterRevoke = await fetch(`${server.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${secret}` } });
    expect(afterRevoke.status).toBe(401);
    expect(problems).toEqual([]);
  });
});
