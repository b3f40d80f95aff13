/** `vigil order list|show|approve|document`, the real binary on both databases, four eyes included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { SECTIONS } from './helpers.ts';
import type { ProposeInput } from '../../src/domains/order/order.service.ts';

describe.each(DIALECTS)('vigil order on %s', { timeout: 120_000 }, (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let orderId: string;
  const AGENCY = 'CLI order unit';
  const PROPOSER = 'cli-proposer@example.test';
  const APPROVER = 'cli-order-approver@example.test';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-order-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_REVIEW_UNDO_SECONDS: '0' };
    const platform = createPlatform({ db: db.db, dialect, config: loadConfig(env), clock: systemClock, ids: uuidIds, hasher: argon2PasswordHasher, blobRoot: join(dir, 'blobs') });
    const agency = await platform.systemScope('test', null).agencies().create({ name: AGENCY, kind: 'authority', operator: false });
    const providerAgency = await platform.systemScope('test', null).agencies().create({ name: 'CLI host T&S', kind: 'provider', operator: false });
    const users = platform.systemScope('test', agency.id).usersOf(agency.id);
    const proposer = await users.create({ email: PROPOSER, displayName: 'CLI proposer', password: PASSWORD, roles: ['reviewer', 'approver'] });
    await users.create({ email: APPROVER, displayName: 'CLI approver', password: PASSWORD, roles: ['approver'] });
    const as = platform.agencyServices(agency.id, { agencyId: agency.id, userId: proposer.id, actor: 'test', clientIp: null, requestId: null });
    await as.providers().create({ name: 'CLI Host', domainPatterns: ['cli-host.example'], providerAgencyId: providerAgency.id, mainEstablishment: 'IE' });
    const { item } = await as.intake().submitUrl('https://cli-host.example/post/1', 'cli');
    const { caseId } = await as.review().assignItem(item.id);
    await as.review().decide(caseId, { verdict: 'terrorist_content', grounds: ['b'], reasons: 'Synthetic reasons' });
    orderId = (await as.orders().propose({ itemIds: [item.id], referenceNumber: 'CLI-1', issuingState: 'IE', ...(SECTIONS as unknown as Pick<ProposeInput, 'authority' | 'followUpContact' | 'redress'>), emergency: { declared: true, reason: 'imminent threat' } })).order.id;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and shows orders, refuses the proposer’s own approval, approves as another user and writes the signed document', async () => {
    const list = await vigil(env, ['order', 'list', '--agency', AGENCY]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${orderId}  proposed   CLI-1  CLI Host  1 item(s)  EMERGENCY`);

    const own = await vigil(env, ['order', 'approve', orderId, '--as', PROPOSER]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('VIGIL_ORDER_OWN_APPROVAL');

    const approved = await vigil(env, ['order', 'approve', orderId, '--as', APPROVER, '--json']);
    expect(approved.code).toBe(0);
    const detail = JSON.parse(approved.stdout);
    expect(detail.order).toMatchObject({ status: 'running', referenceNumber: 'CLI-1' });

    const shown = await vigil(env, ['order', 'show', orderId, '--agency', AGENCY]);
    expect(shown.stdout).toMatch(/approved\s+cli:.* as user:cli-order-approver@example.test/);

    const file = join(dir, 'order.json');
    const doc = await vigil(env, ['order', 'document', orderId, '--agency', AGENCY, '--out', file]);
    expect(doc.code).toBe(0);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(detail.order.document.sha256);
    expect(doc.stdout).toContain(`sha256:${detail.order.document.sha256}`);
  });
});
