/** `vigil review list|show|decide|approve`, the real binary on both databases, four eyes included. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../databases.ts';
import { loadConfig } from '../../src/app/config.ts';
import { createPlatform } from '../../src/app/platform.ts';
import { argon2PasswordHasher } from '../../src/adapters/crypto/argon2-password-hasher.ts';
import { systemClock } from '../../src/adapters/system/system-clock.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { PASSWORD } from '../app.ts';
import { vigil } from '../intake/helpers.ts';

describe.each(DIALECTS)('vigil review on %s', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let caseId: string;
  const AGENCY = 'CLI review unit';
  const REVIEWER = 'cli-reviewer@example.test';
  const APPROVER = 'cli-approver@example.test';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-review-cli-'));
    // No undo window, so a decision publishes at once and the approval can follow in the next command.
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_REVIEW_UNDO_SECONDS: '0' };
    const config = loadConfig(env);
    const platform = createPlatform({ db: db.db, dialect, config, clock: systemClock, ids: uuidIds, hasher: argon2PasswordHasher, blobRoot: join(dir, 'blobs') });
    const agency = await platform.systemScope('test', null).agencies().create({ name: AGENCY, kind: 'authority', operator: false });
    const users = platform.systemScope('test', agency.id).usersOf(agency.id);
    await users.create({ email: REVIEWER, displayName: 'CLI reviewer', password: PASSWORD, roles: ['reviewer', 'approver'] });
    await users.create({ email: APPROVER, displayName: 'CLI approver', password: PASSWORD, roles: ['approver'] });
    const services = platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'test', clientIp: null, requestId: null });
    const { item } = await services.intake().submitFile(Readable.from([Buffer.from('synthetic file for the review CLI')]), 'synthetic.bin', 'application/octet-stream');
    await services.capture().capture(item.id);
    caseId = (await db.db.selectFrom('case_item').select('case_id').where('item_id', '=', item.id).executeTakeFirstOrThrow()).case_id;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each command is a fresh Node process; several of them run in one test.
  it('lists and shows cases, and refuses a decision without grounds, with a bad ground or without the permission', async () => {
    const list = await vigil(env, ['review', 'list', '--agency', AGENCY, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).cases.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[caseId, 'open']]);
    const show = await vigil(env, ['review', 'show', caseId, '--as', REVIEWER, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ case: { id: caseId, itemCount: 1, leadItem: { fileName: 'synthetic.bin' } }, decisions: [] });

    const noGrounds = await vigil(env, ['review', 'decide', caseId, '--verdict', 'terrorist_content', '--reasons', 'synthetic', '--as', REVIEWER]);
    expect(noGrounds.code).toBe(2);
    expect(noGrounds.stderr).toContain('VIGIL_REVIEW_GROUNDS_REQUIRED');
    const badGround = await vigil(env, ['review', 'decide', caseId, '--verdict', 'terrorist_content', '--grounds', 'a,z', '--reasons', 'synthetic', '--as', REVIEWER]);
    expect(badGround.code).toBe(2);
    expect(badGround.stderr).toMatch(/unknown ground: z/);
    const notAllowed = await vigil(env, ['review', 'decide', caseId, '--verdict', 'not_terrorist_content', '--reasons', 'synthetic', '--as', APPROVER]);
    expect(notAllowed.code).toBe(2);
    expect(notAllowed.stderr).toMatch(/lacks the review.decide permission/);
    expect(await db.db.selectFrom('review_decision').select('decision_id').execute()).toEqual([]);
  }, 120_000);

  it('decides on behalf of a reviewer and needs a second person to approve', async () => {

    const decided = await vigil(env, ['review', 'decide', caseId, '--verdict', 'terrorist_content', '--grounds', 'c,a', '--reasons', 'synthetic: solicits', '--tier', 'crisis', '--propose-order', '--as', REVIEWER, '--json']);
    expect(decided.code, decided.stderr).toBe(0);
    const decision = JSON.parse(decided.stdout).decision;
    expect(decision).toMatchObject({ caseId, grounds: ['a', 'c'], tier: 'crisis', proposeOrder: true, status: 'awaiting_approval', reviewer: { name: 'CLI reviewer' } });

    const own = await vigil(env, ['review', 'approve', decision.id, '--as', REVIEWER]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('VIGIL_REVIEW_OWN_DECISION');
    const approved = await vigil(env, ['review', 'approve', decision.id, '--as', APPROVER, '--note', 'synthetic: agreed', '--json']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout).decision).toMatchObject({ status: 'approved', approval: { approverName: 'CLI approver', decision: 'approved', note: 'synthetic: agreed' } });

    const decidedList = await vigil(env, ['review', 'list', '--agency', AGENCY, '--status', 'decided']);
    expect(decidedList.code, decidedList.stderr).toBe(0);
    expect(decidedList.stdout).toContain(caseId);
    const audit = await db.db.selectFrom('audit_event').select(['action', 'actor']).where('target_id', '=', decision.id).orderBy('audit_event_id').execute();
    expect(audit.map((a) => a.action)).toEqual(['review.decide', 'review.approve']);
    expect(audit[1]!.actor).toMatch(/as user:cli-approver@example.test$/);
  }, 120_000);
});
