/** Shared pieces of the review suites: synthetic images, uploads that run their capture job, and reading cases back. */
import sharp from 'sharp';
import { expect } from 'vitest';
import type { Actor, TestApp } from '../app.ts';
import { drainJobs, multipart } from '../intake/helpers.ts';

/** A textured synthetic image (PDQ quality well above 50); `seed` makes unrelated ones. */
export async function syntheticImage(seed: number, size = 256): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const block = ((Math.floor(x / (16 + seed)) * 7 + Math.floor(y / (24 + seed)) * 13 + seed * 5) % 9) * 20;
      const wave = 60 * Math.sin(x / (9 + seed) + seed) + 50 * Math.cos((y * (1 + seed / 3)) / 13);
      const v = Math.max(0, Math.min(255, Math.round(60 + block + wave + (x > size * 0.6 && y < size * 0.3 ? 70 : 0))));
      raw[i] = v;
      raw[i + 1] = (v * (seed + 3)) % 256;
      raw[i + 2] = 255 - v;
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

export async function ok<T = Record<string, unknown>>(res: { statusCode: number; body: string }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** Uploads a file, runs its capture job (fingerprint, match, case) and returns the item id. */
export async function upload(t: TestApp, actor: Actor, bytes: Buffer, name: string, type = 'image/png'): Promise<string> {
  const mp = multipart(bytes, name, type);
  const res = await t.as(actor, 'POST', '/api/v1/items/upload', mp.body, mp.headers);
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`upload failed: ${res.statusCode} ${res.body}`);
  const itemId = (JSON.parse(res.body) as { item: { id: string } }).item.id;
  await drainJobs(t.platform);
  return itemId;
}

/** The case an item is in now. */
export async function caseOf(t: TestApp, itemId: string): Promise<string> {
  const r = await t.db.db.selectFrom('case_item').select('case_id').where('item_id', '=', itemId).executeTakeFirst();
  expect(r, `item ${itemId} is in no case`).toBeDefined();
  return r!.case_id;
}

export interface DecisionBody {
  id: string;
  caseId: string;
  itemIds: string[];
  status: string;
  verdict: string;
  undoUntil: number;
  publishedAt: number | null;
  reviewer: { userId: string; name: string };
  approval: { approverId: string; decision: string; note: string | null } | null;
}

export interface CaseBody {
  id: string;
  status: string;
  itemCount: number;
  leadItem: { id: string; fileName: string | null; latestCaptureId: string | null };
  priority: { score: number; summary: string; parts: { kind: string; points: number; text: string }[] };
  tier: string | null;
  latestDecision: DecisionBody | null;
}

export interface CaseDetailBody {
  case: CaseBody;
  items: { id: string; matches: { entryId: string }[] }[];
  decisions: DecisionBody[];
  events: { action: string; detail: Record<string, unknown> }[];
}
