/**
 * The separation matrix: every API route, tried as a user of another agency (holding every role)
 * and as every role that lacks the route's permission. Each attempt is refused with 403 or 404 and
 * leaves stored data unchanged. A new route without an entry in ROUTES fails this test.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { ROLES, permissionsOf, type Role } from '../../src/domains/auth/auth.model.ts';
import { describeAuth, type RouteAuth } from '../../src/app/http/route-auth.ts';
import { hmaNameOf } from '../../src/domains/hma/hma.model.ts';

interface Victim {
  agencyId: string;
  userId: string;
  tokenId: string;
  jobId: string;
  blobHash: string;
  itemId: string;
  captureId: string;
  sourceId: string;
  bankId: string;
  entryId: string;
  /** The victim bank's name on the HMA-compatible routes. */
  hmaBank: string;
  /** The case the uploaded item is in, and a draft decision on it proposing a removal order. */
  caseId: string;
  decisionId: string;
  /** An agency the victim's bank is shared with. */
  partnerAgencyId: string;
  /** An outlet the victim's analyst added to the instance-wide registry, and its channel. */
  outletId: string;
  channelId: string;
  /** A provider in the instance-wide registry, whose portal agency is the partner, and the victim's first-order notice to it. */
  providerId: string;
  dispatchId: string;
  /** A removal order the victim proposed to that provider, from a decided URL item. */
  orderId: string;
  /** A referral of the same item to that provider, removed by the partner, and the partner's complaint about the removal. */
  referralId: string;
  referralItemId: string;
  complaintId: string;
}

interface Attempt {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A token-only route (the HMA-compatible ones): sent with an API token carrying all the actor's permissions. */
  bearer?: true;
}

/** Annex I sections E–G of a removal order. */
const ORDER_SECTIONS = {
  authority: { type: 'law_enforcement', name: 'Synthetic unit', representative: 'Officer', fileNumber: 'F-1', address: '1 Test Street', telephone: '+1 555 0100', email: 'unit@authority.example' },
  followUpContact: { name: 'Desk', email: 'desk@authority.example', telephone: null },
  redress: { body: 'Court', deadline: 'one month', lawReference: 'Synthetic Act' },
};

/** A PDQ hash the victim banks in the bank of that HMA name, which another agency looks up. */
const victimPdq = (hmaBank: string) => createHash('sha256').update(`${hmaBank} pdq`).digest('hex');

/** The HMA-compatible routes at the root, aimed at the victim's bank by its HMA name. */
const HMA_ROUTES: Record<string, (v: Victim) => Attempt> = {
  'GET /status': () => ({ url: '/status', bearer: true }),
  'GET /site-map': () => ({ url: '/site-map', bearer: true }),
  'GET /h/hash': () => ({ url: '/h/hash?url=http%3A%2F%2F10.255.255.1%2Fx.png', bearer: true }),
  'POST /h/hash': () => ({ url: '/h/hash', ...multipart('intruder bytes', 'photo'), bearer: true }),
  'GET /m/raw_lookup': (v) => ({ url: `/m/raw_lookup?signal_type=pdq&signal=${victimPdq(v.hmaBank)}&include_distance=true`, bearer: true }),
  'GET /m/lookup': (v) => ({ url: `/m/lookup?signal_type=pdq&signal=${victimPdq(v.hmaBank)}&banks=${v.hmaBank}`, bearer: true }),
  'POST /m/lookup': () => ({ url: '/m/lookup', ...multipart('intruder bytes', 'photo'), bearer: true }),
  'POST /m/compare': () => ({ url: '/m/compare', body: { pdq: [PLANTED_PDQ, PLANTED_PDQ] }, bearer: true }),
  'GET /m/index/status': () => ({ url: '/m/index/status', bearer: true }),
  'GET /c/banks': () => ({ url: '/c/banks', bearer: true }),
  'POST /c/banks': () => ({ url: '/c/banks', body: { name: 'INTRUDER_BANK' }, bearer: true }),
  'GET /c/bank/:bank_name': (v) => ({ url: `/c/bank/${v.hmaBank}`, bearer: true }),
  'PUT /c/bank/:bank_name': (v) => ({ url: `/c/bank/${v.hmaBank}`, body: { enabled: false }, bearer: true }),
  'DELETE /c/bank/:bank_name': (v) => ({ url: `/c/bank/${v.hmaBank}`, bearer: true }),
  'POST /c/bank/:bank_name/content': (v) => ({ url: `/c/bank/${v.hmaBank}/content?url=http%3A%2F%2F10.255.255.1%2Fx.png`, bearer: true }),
  'POST /c/bank/:bank_name/signal': (v) => ({ url: `/c/bank/${v.hmaBank}/signal`, body: { pdq: PLANTED_PDQ }, bearer: true }),
  'GET /c/bank/:bank_name/content/:content_id': (v) => ({ url: `/c/bank/${v.hmaBank}/content/1`, bearer: true }),
  'PUT /c/bank/:bank_name/content/:content_id': (v) => ({ url: `/c/bank/${v.hmaBank}/content/1`, body: { disable_until_ts: 0 }, bearer: true }),
  'DELETE /c/bank/:bank_name/content/:content_id': (v) => ({ url: `/c/bank/${v.hmaBank}/content/1`, bearer: true }),
  'GET /c/signal_type': () => ({ url: '/c/signal_type', bearer: true }),
  'GET /c/content_type': () => ({ url: '/c/content_type', bearer: true }),
};
/** HMA routes that answer from the caller's own banks (or none): another agency gets its own answer, never the victim's. */
const HMA_OWN = new Set(['GET /status', 'GET /site-map', 'GET /h/hash', 'POST /h/hash', 'GET /m/raw_lookup', 'GET /m/lookup', 'POST /m/lookup', 'POST /m/compare', 'GET /m/index/status', 'GET /c/banks', 'POST /c/banks', 'GET /c/signal_type', 'GET /c/content_type']);

