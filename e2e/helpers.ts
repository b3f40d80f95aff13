/**
 * Shared pieces of the browser suites: pages that report their errors, logging in through the
 * form, reading facts lists, and API calls for setting up what a test is not about.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './server.ts';

/**
 * A page in a fresh browser context (its own cookies, so one person), waiting up to `timeoutMs`.
 * Uncaught page errors and console errors other than failed loads go to `problems`, which a test
 * expects to stay empty. The caller closes `page.context()`.
 */
export async function newPage(browser: Browser, baseURL: string, timeoutMs: number, problems: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  return page;
}

/**
 * Pages for a test with several people, each in a context of their own, all closed by `closeAll`
 * (after each test). `at` is read when a page opens: the browser, the server and `problems` are set
 * or replaced by then.
 */
export function browserPages(at: () => { browser: Browser; baseURL: string; problems: string[] }, timeoutMs: number) {
  let contexts: BrowserContext[] = [];
  return {
    open: async (): Promise<Page> => {
      const { browser, baseURL, problems } = at();
      const page = await newPage(browser, baseURL, timeoutMs, problems);
      contexts.push(page.context());
      return page;
    },
    closeAll: async (): Promise<void> => {
      for (const c of contexts) await c.close();
      contexts = [];
    },
  };
}

/** Logs in through the form and waits for the overview. */
export async function logIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** The value (`<dd>`) next to a term (`<dt>`) in a facts list. */
export function fact(scope: Locator | Page, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

/** A JSON call with the page's session, for setting up what the test is not about. */
export async function apiCall<T>(page: Page, method: 'GET' | 'POST', path: string, data?: unknown): Promise<T> {
  const me = (await (await page.request.get('/api/v1/auth/me')).json()) as { csrfToken: string };
  const res = await page.request.fetch(`/api/v1${path}`, { method, headers: { 'x-csrf-token': me.csrfToken }, ...(data === undefined ? {} : { data }) });
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as T;
}

/** A cookie session against the API, as the browser has one (cookie plus CSRF token), without a browser. */
export class ApiSession {
  private readonly base: string;
  private readonly cookie: string;
  private readonly csrf: string;

  private constructor(base: string, cookie: string, csrf: string) {
    this.base = base;
    this.cookie = cookie;
    this.csrf = csrf;
  }

  static async login(base: string, email: string, password: string): Promise<ApiSession> {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { csrfToken: string };
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return new ApiSession(base, cookie, body.csrfToken);
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, expected = method === 'POST' ? 201 : 200): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'POST' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  async upload(name: string, type: string, bytes: Buffer): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
    const res = await fetch(`${this.base}/api/v1/items/upload`, { method: 'POST', headers: { cookie: this.cookie, 'x-csrf-token': this.csrf }, body: form });
    if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
  }
}
