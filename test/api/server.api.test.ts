import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, PASSWORD, type TestApp } from '../app.ts';

describe('server basics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t.close());

  it('answers /healthz and /readyz', async () => {
    expect((await t.as(null, 'GET', '/healthz')).json().status).toBe('ok');
    const ready = await t.as(null, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: 'sqlite' });
  });

  it('sends security headers and a strict CSP', async () => {
    const res = await t.as(null, 'GET', '/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('gives each response a request id, and keeps a sane one the client sent', async () => {
    const a = await t.as(null, 'GET', '/healthz');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const b = await t.as(null, 'GET', '/healthz', undefined, { 'x-request-id': 'trace-42' });
    expect(b.headers['x-request-id']).toBe('trace-42');
    const c = await t.as(null, 'GET', '/healthz', undefined, { 'x-request-id': 'bad id\nwith newline' });
    expect(c.headers['x-request-id']).not.toContain('bad');
  });

  it('answers unknown API routes with a stable code', async () => {
    const res = await t.as(null, 'GET', '/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('VIGIL_ROUTE_NOT_FOUND');
  });

  it('refuses an oversized JSON body with 413', async () => {
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('VIGIL_BODY_TOO_LARGE');
  });

  it('serves OpenAPI 3.1 with every API route', async () => {
    const doc = (await t.as(null, 'GET', '/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    for (const r of t.app.vigilRoutes) expect(documented).toContain(`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect((await t.as(null, 'GET', '/api/docs/')).statusCode).toBe(200);
  });

  it('never writes a password, a session or an API token to the log', async () => {
    const agency = await t.createAgency('Log unit');
    const admin = await t.actor(agency, ['admin']);
    await t.as(null, 'POST', '/api/v1/auth/login', { email: admin.user.email, password: 'wrong but secret password' });
    const { secret } = (await t.as(admin, 'POST', '/api/v1/tokens', { name: 'log test', scopes: ['job.read'] })).json();
    await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization: `Bearer ${secret}` } });
    await t.as(admin, 'POST', '/api/v1/users', { email: 'logged@example.test', displayName: 'L', password: 'new user secret password', roles: [] });
    const sessionValue = admin.cookie.split('=')[1]!;
    const log = t.logs.join('');
    expect(log.length).toBeGreaterThan(1000);
    expect(log).toContain('/api/v1/jobs');
    for (const secretValue of [PASSWORD, 'wrong but secret password', 'new user secret password', secret, secret.slice(secret.indexOf('_', 4) + 1), sessionValue, admin.csrf]) {
      expect(log).not.toContain(secretValue);
    }
  });
});

describe('cookies behind TLS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { VIGIL_TRUST_PROXY: 'true' });
  });
  afterAll(async () => t.close());

  it('marks the session cookie Secure when the request came over HTTPS', async () => {
    const agency = await t.createAgency('TLS unit');
    const u = await t.createUser(agency, ['analyst']);
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(res.statusCode).toBe(200);
    expect(res.cookies.find((c) => c.name === 'vigil_session')?.secure).toBe(true);
  });
});
