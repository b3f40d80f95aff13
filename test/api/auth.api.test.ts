import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, PASSWORD, snapshot, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

describe.each(DIALECTS)('auth on %s', (dialect) => {
  let t: TestApp;
  let agency: Agency;
  beforeAll(async () => {
    t = await createTestApp(dialect, { VIGIL_LOGIN_MAX_FAILURES: '3', VIGIL_LOGIN_RATE_PER_MINUTE: '1000' });
    agency = await t.createAgency('Unit A');
  });
  afterAll(async () => t.close());

  it('logs in with a cookie that is httpOnly and SameSite=Strict, and /auth/me answers', async () => {
    const u = await t.createUser(agency, ['analyst']);
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email.toUpperCase(), password: PASSWORD });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'vigil_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.secure).toBeFalsy();
    const body = res.json();
    expect(body.user.email).toBe(u.email);
    expect(body.permissions).toContain('blob.write');
    const me = await t.as({ user: body.user, agency: body.agency, cookie: `vigil_session=${cookie?.value}`, csrf: body.csrfToken }, 'GET', '/api/v1/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(u.id);
  });

  it('refuses a wrong password with a stable code and records it', async () => {
    const u = await t.createUser(agency, ['analyst']);
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: 'wrong password here' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('VIGIL_AUTH_INVALID_CREDENTIALS');
    const events = await t.db.db.selectFrom('audit_event').selectAll().where('target_id', '=', u.id).where('action', '=', 'auth.login_failed').execute();
    expect(events).toHaveLength(1);
  });

  it('gives the same answer for an unknown e-mail as for a wrong password', async () => {
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: 'nobody@example.test', password: 'whatever it is' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('VIGIL_AUTH_INVALID_CREDENTIALS');
  });

  it('locks an account after repeated failures, even for the right password, until the lockout ends', async () => {
    const u = await t.createUser(agency, ['analyst']);
    for (let i = 0; i < 2; i++) expect((await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: 'nope nope nope' })).statusCode).toBe(401);
    const third = await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: 'nope nope nope' });
    expect(third.statusCode).toBe(423);
    expect(third.json().error.code).toBe('VIGIL_AUTH_LOCKED');
    const right = await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: PASSWORD });
    expect(right.statusCode).toBe(423);
    t.clock.advance(t.config.loginLockoutMs + 1);
    expect((await t.as(null, 'POST', '/api/v1/auth/login', { email: u.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('requires the CSRF header on mutating cookie requests', async () => {
    const a = await t.actor(agency, ['admin']);
    const before = await snapshot(t);
    const body = { email: 'csrf-victim@example.test', displayName: 'X', password: 'a long enough password', roles: ['analyst'] };
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: body, headers: { cookie: a.cookie } });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.code).toBe('VIGIL_CSRF_INVALID');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: body, headers: { cookie: a.cookie, 'x-csrf-token': 'forged' } });
    expect(wrong.json().error.code).toBe('VIGIL_CSRF_INVALID');
    expect(await snapshot(t)).toEqual(before);
    expect((await t.as(a, 'POST', '/api/v1/users', body)).statusCode).toBe(201);
  });

  it('ends the session at logout', async () => {
    const a = await t.actor(agency, ['analyst']);
    expect((await t.as(a, 'POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    const me = await t.as(a, 'GET', '/api/v1/auth/me');
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('VIGIL_AUTH_REQUIRED');
  });

  it('expires sessions after their lifetime', async () => {
    const a = await t.actor(agency, ['analyst']);
    t.clock.advance(t.config.sessionTtlMs + 1);
    expect((await t.as(a, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
  });

  it('refuses a disabled user, and disabling ends nothing else', async () => {
    const admin = await t.actor(agency, ['admin']);
    const victim = await t.actor(agency, ['analyst']);
    expect((await t.as(admin, 'PATCH', `/api/v1/users/${victim.user.id}`, { disabled: true })).statusCode).toBe(200);
    expect((await t.as(victim, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    const again = await t.as(null, 'POST', '/api/v1/auth/login', { email: victim.user.email, password: PASSWORD });
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe('VIGIL_AUTH_DISABLED');
    expect((await t.as(admin, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
  });

  it('rejects malformed login bodies with a validation error', async () => {
    for (const payload of [{}, { email: 'a@b.c' }, { email: 'a@b.c', password: 'x', extra: 1 }, 'not json']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: payload as object, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VIGIL_VALIDATION_FAILED');
    }
  });
});

describe('login rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { VIGIL_LOGIN_RATE_PER_MINUTE: '3' });
  });
  afterAll(async () => t.close());

  it('answers 429 VIGIL_RATE_LIMITED past the per-minute limit', async () => {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await t.as(null, 'POST', '/api/v1/auth/login', { email: 'x@example.test', password: 'whatever it is' })).statusCode);
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    expect(codes[3]).toBe(429);
    const res = await t.as(null, 'POST', '/api/v1/auth/login', { email: 'x@example.test', password: 'whatever it is' });
    expect(res.json().error.code).toBe('VIGIL_RATE_LIMITED');
  });
});
