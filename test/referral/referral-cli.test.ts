/** `vigil referral create|send|list|show|close`, the real binary on both databases. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../databases.ts';
import { loadConfig } from '../../src/app/config.ts';
import { createPlatform } from '../../src/app/platform.ts';
import { argon2PasswordHasher } from '../../src/adapters/crypto/argon2-password-hasher.ts';
import { systemClock } from '../../src/adapters/system/system-clock.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { PASSWORD } from '../app.ts';
import { vigil } from '../intake/helpers.ts';

describe.each(DIALECTS)('vigil referral on %s', { timeout: 120_000 }, (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let itemId: string;
  const AGENCY = 'CLI referral unit';
  const ANALYST = 'cli-referrer@example.test';
  const AUDITOR = 'cli-auditor@example.test';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-referral-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_REVIEW_UNDO_SECONDS: '0' };
    const platform = createPlatform({ db: db.db, dialect, config: loadConfig(env), clock: systemClock, ids: uuidIds, hasher: argon2PasswordHasher, blobRoot: join(dir, 'blobs') });
    const agencies = platform.systemScope('test', null).agencies();
    const agency = await agencies.create({ name: AGENCY, kind: 'authority', operator: false });
    const host = await agencies.create({ name: 'CLI host trust and safety', kind: 'provider', operator: false });
    const users = platform.systemScope('test', agency.id).usersOf(agency.id);
    const analyst = await users.create({ email: ANALYST, displayName: 'CLI analyst', password: PASSWORD, roles: ['analyst'] });
    await users.create({ email: AUDITOR, displayName: 'CLI auditor', password: PASSWORD, roles: ['auditor'] });
    const services = platform.agencyServices(agency.id, { agencyId: agency.id, userId: analyst.id, actor: 'test', clientIp: null, requestId: null });
    await services.providers().create({ name: 'CLI Host', domainPatterns: ['cli-host.example'], providerAgencyId: host.id });
    const { item } = await services.intake().submitUrl('https://cli-host.example/post/1', 'ui');
    await db.db.deleteFrom('job').where('name', '=', 'capture.fetch').execute();
    const { caseId } = await services.review().assignItem(item.id);
    await services.review().decide(caseId, { verdict: 'terrorist_content', grounds: ['c'], reasons: 'Synthetic recruitment call.' });
    itemId = item.id;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drafts, sends, lists, shows and closes a referral, and refuses a user without the permission or a second send', async () => {
    const refused = await vigil(env, ['referral', 'create', '--items', itemId, '--as', AUDITOR]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('lacks the review.decide permission');

    const created = await vigil(env, ['referral', 'create', '--items', itemId, '--reference', 'CLI-1', '--as', ANALYST, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const draft = JSON.parse(created.stdout);
    expect(draft).toMatchObject({ referral: { state: 'draft', reference: 'CLI-1', reasons: 'Synthetic recruitment call.' }, items: [{ itemId, grounds: ['c'] }] });
    const id = draft.referral.id as string;

    const sent = await vigil(env, ['referral', 'send', id, '--as', ANALYST, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ referral: { state: 'delivered' }, dispatches: [{ channel: 'portal', state: 'delivered' }] });
    const again = await vigil(env, ['referral', 'send', id, '--as', ANALYST]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('VIGIL_REFERRAL_INVALID_TRANSITION');

    const list = await vigil(env, ['referral', 'list', '--agency', AGENCY, '--state', 'delivered', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).referrals.map((r: { id: string }) => r.id)).toEqual([id]);
    const show = await vigil(env, ['referral', 'show', id, '--as', AUDITOR]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('https://cli-host.example/post/1');
    expect(show.stdout).toContain('CLI-1');

    const closed = await vigil(env, ['referral', 'close', id, '--as', ANALYST, '--note', 'Withdrawn.', '--json']);
    expect(closed.code, closed.stderr).toBe(0);
    expect(JSON.parse(closed.stdout).referral).toMatchObject({ state: 'closed', closeNote: 'Withdrawn.' });
  });
});
