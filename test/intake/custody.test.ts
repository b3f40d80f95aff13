/**
 * The custody chain against an attacker with database access, on both databases: the real
 * `vigil custody verify` passes on an honest chain and, for each way of tampering with the rows
 * (edit, delete, forge, reorder, cut the tail after a checkpoint), exits 1 naming the first bad
 * seq. Also the `custody.checkpoint` job: Ed25519-signed, and timestamped by a real RFC 3161 TSA.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { startTestTsa, type TestTsa } from '../tsa-server.ts';
import { sha256, verifyWithPublicKey } from '../../src/adapters/crypto/instance-key.ts';
import { verifyTimestamp } from '../../src/adapters/crypto/tsa-client.ts';
import { checkpointMessage, computeEventHash } from '../../src/algorithms/custody-chain/custody-chain.ts';
import type { Dialect } from '../../src/adapters/db/database.ts';
import { drainJobs, run, send, servicesOf, startSite, syntheticPage, vigil, type TestSite } from './helpers.ts';

let site: TestSite;
let tsa: TestTsa;

beforeAll(async () => {
  site = await startSite({});
  for (let i = 0; i < 3; i++) site.route(`/page/${i}`, send(syntheticPage({ title: `Synthetic page ${i}` })));
  tsa = await startTestTsa();
});
afterAll(async () => {
  await site.close();
  await tsa.close();
});

/** A fresh instance with three captured pages: 3 × (body, WARC, text blobs + capture) = 12 events. */
async function capturedInstance(dialect: Dialect, env: Record<string, string> = {}): Promise<{ t: TestApp; agencyId: string }> {
  const t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false', ...env });
  const agency = await t.createAgency('Custody unit');
  const svc = servicesOf(t.platform, agency.id);
  for (let i = 0; i < 3; i++) {
    await svc.intake().submitUrl(site.url(`/page/${i}`), 'api');
    t.clock.advance(1000);
  }
  const ran = await drainJobs(t.platform);
  expect(ran.map((j) => (j.result as { state: string }).state)).toEqual(['ok', 'ok', 'ok']);
  return { t, agencyId: agency.id };
}

const cliEnv = (t: TestApp) => ({ DATABASE_URL: t.db.url, VIGIL_DATA_DIR: t.dataDir });

interface VerifyOutput {
  ok: boolean;
  agencies: { agencyId: string; ok: boolean; events: number; checkpoints: number; headSeq: number | null; firstBadSeq: number | null; problem: string | null }[];
}

async function verifyCli(t: TestApp): Promise<{ code: number | null; out: VerifyOutput }> {
  const r = await vigil(cliEnv(t), ['custody', 'verify', '--json']);
  return { code: r.code, out: JSON.parse(r.stdout) };
}

/** What an attacker with database access does first: switch off the append-only triggers. */
async function dropAppendOnlyGuard(t: TestApp): Promise<void> {
  if (t.db.dialect === 'sqlite') {
    await sql`drop trigger custody_event_no_update`.execute(t.db.db);
    await sql`drop trigger custody_event_no_delete`.execute(t.db.db);
  } else {
    await sql`alter table custody_event disable trigger user`.execute(t.db.db);
  }
}

type Row = { custody_event_id: string; agency_id: string; seq: number; at: number; kind: string; actor: string; subject_type: string; subject_id: string; data: string; prev_hash: string; hash: string };

const rowAt = async (t: TestApp, seq: number) => (await t.db.db.selectFrom('custody_event').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow()) as unknown as Row;

/** Renumbers seq ≥ from by +delta in two steps, so the unique (agency, seq) index never sees a clash. */
async function shiftSeqs(t: TestApp, from: number, delta: number): Promise<void> {
  await t.db.db.updateTable('custody_event').set((eb) => ({ seq: eb('seq', '+', 1_000_000) })).where('seq', '>=', from).execute();
  await t.db.db.updateTable('custody_event').set((eb) => ({ seq: eb('seq', '-', 1_000_000 - delta) })).where('seq', '>=', 1_000_000).execute();
}

