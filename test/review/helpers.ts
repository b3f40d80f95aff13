/** Shared pieces of the review suites: uploads that run their capture job, and reading cases back. */
import { expect } from 'vitest';
import type { Actor, TestApp } from '../app.ts';
import { drainJobs, multipart } from '../intake/helpers.ts';

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