/** How to aim each route at the victim agency's data. */
const ROUTES: Record<string, (v: Victim) => Attempt> = {
  ...HMA_ROUTES,
  'GET /api/v1/auth/me': () => ({ url: '/api/v1/auth/me' }),
  'POST /api/v1/auth/logout': () => ({ url: '/api/v1/auth/logout' }),
  'GET /api/v1/agencies': () => ({ url: '/api/v1/agencies' }),
  'POST /api/v1/agencies': () => ({ url: '/api/v1/agencies', body: { name: 'Intruder agency', kind: 'flagger' } }),
  'GET /api/v1/users': (v) => ({ url: `/api/v1/users?agencyId=${v.agencyId}` }),
  'GET /api/v1/users/:userId': (v) => ({ url: `/api/v1/users/${v.userId}` }),
  'POST /api/v1/users': (v) => ({ url: '/api/v1/users', body: { email: 'planted@example.test', displayName: 'Planted', password: 'a long enough password', roles: ['admin'], agencyId: v.agencyId } }),
  'PATCH /api/v1/users/:userId': (v) => ({ url: `/api/v1/users/${v.userId}`, body: { disabled: true } }),
  'POST /api/v1/users/:userId/password': (v) => ({ url: `/api/v1/users/${v.userId}/password`, body: { password: 'attacker chosen password' } }),
  'GET /api/v1/tokens': () => ({ url: '/api/v1/tokens' }),
  'POST /api/v1/tokens': () => ({ url: '/api/v1/tokens', body: { name: 'x', scopes: ['agency.read'] } }),
  'DELETE /api/v1/tokens/:tokenId': (v) => ({ url: `/api/v1/tokens/${v.tokenId}` }),
  'GET /api/v1/audit': (v) => ({ url: `/api/v1/audit?userId=${v.userId}` }),
  'GET /api/v1/audit/export': (v) => ({ url: `/api/v1/audit/export?userId=${v.userId}` }),
  'GET /api/v1/jobs': () => ({ url: '/api/v1/jobs' }),
  'GET /api/v1/jobs/:jobId': (v) => ({ url: `/api/v1/jobs/${v.jobId}` }),
  'POST /api/v1/jobs/:jobId/retry': (v) => ({ url: `/api/v1/jobs/${v.jobId}/retry` }),
  'POST /api/v1/blobs': () => ({ url: '/api/v1/blobs', body: Buffer.from('intruder bytes'), headers: { 'content-type': 'application/octet-stream' } }),
  'GET /api/v1/blobs/:hash': (v) => ({ url: `/api/v1/blobs/${v.blobHash}` }),
  'GET /api/v1/blobs/:hash/meta': (v) => ({ url: `/api/v1/blobs/${v.blobHash}/meta` }),
  'POST /api/v1/items': () => ({ url: '/api/v1/items', body: { url: 'https://intruder.example/planted' } }),
  'POST /api/v1/items/bulk': () => ({ url: '/api/v1/items/bulk', body: 'https://intruder.example/a\nhttps://intruder.example/b\n', headers: { 'content-type': 'text/plain' } }),
  'POST /api/v1/items/upload': () => ({ url: '/api/v1/items/upload', ...multipart('intruder upload bytes') }),
  'GET /api/v1/items': () => ({ url: '/api/v1/items' }),
  'GET /api/v1/items/:itemId': (v) => ({ url: `/api/v1/items/${v.itemId}` }),
  'POST /api/v1/items/:itemId/capture': (v) => ({ url: `/api/v1/items/${v.itemId}/capture` }),
  'GET /api/v1/captures/:captureId/content/:part': (v) => ({ url: `/api/v1/captures/${v.captureId}/content/body` }),
  'GET /api/v1/sources': () => ({ url: '/api/v1/sources' }),
  'POST /api/v1/sources': () => ({ url: '/api/v1/sources', body: { kind: 'feed', url: 'https://intruder.example/feed.xml', intervalMinutes: 60 } }),
  'GET /api/v1/sources/:sourceId': (v) => ({ url: `/api/v1/sources/${v.sourceId}` }),
  'POST /api/v1/sources/:sourceId/paused': (v) => ({ url: `/api/v1/sources/${v.sourceId}/paused`, body: { paused: true } }),
  'GET /api/v1/items/:itemId/custody': (v) => ({ url: `/api/v1/items/${v.itemId}/custody` }),
  'POST /api/v1/items/:itemId/evidence': (v) => ({ url: `/api/v1/items/${v.itemId}/evidence` }),
  'POST /api/v1/custody/verify': () => ({ url: '/api/v1/custody/verify' }),
  'GET /api/v1/items/:itemId/matches': (v) => ({ url: `/api/v1/items/${v.itemId}/matches` }),
  'GET /api/v1/banks': () => ({ url: '/api/v1/banks' }),
  'POST /api/v1/banks': () => ({ url: '/api/v1/banks', body: { name: 'Intruder bank' } }),
  'GET /api/v1/banks/:bankId': (v) => ({ url: `/api/v1/banks/${v.bankId}` }),
  'PATCH /api/v1/banks/:bankId': (v) => ({ url: `/api/v1/banks/${v.bankId}`, body: { pdqDistance: 63, floodMaxItemsPerHour: 0 } }),
  'GET /api/v1/banks/:bankId/entries': (v) => ({ url: `/api/v1/banks/${v.bankId}/entries` }),
  'POST /api/v1/banks/:bankId/entries': (v) => ({ url: `/api/v1/banks/${v.bankId}/entries`, body: { value: `pdq:${PLANTED_PDQ}` } }),
  'POST /api/v1/banks/:bankId/entries/bulk': (v) => ({ url: `/api/v1/banks/${v.bankId}/entries/bulk`, body: { entries: [{ value: `pdq:${PLANTED_PDQ}` }] } }),
  'PATCH /api/v1/banks/:bankId/entries/:entryId': (v) => ({ url: `/api/v1/banks/${v.bankId}/entries/${v.entryId}`, body: { enabled: false } }),
  'POST /api/v1/banks/:bankId/shares/:agencyId': (v) => ({ url: `/api/v1/banks/${v.bankId}/shares/${v.partnerAgencyId}` }),
  'DELETE /api/v1/banks/:bankId/shares/:agencyId': (v) => ({ url: `/api/v1/banks/${v.bankId}/shares/${v.partnerAgencyId}` }),
  'POST /api/v1/banks/:bankId/import': (v) => ({ url: `/api/v1/banks/${v.bankId}/import?format=te-text`, body: `pdq ${PLANTED_PDQ}\n`, headers: { 'content-type': 'text/plain' } }),
  'GET /api/v1/banks/:bankId/export': (v) => ({ url: `/api/v1/banks/${v.bankId}/export?format=csv` }),
  'GET /api/v1/review/queue': () => ({ url: '/api/v1/review/queue?status=all' }),
  'GET /api/v1/review/cases/:caseId': (v) => ({ url: `/api/v1/review/cases/${v.caseId}` }),
  'POST /api/v1/review/cases/:caseId/decisions': (v) => ({ url: `/api/v1/review/cases/${v.caseId}/decisions`, body: { verdict: 'not_terrorist_content', reasons: 'planted by another agency' } }),
  'POST /api/v1/review/decisions/:decisionId/undo': (v) => ({ url: `/api/v1/review/decisions/${v.decisionId}/undo` }),
  'POST /api/v1/review/decisions/:decisionId/approve': (v) => ({ url: `/api/v1/review/decisions/${v.decisionId}/approve`, body: {} }),
  'POST /api/v1/review/decisions/:decisionId/reject': (v) => ({ url: `/api/v1/review/decisions/${v.decisionId}/reject`, body: {} }),
  'POST /api/v1/review/cases/:caseId/split': (v) => ({ url: `/api/v1/review/cases/${v.caseId}/split`, body: { itemIds: [v.itemId] } }),
  'POST /api/v1/review/cases/:caseId/notes': (v) => ({ url: `/api/v1/review/cases/${v.caseId}/notes`, body: { note: 'not yours' } }),
  'POST /api/v1/review/cases/:caseId/merge': (v) => ({ url: `/api/v1/review/cases/${v.caseId}/merge`, body: { otherCaseId: v.caseId } }),
  'POST /api/v1/items/:itemId/reveal': (v) => ({ url: `/api/v1/items/${v.itemId}/reveal` }),
  'GET /api/v1/review/exposure': () => ({ url: '/api/v1/review/exposure' }),
  'GET /api/v1/outlets': () => ({ url: '/api/v1/outlets' }),
  'POST /api/v1/outlets': () => ({ url: '/api/v1/outlets', body: { name: 'Intruder outlet' } }),
  'GET /api/v1/outlets/:outletId': (v) => ({ url: `/api/v1/outlets/${v.outletId}` }),
  'PATCH /api/v1/outlets/:outletId': (v) => ({ url: `/api/v1/outlets/${v.outletId}`, body: { notes: 'changed by another agency' } }),
  'POST /api/v1/outlets/:outletId/channels': (v) => ({ url: `/api/v1/outlets/${v.outletId}/channels`, body: { kind: 'domain', value: 'intruder-channel.example' } }),
  'DELETE /api/v1/outlets/:outletId/channels/:channelId': (v) => ({ url: `/api/v1/outlets/${v.outletId}/channels/${v.channelId}` }),
  'GET /api/v1/items/:itemId/outlet-suggestions': (v) => ({ url: `/api/v1/items/${v.itemId}/outlet-suggestions` }),
  'GET /api/v1/providers': () => ({ url: '/api/v1/providers' }),
  'POST /api/v1/providers': () => ({ url: '/api/v1/providers', body: { name: 'Intruder host', domainPatterns: ['intruder-host.example'] } }),
  'GET /api/v1/providers/resolve': () => ({ url: '/api/v1/providers/resolve?url=https%3A%2F%2Fvictim-host.example%2Fx' }),
  'GET /api/v1/providers/:providerId': (v) => ({ url: `/api/v1/providers/${v.providerId}` }),
  'PATCH /api/v1/providers/:providerId': (v) => ({ url: `/api/v1/providers/${v.providerId}`, body: { acceptedLanguages: ['fr'] } }),
  'POST /api/v1/providers/:providerId/webhook-secret': (v) => ({ url: `/api/v1/providers/${v.providerId}/webhook-secret` }),
  'POST /api/v1/providers/:providerId/first-order-notice': (v) => ({ url: `/api/v1/providers/${v.providerId}/first-order-notice`, body: {} }),
  'GET /api/v1/dispatches': () => ({ url: '/api/v1/dispatches' }),
  'GET /api/v1/dispatches/:dispatchId': (v) => ({ url: `/api/v1/dispatches/${v.dispatchId}` }),
  'GET /api/v1/portal/messages': () => ({ url: '/api/v1/portal/messages' }),
  'POST /api/v1/portal/messages/:dispatchId/received': (v) => ({ url: `/api/v1/portal/messages/${v.dispatchId}/received` }),
  'POST /api/v1/orders': (v) => ({ url: '/api/v1/orders', body: { itemIds: [v.itemId], referenceNumber: 'INTRUDER-1', issuingState: 'IE', ...ORDER_SECTIONS } }),
  'GET /api/v1/orders': () => ({ url: '/api/v1/orders' }),
  'GET /api/v1/orders/:orderId': (v) => ({ url: `/api/v1/orders/${v.orderId}` }),
  'POST /api/v1/orders/:orderId/approve': (v) => ({ url: `/api/v1/orders/${v.orderId}/approve`, body: {} }),
  'POST /api/v1/orders/:orderId/reject': (v) => ({ url: `/api/v1/orders/${v.orderId}/reject`, body: {} }),
  'POST /api/v1/orders/:orderId/withdraw': (v) => ({ url: `/api/v1/orders/${v.orderId}/withdraw`, body: { reason: 'intruder' } }),
  'POST /api/v1/orders/:orderId/obstacle-ceased': (v) => ({ url: `/api/v1/orders/${v.orderId}/obstacle-ceased`, body: {} }),
  'POST /api/v1/orders/:orderId/clarification': (v) => ({ url: `/api/v1/orders/${v.orderId}/clarification`, body: { clarification: 'intruder' } }),
  'POST /api/v1/orders/:orderId/non-disclosure/extend': (v) => ({ url: `/api/v1/orders/${v.orderId}/non-disclosure/extend`, body: { reason: 'intruder' } }),
  'POST /api/v1/orders/:orderId/scrutiny': (v) => ({ url: `/api/v1/orders/${v.orderId}/scrutiny`, body: { outcome: 'infringement_found' } }),
  'GET /api/v1/orders/:orderId/document.json': (v) => ({ url: `/api/v1/orders/${v.orderId}/document.json` }),
  'GET /api/v1/orders/:orderId/document.pdf': (v) => ({ url: `/api/v1/orders/${v.orderId}/document.pdf` }),
  'GET /api/v1/portal/orders': () => ({ url: '/api/v1/portal/orders' }),
  'GET /api/v1/portal/orders/:orderId/document.json': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/document.json` }),
  'GET /api/v1/portal/orders/:orderId/document.pdf': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/document.pdf` }),
  'GET /api/v1/portal/orders/:orderId': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}` }),
  'POST /api/v1/portal/orders/:orderId/acknowledge': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/acknowledge` }),
  'POST /api/v1/portal/orders/:orderId/annex-ii': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/annex-ii`, body: { measure: 'removed', actionAt: 1, authorisedPerson: 'intruder', contactEmail: 'intruder@example.test' } }),
  'POST /api/v1/portal/orders/:orderId/annex-iii': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/annex-iii`, body: { obstacle: 'force_majeure', explanation: 'intruder', authorisedPerson: 'intruder', contactEmail: 'intruder@example.test' } }),
  'POST /api/v1/portal/orders/:orderId/scrutiny-request': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/scrutiny-request`, body: {} }),
  'POST /api/v1/portal/orders/:orderId/reinstated': (v) => ({ url: `/api/v1/portal/orders/${v.orderId}/reinstated`, body: {} }),
  'POST /api/v1/referrals': (v) => ({ url: '/api/v1/referrals', body: { itemIds: [v.itemId] } }),
  'GET /api/v1/referrals': () => ({ url: '/api/v1/referrals' }),
  'GET /api/v1/referrals/:referralId': (v) => ({ url: `/api/v1/referrals/${v.referralId}` }),
  'PATCH /api/v1/referrals/:referralId': (v) => ({ url: `/api/v1/referrals/${v.referralId}`, body: { reasons: 'rewritten by an intruder' } }),
  'POST /api/v1/referrals/:referralId/send': (v) => ({ url: `/api/v1/referrals/${v.referralId}/send` }),
  'POST /api/v1/referrals/:referralId/close': (v) => ({ url: `/api/v1/referrals/${v.referralId}/close`, body: {} }),
  'GET /api/v1/portal/referrals': () => ({ url: '/api/v1/portal/referrals' }),
  'GET /api/v1/portal/referrals/:referralId': (v) => ({ url: `/api/v1/portal/referrals/${v.referralId}` }),
  'POST /api/v1/portal/referrals/:referralId/acknowledge': (v) => ({ url: `/api/v1/portal/referrals/${v.referralId}/acknowledge` }),
  'POST /api/v1/portal/referrals/:referralId/items/:itemId/outcome': (v) => ({ url: `/api/v1/portal/referrals/${v.referralId}/items/${v.referralItemId}/outcome`, body: { outcome: 'declined', reason: 'intruder' } }),
  'POST /api/v1/portal/complaints': (v) => ({ url: '/api/v1/portal/complaints', body: { subject: { kind: 'referral_item', referralId: v.referralId, itemId: v.referralItemId }, receivedAt: 1, text: 'intruder' } }),
  'GET /api/v1/portal/complaints': () => ({ url: '/api/v1/portal/complaints' }),
  'GET /api/v1/portal/complaints/:complaintId': (v) => ({ url: `/api/v1/portal/complaints/${v.complaintId}` }),
  'POST /api/v1/portal/complaints/:complaintId/decision': (v) => ({ url: `/api/v1/portal/complaints/${v.complaintId}/decision`, body: { outcome: 'reinstated', reasons: 'intruder' } }),
  'POST /api/v1/portal/statements-of-reasons': (v) => ({ url: '/api/v1/portal/statements-of-reasons', body: { actions: [{ referralId: v.referralId, itemId: v.referralItemId }], fields: {} } }),
};

/** A PDQ hash an intruder tries to plant in another agency's bank. */
const PLANTED_PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

/** A multipart/form-data body with one file field, as a browser sends it. */
function multipart(content: string, field = 'file'): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----vigil-test-boundary';
  const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="sample.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** An agency's worth of data: a token, a blob, a dead job, an uploaded and captured item, a watched source, a bank with an entry shared with a partner agency. */
async function seed(t: TestApp, agencyId: string, admin: Actor, label: string): Promise<Victim> {
  const tok = (await t.as(admin, 'POST', '/api/v1/tokens', { name: `${label} token`, scopes: ['job.read'] })).json();
  const bytes = Buffer.from(`${label} evidence bytes`);
  await t.as(admin, 'POST', '/api/v1/blobs', bytes, { 'content-type': 'application/octet-stream' });
  const job = await t.platform.queue.enqueue('session.purge', {}, { agencyId });
  await t.db.db.updateTable('job').set({ state: 'dead' }).where('job_id', '=', job.id).execute();
  const up = multipart(`${label} uploaded file`);
  const item = (await t.as(admin, 'POST', '/api/v1/items/upload', up.body, up.headers)).json().item;
  const services = t.platform.agencyServices(agencyId, { agencyId, userId: null, actor: 'test', clientIp: null, requestId: null });
  const capture = await services.capture().capture(item.id);
  const source = (await t.as(admin, 'POST', '/api/v1/sources', { kind: 'feed', url: `https://${label}.example/feed.xml`, intervalMinutes: 60 })).json();
  const bank = (await t.as(admin, 'POST', '/api/v1/banks', { name: `${label} bank` })).json();
  const entry = (await t.as(admin, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `md5:${createHash('md5').update(label).digest('hex')}`, labels: { outlet: `${label} outlet` } })).json().entry;
  const hmaBank = hmaNameOf(bank.name);
  await t.as(admin, 'POST', `/api/v1/banks/${bank.id}/entries`, { value: `pdq:${victimPdq(hmaBank)}` });
  const partner = await t.createAgency(`${label} partner`, 'provider');
  const share = await t.as(admin, 'POST', `/api/v1/banks/${bank.id}/shares/${partner.id}`);
  const reviewCase = await t.db.db.selectFrom('case_item').select('case_id').where('item_id', '=', item.id).executeTakeFirstOrThrow();
  const decision = (await t.as(admin, 'POST', `/api/v1/review/cases/${reviewCase.case_id}/decisions`, { verdict: 'terrorist_content', grounds: ['a'], reasons: `${label}: synthetic`, proposeOrder: true })).json().decision;
  const outlet = (await t.as(admin, 'POST', '/api/v1/outlets', { name: `${label} outlet`, channels: [{ kind: 'domain', value: `${label}-outlet.example` }] })).json();
  const provider = (await t.as(admin, 'POST', '/api/v1/providers', { name: `${label} host`, domainPatterns: [`${label}-host.example`], providerAgencyId: partner.id, mainEstablishment: 'IE' })).json().provider;
  const notice = (await t.as(admin, 'POST', `/api/v1/providers/${provider?.id}/first-order-notice`, {})).json();
  const hosted = (await t.as(admin, 'POST', '/api/v1/items', { url: `https://${label}-host.example/post/1` })).json().item;
  const { caseId: hostedCase } = await services.review().assignItem(hosted.id);
  await t.as(admin, 'POST', `/api/v1/review/cases/${hostedCase}/decisions`, { verdict: 'terrorist_content', grounds: ['a'], reasons: `${label}: synthetic` });
  // Past the decision's undo window, so that it is current.
  t.clock.advance(t.config.reviewUndoMs + 1);
  const order = (await t.as(admin, 'POST', '/api/v1/orders', { itemIds: [hosted.id], referenceNumber: `${label}-ORDER-1`, issuingState: 'IE', ...ORDER_SECTIONS })).json();
  if (!capture || !source.id || !entry?.id || share.statusCode !== 201 || !outlet.channels?.[0]?.id || !notice.dispatches?.[0]?.id || !order.id) throw new Error(`seeding ${label} failed`);
  const referral = (await t.as(admin, 'POST', '/api/v1/referrals', { itemIds: [hosted.id] })).json();
  await t.as(admin, 'POST', `/api/v1/referrals/${referral.referral?.id}/send`);
  const partnerServices = t.platform.agencyServices(partner.id, { agencyId: partner.id, userId: null, actor: 'test', clientIp: null, requestId: null });
  await partnerServices.portalReferrals().answer(referral.referral.id, { kind: 'outcome', itemId: referral.items[0].id, outcome: 'removed' });
  const complaint = await partnerServices.complaints().record({ subject: { kind: 'referral_item', referralId: referral.referral.id, itemId: referral.items[0].id }, receivedAt: t.clock.now(), text: `${label}: synthetic complaint` });
  return {
    agencyId,
    userId: admin.user.id,
    tokenId: tok.token.id,
    jobId: job.id,
    blobHash: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    itemId: item.id,
    captureId: capture.id,
    sourceId: source.id,
    bankId: bank.id,
    entryId: entry.id,
    hmaBank,
    caseId: reviewCase.case_id,
    decisionId: decision.id,
    partnerAgencyId: partner.id,
    outletId: outlet.id,
    channelId: outlet.channels[0].id,
    providerId: provider.id,
    dispatchId: notice.dispatches[0].id,
    orderId: order.id,
    referralId: referral.referral.id,
    referralItemId: referral.items[0].id,
    complaintId: complaint.complaint.id,
  };
}