describe.each(DIALECTS)('custody chain on %s', (dialect) => {
  describe('an honest chain, its checkpoints, and a cut tail', () => {
    let t: TestApp;
    let agencyId: string;
    beforeAll(async () => {
      ({ t, agencyId } = await capturedInstance(dialect, { VIGIL_TSA_URL: tsa.url, VIGIL_TSA_CA: tsa.caCertPath }));
    });
    afterAll(async () => t.close());

    it('verifies with exit 0', async () => {
      const { code, out } = await verifyCli(t);
      expect(code).toBe(0);
      expect(out).toEqual({ ok: true, agencies: [{ agencyId, ok: true, events: 12, checkpoints: 0, headSeq: 12, firstBadSeq: null, problem: null }] });
    });

    it('signs a checkpoint of the head with the instance key, timestamped by the TSA', async () => {
      const tsaCalls = tsa.requests.length;
      await t.platform.queue.enqueue('custody.checkpoint', {});
      const [job] = await drainJobs(t.platform);
      expect(job).toMatchObject({ name: 'custody.checkpoint', state: 'done', result: { signed: 1 } });
      const rows = await t.db.db.selectFrom('custody_checkpoint').selectAll().execute();
      expect(rows).toHaveLength(1);
      const cp = rows[0]!;
      const head = await rowAt(t, 12);
      expect(cp).toMatchObject({ agency_id: agencyId, seq: 12, head_hash: head.hash });
      const body = { agencyId, seq: Number(cp.seq), headHash: cp.head_hash, at: Number(cp.at), instanceKeyId: cp.instance_key_id };
      const publicKey = readFileSync(join(t.dataDir, 'keys', 'instance-ed25519.pub.pem'), 'utf8');
      expect(verifyWithPublicKey(publicKey, checkpointMessage(body), Buffer.from(cp.signature, 'base64'))).toBe(true);
      expect(verifyWithPublicKey(publicKey, checkpointMessage({ ...body, seq: 11 }), Buffer.from(cp.signature, 'base64'))).toBe(false);

      expect(tsa.requests.length).toBe(tsaCalls + 1);
      expect(cp.tsa_token).not.toBeNull();
      expect(Math.abs(Number(cp.tsa_time) - Date.now())).toBeLessThan(5 * 60_000);
      const digest = sha256(checkpointMessage(body));
      expect(await verifyTimestamp(Buffer.from(cp.tsa_token!, 'base64'), digest, tsa.caCertPath)).toBe(true);
      expect(await verifyTimestamp(Buffer.from(cp.tsa_token!, 'base64'), sha256(Buffer.from('another message')), tsa.caCertPath)).toBe(false);

      // Nothing new since: the next run signs nothing.
      await t.platform.queue.enqueue('custody.checkpoint', {}, { idempotencyKey: 'checkpoint-again' });
      expect((await drainJobs(t.platform))[0]).toMatchObject({ result: { signed: 0 } });
      const { code, out } = await verifyCli(t);
      expect(code).toBe(0);
      expect(out.agencies[0]).toMatchObject({ ok: true, checkpoints: 1 });
    });

    it('exits 1 when the newest events are deleted after a checkpoint, naming the first deleted seq', async () => {
      await dropAppendOnlyGuard(t);
      await t.db.db.deleteFrom('custody_event').where('seq', '>=', 11).execute();
      const { code, out } = await verifyCli(t);
      expect(code).toBe(1);
      expect(out.ok).toBe(false);
      expect(out.agencies[0]).toMatchObject({ ok: false, events: 10, firstBadSeq: 11 });
      expect(out.agencies[0]!.problem).toMatch(/checkpoint vouches for seq 12.*chain ends at 10/);
    });
  });

  const tampering: [string, (t: TestApp) => Promise<void>, number, RegExp][] = [
    [
      "a row's data is edited",
      async (t) => {
        const row = await rowAt(t, 6);
        const data = JSON.parse(row.data);
        await t.db.db.updateTable('custody_event').set({ data: JSON.stringify({ ...data, size: Number(data.size) + 1 }) }).where('seq', '=', 6).execute();
      },
      6,
      /event 6 does not match its hash/,
    ],
    ['a row is deleted', async (t) => void (await t.db.db.deleteFrom('custody_event').where('seq', '=', 5).execute()), 5, /seq 5 missing/],
    [
      'a forged row is inserted, with its hash computed as the format says',
      async (t) => {
        // Make room at seq 4, then forge an event that links correctly to seq 3.
        await shiftSeqs(t, 4, 1);
        const prev = await rowAt(t, 3);
        const body = { agencyId: prev.agency_id, seq: 4, at: Number(prev.at) + 1, kind: 'content.view', actor: 'user:forger@example.test', subject: { type: 'item', id: prev.subject_id }, data: { part: 'body' } };
        const hash = computeEventHash(body, prev.hash, sha256);
        await t.db.db
          .insertInto('custody_event')
          .values({ custody_event_id: '01a00000-0000-7000-8000-000000000001', agency_id: body.agencyId, seq: 4, at: body.at, kind: body.kind, actor: body.actor, subject_type: 'item', subject_id: prev.subject_id, data: JSON.stringify(body.data), prev_hash: prev.hash, hash })
          .execute();
      },
      // The forgery itself is consistent; the genuine event it displaced (now numbered 5) is not.
      5,
      /event 5 does not match its hash/,
    ],
    [
      'two rows swap places',
      async (t) => {
        await t.db.db.updateTable('custody_event').set({ seq: -1 }).where('seq', '=', 7).execute();
        await t.db.db.updateTable('custody_event').set({ seq: 7 }).where('seq', '=', 8).execute();
        await t.db.db.updateTable('custody_event').set({ seq: 8 }).where('seq', '=', -1).execute();
      },
      7,
      /event 7 does not match its hash/,
    ],
  ];

  it.each(tampering)('exits 1 when %s, naming the first bad seq', async (_what, tamper, firstBadSeq, problem) => {
    const { t, agencyId } = await capturedInstance(dialect);
    try {
      const custody = servicesOf(t.platform, agencyId).custody();
      expect(await custody.verify()).toMatchObject({ ok: true, events: 12 });
      await dropAppendOnlyGuard(t);
      await tamper(t);
      const r = await vigil(cliEnv(t), ['custody', 'verify']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`BAD  agency ${agencyId}: first bad event seq ${firstBadSeq}: `);
      expect(r.stdout).toMatch(problem);
      expect(await custody.verify()).toMatchObject({ ok: false, firstBadSeq });
    } finally {
      await t.close();
    }
  });

  it('keeps one gapless chain while other processes append at the same time', async () => {
    const t = await createTestApp(dialect, { VIGIL_SCREENSHOTS: 'false' });
    try {
      const agency = await t.createAgency('Busy unit');
      const log = servicesOf(t.platform, agency.id).custodyLog;
      const script = join(import.meta.dirname, 'append-custody-events.ts');
      const [a, b] = await Promise.all([
        run(process.execPath, [script, t.db.url, agency.id, '150']),
        run(process.execPath, [script, t.db.url, agency.id, '150']),
        (async () => {
          for (let i = 0; i < 50; i++) await log.append({ kind: 'content.view', subject: { type: 'item', id: `local-${i}` }, data: { i } });
        })(),
      ]);
      expect(a!.code, a!.stderr).toBe(0);
      expect(b!.code, b!.stderr).toBe(0);
      expect(await servicesOf(t.platform, agency.id).custody().verify()).toMatchObject({ ok: true, events: 350, headSeq: 350 });
    } finally {
      await t.close();
    }
  });
});
