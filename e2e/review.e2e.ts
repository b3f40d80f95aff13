/**
 * Review end to end in a real Chromium against the real server: an authority agency with a reviewer
 * and an approver, and a bank whose PDQ entry (labelled outlet "Example Outlet", tier designated
 * entity) is the hash of a synthetic image; a second, unlabelled entry makes a less urgent case.
 * The reviewer uploads the image → its case tops the queue with its priority explained → the
 * reviewer moves with j/k and reveals it with r (blurred until then; the reveal is audited), and a
 * second reveal passes the daily limit of 1 → takes back a first draft with Undo → decides
 * "terrorist content" with grounds and reasons and proposes a removal order → the short undo window
 * (VIGIL_REVIEW_UNDO_SECONDS) runs out → the approver approves → the case history shows both.
 * Every wait is on visible state or on the API's answer.
 *
 * The images are synthetic and depict nothing: blocks and waves of colour.
 */
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashImagePdqDihedral } from '../src/adapters/media/image-decode.ts';
import { pdqToHex } from '../src/algorithms/pdq/pdq.ts';
import { syntheticImage } from '../test/synthetic-image.ts';
import { ApiSession, browserPages, fact, logIn } from './helpers.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM_ARGS, CHROMIUM_PATH, ensureWebBuild, startServer, type RunningServer } from './server.ts';

/** Capture, fingerprinting and matching run in the inline worker; allow for a slow machine. */
const WORK_WAIT_MS = 60_000;
/** Long enough to see the draft and its countdown, short enough to wait out in a test. */
const UNDO_SECONDS = 8;
/** One reveal is within the limit; the second passes it. */
const DAILY_LIMIT = 1;
const PASSWORD = 'e2e-Review-password-51c9';
const OUTLET = 'Example Outlet';
const BANK_NAME = 'E2E synthetic bank';
const FILE_NAME = 'synthetic-review-image.png';
const OTHER_FILE_NAME = 'synthetic-other-image.png';

const people = {
  lead: { email: 'lead@iru.example.test', displayName: 'Lena Lead', roles: ['admin', 'auditor'] },
  reviewer: { email: 'reviewer@iru.example.test', displayName: 'Rafael Reviewer', roles: ['reviewer', 'analyst'] },
  approver: { email: 'approver@iru.example.test', displayName: 'Ada Approver', roles: ['approver'] },
} as const;

let server: RunningServer;
let browser: Browser;
let problems: string[] = [];
let image: Buffer;
/** An unrelated image whose untiered entry makes a second, less urgent case. */
let otherImage: Buffer;
let lead: ApiSession;
let reviewerApi: ApiSession;