/** Routes that list "your own" data: another agency gets 200 with its own rows, never the victim's. */
const OWN_LISTS = new Set(['GET /api/v1/auth/me', 'GET /api/v1/agencies', 'GET /api/v1/tokens', 'GET /api/v1/jobs', 'GET /api/v1/audit', 'GET /api/v1/audit/export', 'GET /api/v1/items', 'GET /api/v1/sources', 'POST /api/v1/custody/verify', 'GET /api/v1/banks', 'GET /api/v1/review/queue', 'GET /api/v1/review/exposure', 'GET /api/v1/dispatches', 'GET /api/v1/portal/messages', 'GET /api/v1/orders', 'GET /api/v1/portal/orders', 'GET /api/v1/referrals', 'GET /api/v1/portal/referrals', 'GET /api/v1/portal/complaints']);
/**
 * The outlet registry is one per instance (outlet.service.ts): any agency's analysts may change it,
 * so another agency's user is not refused there. What holds is that no agency data is touched or
 * shown: the registry has no agency rows and names no users.
 */
const INSTANCE_WIDE = new Set([
  'GET /api/v1/outlets',
  'POST /api/v1/outlets',
  'GET /api/v1/outlets/:outletId',
  'PATCH /api/v1/outlets/:outletId',
  'POST /api/v1/outlets/:outletId/channels',
  'DELETE /api/v1/outlets/:outletId/channels/:channelId',
  // The provider registry is one per instance too (provider.service.ts); a first-order notice is the caller's own.
  'GET /api/v1/providers',
  'POST /api/v1/providers',
  'GET /api/v1/providers/resolve',
  'GET /api/v1/providers/:providerId',
  'PATCH /api/v1/providers/:providerId',
  'POST /api/v1/providers/:providerId/webhook-secret',
  'POST /api/v1/providers/:providerId/first-order-notice',
]);
/** Routes that create in the caller's own agency: the cross-agency test is that nothing lands in the victim's. */
const OWN_CREATES = new Set(['POST /api/v1/tokens', 'POST /api/v1/blobs', 'POST /api/v1/auth/logout', 'POST /api/v1/items', 'POST /api/v1/items/bulk', 'POST /api/v1/items/upload', 'POST /api/v1/sources', 'POST /api/v1/banks', 'POST /api/v1/orders', 'POST /api/v1/referrals']);

