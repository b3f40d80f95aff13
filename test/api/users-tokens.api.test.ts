import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, PASSWORD, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';

describe.each(DIALECTS)('users, tokens and audit on %s', (dialect) => {
  let t: TestApp;
  let agency: Agency;
  let admin: Actor;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    agency = await t.createAgency('Unit U');
    admin = await t.actor(agency, ['admin', 'auditor']);
  });
  afterAll(async () => t.close());

  it('creates a user with hashed password and audits it', async () => {
    const res = await t.as(admin, 'POST', '/api/v1/users', { email: 'New.Analyst@Example.test', displayName: 'New analyst', password: 'a long enough password', roles: ['analyst', 'reviewer'] });
    expect(res.statusCode).toBe(201);
    const u = res.json();
    expect(u.email).toBe('new.analyst@example.test');
    expect(u.roles).toEqual(['analyst', 'reviewer']);
    expect(u).not.toHaveProperty('passwordHash');
    const row = await t.db.db.selectFrom('user_account').select('password_hash').where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    const audit = await t.as(admin, 'GET', `/api/v1/audit?action=user.create&targetId=${u.id}`);
    expect(audit.json().events).toHaveLength(1);
    expect(audit.json().events[0]).toMatchObject({ actor: `user:${admin.user.email}`, userId: admin.user.id, agencyId: agency.id, targetType: 'user' });
    expect(audit.json().events[0].requestId).toBeTruthy();
  });

  it('rejects bad user input precisely and stores nothing', async () => {
    const before = await snapshot(t);
    const cases: [unknown, number, string][] = [
      [{ email: 'not-an-email', displayName: 'x', password: 'a long enough password', roles: [] }, 400, 'VIGIL_VALIDATION_FAILED'],
      [{ email: 'a@example.test', displayName: 'x', password: 'short', roles: [] }, 400, 'VIGIL_USER_PASSWORD_WEAK'],
      [{ email: 'a@example.test', displayName: 'x', password: 'a long enough password', roles: ['superuser'] }, 400, 'VIGIL_VALIDATION_FAILED'],
      [{ email: 'a@example.test', displayName: '   ', password: 'a long enough password', roles: [] }, 400, 'VIGIL_VALIDATION_FAILED'],
      [{ email: admin.user.email, displayName: 'x', password: 'a long enough password', roles: [] }, 409, 'VIGIL_USER_EMAIL_TAKEN'],
      [{ email: 'b@example.test', displayName: 'x'.repeat(201), password: 'a long enough password', roles: [] }, 400, 'VIGIL_VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.as(admin, 'POST', '/api/v1/users', body);
      expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
      expect(res.json().error.message.length).toBeGreaterThan(10);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('will not let an admin disable themselves or drop their own admin role', async () => {
    const before = await snapshot(t);
    const res = await t.as(admin, 'PATCH', `/api/v1/users/${admin.user.id}`, { roles: ['analyst'] });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('VIGIL_USER_SELF_LOCKOUT');
    expect(await snapshot(t)).toEqual(before);
  });

  it('resets a password: old sessions end, the new password works', async () => {
    const victim = await t.actor(agency, ['analyst']);
    expect((await t.as(admin, 'POST', `/api/v1/users/${victim.user.id}/password`, { password: 'another long password' })).statusCode).toBe(204);
    expect((await t.as(victim, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    await expect(t.login(victim.user.email, PASSWORD)).rejects.toThrow(/401/);
    await t.login(victim.user.email, 'another long password');
  });

  it('creates a token shown once, stores only its hash, and the token works within its scopes', async () => {
    const res = await t.as(admin, 'POST', '/api/v1/tokens', { name: 'ingest bot', scopes: ['job.read'], expiresInDays: 7 });
    expect(res.statusCode).toBe(201);
    const { token, secret } = res.json();
    expect(secret).toMatch(/^vgl_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`vgl_${token.prefix}_`)).toBe(true);
    const rows = await t.db.db.selectFrom('api_token').selectAll().where('api_token_id', '=', token.id).execute();
    expect(JSON.stringify(rows)).not.toContain(secret.slice(`vgl_${token.prefix}_`.length));
    const list = await t.as(admin, 'GET', '/api/v1/tokens');
    expect(JSON.stringify(list.json())).not.toContain(secret);

    const bearer = { authorization: `Bearer ${secret}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: bearer })).statusCode).toBe(200);
    const denied = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('VIGIL_FORBIDDEN');
    // Tokens need no CSRF header: they are not ambient credentials.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer })).statusCode).toBe(200);

    expect((await t.as(admin, 'DELETE', `/api/v1/tokens/${token.id}`)).json().revokedAt).not.toBeNull();
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('VIGIL_AUTH_TOKEN_INVALID');
  });

  it('expires tokens', async () => {
    const { secret } = (await t.as(admin, 'POST', '/api/v1/tokens', { name: 'short', scopes: ['job.read'], expiresInDays: 1 })).json();
    t.clock.advance(86_400_000 + 1);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization: `Bearer ${secret}` } });
    expect(res.statusCode).toBe(401);
    t.clock.advance(-(86_400_000 + 1));
  });

  it('refuses token scopes beyond the owner’s permissions and bad lifetimes', async () => {
    const analyst = await t.actor(agency, ['analyst']);
    const before = await snapshot(t);
    const over = await t.as(analyst, 'POST', '/api/v1/tokens', { name: 'x', scopes: ['user.manage'] });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.code).toBe('VIGIL_TOKEN_SCOPE_INVALID');
    const long = await t.as(analyst, 'POST', '/api/v1/tokens', { name: 'x', scopes: ['blob.read'], expiresInDays: 1000 });
    expect(long.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization: 'Bearer vgl_garbage' } })).json().error.code).toBe('VIGIL_AUTH_TOKEN_INVALID');
    expect(await snapshot(t)).toEqual(before);
  });

  it('pages through the audit log and exports it as JSON lines', async () => {
    const page1 = (await t.as(admin, 'GET', '/api/v1/audit?limit=2')).json();
    expect(page1.events).toHaveLength(2);
    expect(page1.nextBefore).toBe(page1.events[1].id);
    const page2 = (await t.as(admin, 'GET', `/api/v1/audit?limit=2&before=${page1.nextBefore}`)).json();
    expect(page2.events[0].id < page1.events[1].id).toBe(true);
    const exp = await t.as(admin, 'GET', '/api/v1/audit/export');
    expect(exp.headers['content-type']).toContain('application/x-ndjson');
    const lines = exp.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((e) => e.agencyId === agency.id)).toBe(true);
  });
});