beforeAll(async () => {
  ensureWebBuild();
  image = await syntheticImage(3);
  otherImage = await syntheticImage(7);
  server = await startServer({
    VIGIL_REVIEW_UNDO_SECONDS: String(UNDO_SECONDS),
    VIGIL_EXPOSURE_DAILY_LIMIT: String(DAILY_LIMIT),
    VIGIL_SCREENSHOTS: 'false',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

  const operator = await ApiSession.login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const agency = await operator.call<{ id: string }>('POST', '/agencies', { name: 'Example Referral Unit', kind: 'authority' });
  for (const p of Object.values(people)) {
    await operator.call('POST', '/users', { ...p, roles: [...p.roles], password: PASSWORD, agencyId: agency.id });
  }
  lead = await ApiSession.login(server.url, people.lead.email, PASSWORD);
  reviewerApi = await ApiSession.login(server.url, people.reviewer.email, PASSWORD);

  const { hashes, quality } = await hashImagePdqDihedral(image);
  expect(quality).toBeGreaterThanOrEqual(50);
  const bank = await lead.call<{ id: string }>('POST', '/banks', { name: BANK_NAME, kind: 'positive' });
  await lead.call('POST', `/banks/${bank.id}/entries`, {
    value: `pdq:${pdqToHex(hashes.orig)}`,
    source: 'e2e synthetic fixture',
    externalId: 'synthetic-0001',
    labels: { outlet: OUTLET, tier: 'designated_entity' },
  });
  const other = await hashImagePdqDihedral(otherImage);
  await lead.call('POST', `/banks/${bank.id}/entries`, { value: `pdq:${pdqToHex(other.hashes.orig)}`, source: 'e2e synthetic fixture', externalId: 'synthetic-0002' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = browserPages(() => ({ browser, baseURL: server.url, problems }), WORK_WAIT_MS);
const openPage = pages.open;
afterEach(() => pages.closeAll());

function filterOf(el: Locator): Promise<string> {
  return el.evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).filter ?? '');
}

describe('review', () => {
  it('takes a matching upload through the queue, a reveal, a decision and an approval', async () => {
    problems = [];
    const page = await openPage();
    await logIn(page, people.reviewer.email, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });

    // The reviewer uploads the synthetic image; capture and matching run in the worker.
    await nav.getByRole('link', { name: 'Intake' }).click();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: FILE_NAME, mimeType: 'image/png', buffer: image });
    await page.getByRole('button', { name: 'Upload file' }).click();
    await page.getByRole('status').filter({ hasText: 'Accepted' }).filter({ hasText: FILE_NAME }).waitFor();
    await lead.upload(OTHER_FILE_NAME, 'image/png', otherImage);

    await expect
      .poll(async () => (await reviewerApi.call<{ cases: unknown[] }>('GET', '/review/queue')).cases.length, { timeout: WORK_WAIT_MS })
      .toBe(2);

    // The queue: the case with its priority in words and its lead item blurred.
    await nav.getByRole('link', { name: 'Review' }).click();
    await page.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: FILE_NAME });
    await row.waitFor();
    const summary = row.locator('.priority-summary');
    await summary.filter({ hasText: OUTLET }).waitFor();
    expect(await summary.textContent()).toContain('designated entity');
    expect(Number(await row.locator('.priority-score').textContent())).toBeGreaterThan(0);
    // Most urgent first: the labelled, tiered match on top; j and k move the selection.
    const rows = page.locator('tr[data-case-id]');
    expect(await rows.first().textContent()).toContain(FILE_NAME);
    expect(await rows.nth(1).textContent()).toContain(OTHER_FILE_NAME);
    await expect.poll(() => row.getAttribute('aria-current')).toBe('true');
    await page.keyboard.press('j');
    await expect.poll(() => rows.nth(1).getAttribute('aria-current')).toBe('true');
    expect(await row.getAttribute('aria-current')).toBeNull();
    await page.keyboard.press('k');
    await expect.poll(() => row.getAttribute('aria-current')).toBe('true');
    await page.getByRole('status', { name: 'Exposure today' }).filter({ hasText: /Exposure today: 0 of \d+/ }).waitFor();

    const thumb = row.getByRole('figure');
    const img = thumb.locator('img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    const blurred = await filterOf(img);
    expect(blurred).toContain('blur(24px)');
    expect(blurred).toContain('grayscale(1)');

    // `?` lists the shortcuts; `r` reveals the selected case's media, clear, and audited.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });
    await page.keyboard.press('r');
    await thumb.getByRole('button', { name: 'Blur again' }).waitFor();
    expect(await filterOf(img)).toBe('none');
    await page.getByRole('status', { name: 'Exposure today' }).filter({ hasText: /Exposure today: 1 of \d+/ }).waitFor();
    const audit = await lead.call<{ events: { action: string; userId: string | null }[] }>('GET', '/audit?action=content.reveal');
    expect(audit.events.length).toBe(1);
    await page.screenshot({ path: '/tmp/vigil-e2e-review-queue.png', fullPage: true });

    // Enter opens the case: items, the match beside its bank entry, the decision panel.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Case/, level: 1 }).waitFor();
    const caseUrl = page.url();
    const caseId = caseUrl.split('/').at(-1) ?? '';
    const matchEntry = page.getByRole('group', { name: 'Bank entry' });
    await fact(matchEntry, 'Distance').waitFor();
    await expect.poll(() => fact(matchEntry, 'Bank').textContent(), { timeout: 10_000 }).toBe(BANK_NAME);
    await expect.poll(() => fact(matchEntry, 'Labels').textContent(), { timeout: 10_000 }).toContain(OUTLET);
    await expect.poll(() => fact(matchEntry, 'Provenance').textContent(), { timeout: 10_000 }).toContain('e2e synthetic fixture');
    const caseImg = page.locator('.case-item-media img');
    await caseImg.waitFor();
    expect(await filterOf(caseImg)).toContain('blur(24px)');

    // A second reveal passes the daily limit: the reviewer is warned, and their admin can see it.
    await page.locator('.case-item-media').getByRole('button', { name: 'Reveal' }).click();
    await page.getByRole('alert').filter({ hasText: `past your daily limit of ${DAILY_LIMIT}` }).waitFor();
    expect(await filterOf(caseImg)).toBe('none');
    await page.getByRole('status', { name: 'Exposure today' }).filter({ hasText: `Exposure today: 2 of ${DAILY_LIMIT}` }).waitFor();
    const exposure = await lead.call<{ reviewers: { name: string; today: number; overLimit: boolean }[] | null }>('GET', '/review/exposure');
    expect(exposure.reviewers).toContainEqual(expect.objectContaining({ name: people.reviewer.displayName, today: 2, overLimit: true }));

    const panel = page.getByRole('form', { name: 'Decision' });
    await panel.getByLabel('Terrorist content', { exact: true }).check();
    // The server refuses terrorist content without grounds, and says why; nothing is recorded.
    await panel.getByLabel('Reasons').fill('Synthetic test image: official outlet branding and a call to join, per the e2e fixture.');
    await panel.getByRole('button', { name: 'Record decision' }).click();
    await panel.getByRole('alert').filter({ hasText: 'VIGIL_REVIEW_GROUNDS_REQUIRED' }).waitFor();
    expect((await reviewerApi.call<{ decisions: unknown[] }>('GET', `/review/cases/${caseId}`)).decisions).toEqual([]);

    // A draft can be taken back while its countdown runs; it stays in the history as undone.
    await panel.getByLabel('Needs more information', { exact: true }).check();
    await panel.getByRole('button', { name: 'Record decision' }).click();
    const undone = page.locator('.decisions > li').first();
    await undone.getByRole('status', { name: 'Draft decision' }).filter({ hasText: /publishes in \d+ s/ }).waitFor();
    await undone.getByRole('button', { name: 'Undo' }).click();
    await undone.locator('.status').filter({ hasText: 'undone' }).waitFor();
    expect(await undone.getByRole('button', { name: 'Undo' }).count()).toBe(0);

    await panel.getByLabel('Terrorist content', { exact: true }).check();
    await panel.getByLabel('Reasons').fill('Synthetic test image: official outlet branding and a call to join, per the e2e fixture.');
    await panel.getByLabel(/^\(a\) incites/).check();
    await panel.getByLabel(/^\(c\) solicits someone to take part/).check();
    await panel.getByLabel(/Propose a removal order/).check();
    await panel.getByRole('button', { name: 'Record decision' }).click();
    const decision = page.locator('.decisions > li').nth(1);
    await decision.getByRole('status', { name: 'Draft decision' }).filter({ hasText: /publishes in \d+ s/ }).waitFor();
    await decision.getByRole('button', { name: 'Undo' }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-review-draft.png', fullPage: true });
    // The undo window runs out and the decision waits for an approver (it proposes an order).
    await decision.locator('.status').filter({ hasText: 'awaiting approval' }).waitFor();
    expect(await decision.getByRole('button', { name: 'Undo' }).count()).toBe(0);
    await expect.poll(() => fact(decision, 'Grounds').textContent(), { timeout: 10_000 }).toContain('Art. 2(7)(a)');
    // Reviewers do not approve; that takes the approver role.
    expect(await decision.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    // The approver, in a browser of their own, approves.
    const approverPage = await openPage();
    await logIn(approverPage, people.approver.email, PASSWORD);
    await approverPage.goto(caseUrl);
    await approverPage.getByRole('heading', { name: /^Case/, level: 1 }).waitFor();
    const pending = approverPage.locator('.decisions > li').nth(1);
    await pending.getByLabel('Approver’s note').fill('Checked against the bank entry; order approved.');
    await pending.getByRole('button', { name: 'Approve' }).click();
    await fact(pending, 'Approved').filter({ hasText: people.approver.displayName }).waitFor();

    // Back with the reviewer: the case history names both people.
    await page.reload();
    const history = page.locator('.decisions > li').nth(1);
    await history.getByText(`by ${people.reviewer.displayName}`).waitFor();
    await fact(history, 'Approved').filter({ hasText: people.approver.displayName }).waitFor();
    const events = page.getByRole('table', { name: /Case history/ });
    await events.getByRole('row').filter({ hasText: 'decision.draft' }).filter({ hasText: 'verdict=terrorist_content' }).filter({ hasText: people.reviewer.email }).waitFor();
    await events.getByRole('row').filter({ hasText: 'decision.undone' }).filter({ hasText: people.reviewer.email }).waitFor();
    await events.getByRole('row').filter({ hasText: 'decision.awaiting_approval' }).waitFor();
    await events.getByRole('row').filter({ hasText: 'decision.approved' }).filter({ hasText: people.approver.email }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-review-case.png', fullPage: true });
    expect(problems).toEqual([]);
  });
});