// One logged-in user (argon2) per route and role: the matrix grows with every route, past the default timeout.
describe.each(DIALECTS)('agency separation and role matrix on %s', { timeout: 180_000 }, (dialect) => {
  let t: TestApp;
  let victim: Victim;
  let victimIds: string[];
  let routes: { key: string; auth: RouteAuth }[];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const a = await t.createAgency('Victim unit');
    const admin = await t.actor(a, ['admin', 'analyst', 'auditor']);
    victim = await seed(t, a.id, admin, 'victim');
    victimIds = [a.id, admin.user.id, victim.tokenId, victim.jobId, victim.blobHash, victim.itemId, victim.captureId, victim.sourceId, victim.bankId, victim.entryId, victim.caseId, victim.decisionId, victim.dispatchId, victim.orderId, victim.referralId, victim.complaintId];
    routes = t.app.vigilRoutes.filter((r) => r.auth !== 'public').map((r) => ({ key: `${r.method} ${r.url}`, auth: r.auth }));
  });
  afterAll(async () => t.close());

  /**
   * Token-only routes are sent with an API token holding every permission of `roles`, made before
   * the caller's snapshot so that it does not count as a change.
   */
  async function credentialed(actor: Actor, roles: readonly Role[], attempt: Attempt): Promise<{ actor: Actor | null; attempt: Attempt }> {
    if (!attempt.bearer) return { actor, attempt };
    const permissions = permissionsOf(roles, false);
    const { secret } = await t.platform.systemScope('test', actor.agency.id).tokensOf(actor.agency.id).create({ userId: actor.user.id, permissions }, { name: 'separation', scopes: [...permissions] });
    return { actor: null, attempt: { ...attempt, headers: { ...attempt.headers, authorization: `Bearer ${secret}` } } };
  }

  it('has an attempt for every authenticated route', () => {
    expect(routes.map((r) => r.key).filter((k) => !ROUTES[k])).toEqual([]);
  });

  it('refuses every route to another agency’s user holding every role, and changes nothing there', async () => {
    const other = await t.createAgency('Intruder unit');
    for (const { key } of routes) {
      const intruder = await t.actor(other, [...ROLES]);
      const { actor, attempt } = await credentialed(intruder, ROLES, ROUTES[key]!(victim));
      const before = await snapshot(t);
      const res = await t.as(actor, key.split(' ')[0]!, attempt.url, attempt.body, attempt.headers);
      // A refusal may echo the id the intruder sent; only a successful answer can leak.
      const leaked = res.statusCode < 400 ? [...victimIds, ...(attempt.bearer ? [victim.hmaBank] : [])].filter((id) => res.body.includes(id)) : [];
      if (OWN_LISTS.has(key) || OWN_CREATES.has(key) || INSTANCE_WIDE.has(key) || HMA_OWN.has(key)) {
        expect({ key, leaked }).toEqual({ key, leaked: [] });
        const after = await snapshot(t);
        for (const table of ['user_account', 'user_role', 'blob_ref', 'job', 'agency', 'item', 'watched_source', 'custody_event', 'bank', 'bank_entry', 'provider_notice', 'dispatch', 'dispatch_attempt', 'removal_order', 'order_event', 'referral', 'referral_item', 'referral_event']) {
          const victimRows = (rows: unknown[]) => rows.filter((r) => String(r).includes(victim.agencyId));
          expect({ key, table, rows: victimRows(after[table] ?? []) }).toEqual({ key, table, rows: victimRows(before[table] ?? []) });
        }
      } else {
        expect({ key, status: [403, 404].includes(res.statusCode) }).toEqual({ key, status: true });
        expect({ key, leaked }).toEqual({ key, leaked: [] });
        expect(await snapshot(t)).toEqual(before);
      }
    }
  });

  it('refuses every route to each role that lacks its permission, and changes nothing', async () => {
    const own = await t.createAgency('Role unit');
    const ownAdmin = await t.actor(own, ['admin', 'analyst']);
    const target = await seed(t, own.id, ownAdmin, 'own');
    // One user per role serves every route: each attempt is refused and changes nothing (asserted below).
    const users = new Map<Role, Actor>();
    const userOf = async (role: Role): Promise<Actor> => users.get(role) ?? users.set(role, await t.actor(own, [role])).get(role)!;
    let tried = 0;
    for (const { key, auth } of routes) {
      if (typeof auth !== 'object') continue;
      for (const role of ROLES) {
        if (permissionsOf([role as Role], false).has(auth.permission)) continue;
        const { actor, attempt } = await credentialed(await userOf(role as Role), [role as Role], ROUTES[key]!(target));
        const before = await snapshot(t);
        const res = await t.as(actor, key.split(' ')[0]!, attempt.url, attempt.body, attempt.headers);
        expect({ key, role, needs: describeAuth(auth), status: res.statusCode }).toEqual({ key, role, needs: describeAuth(auth), status: 403 });
        expect(res.json().error.code).toBe('VIGIL_FORBIDDEN');
        expect(await snapshot(t)).toEqual(before);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(50);
  });

  it('refuses every authenticated route without credentials', async () => {
    for (const { key } of routes) {
      const attempt = ROUTES[key]!(victim);
      const res = await t.as(null, key.split(' ')[0]!, attempt.url, attempt.body, attempt.headers);
      expect({ key, status: res.statusCode }).toEqual({ key, status: 401 });
    }
  });
});
