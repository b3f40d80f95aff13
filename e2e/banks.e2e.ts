/**
 * Hash banks in a real Chromium against the real server: create a bank, add the PDQ hash of a
 * synthetic image with labels, see a malformed hash refused with the server's precise reason, paste
 * a list with one line of each outcome, disable and re-enable the entry (and find it by state), then
 * upload the same image on the intake screen and see the match on the item page with the bank's
 * name and the entry's labels. Every wait is on visible state.
 *
 * The image is generated here (stripes and waves, no real content); its hash is computed with the
 * server's own decoder so the test knows the value the matcher will look up.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashImagePdqDihedral } from '../src/adapters/media/image-decode.ts';
import { PDQ_MIN_QUALITY, pdqToHex } from '../src/algorithms/pdq/pdq.ts';
import { apiCall, fact, logIn, newPage } from './helpers.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureWebBuild, startServer, type RunningServer } from './server.ts';

/** Upload, capture and matching run inline in the server; allow for a slow machine. */
const WAIT_MS = 60_000;
const OUTLET = 'Harbour Gazette';
const GROUP = 'Lantern Society';

let server: RunningServer;
let browser: Browser;
let context: BrowserContext | null = null;
let problems: string[] = [];

/** A textured synthetic picture (PDQ quality well above the matcher's minimum). */
async function syntheticImage(size = 256): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const block = ((Math.floor(x / 19) * 7 + Math.floor(y / 27) * 13) % 9) * 20;
      const wave = 60 * Math.sin(x / 11) + 50 * Math.cos(y / 13);
      const v = Math.max(0, Math.min(255, Math.round(60 + block + wave + (x > size * 0.6 && y < size * 0.3 ? 70 : 0))));
      raw[i] = v;
      raw[i + 1] = (v * 5) % 256;
      raw[i + 2] = 255 - v;
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

beforeAll(async () => {
  ensureWebBuild();
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  await context?.close();
  context = null;
});

async function openPage(): Promise<Page> {
  problems = [];
  const page = await newPage(browser, server.url, WAIT_MS, problems, { acceptDownloads: true });
  context = page.context();
  return page;
}

describe('hash banks', () => {
  it('banks a hash with labels, disables and re-enables it, and shows the match on an uploaded item', async () => {
    const png = await syntheticImage();
    const hashed = await hashImagePdqDihedral(png);
    expect(hashed.quality).toBeGreaterThanOrEqual(PDQ_MIN_QUALITY);
    const signal = `pdq:${pdqToHex(hashed.hashes.orig)}`;
    const bankName = `Harbour bank ${randomUUID().slice(0, 8)}`;

    const page = await openPage();
    await logIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Banks' }).click();
    await page.getByRole('heading', { name: 'Banks', level: 1 }).waitFor();

    // A threshold beyond the server's bound is refused by the browser before anything is sent.
    await page.getByLabel('Name', { exact: true }).fill(bankName);
    await page.getByLabel('Kind', { exact: true }).selectOption('positive');
    await page.getByLabel('Description').fill('Synthetic test images of the harbour newsletter.');
    await page.getByLabel('PDQ distance').fill('64');
    await page.getByRole('button', { name: 'Create bank' }).click();
    expect(await page.getByLabel('PDQ distance').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    await page.getByLabel('PDQ distance').fill('31');
    await page.getByRole('button', { name: 'Create bank' }).click();
    const created = page.getByRole('status').filter({ hasText: 'created' });
    await created.getByRole('link', { name: bankName }).waitFor();

    // The same name again: the server's code and message, and no second bank.
    await page.getByLabel('Name', { exact: true }).fill(bankName);
    await page.getByRole('button', { name: 'Create bank' }).click();
    const taken = page.getByRole('alert').filter({ hasText: 'VIGIL_BANK_NAME_TAKEN' });
    await taken.waitFor();
    expect(await taken.textContent()).toContain(`Your agency already has a bank named "${bankName}".`);
    expect(await page.getByRole('table', { name: 'Your agency’s banks' }).getByRole('link', { name: bankName }).count()).toBe(1);

    await created.getByRole('link', { name: bankName }).click();
    await page.getByRole('heading', { name: bankName, level: 1 }).waitFor();
    const entries = page.getByRole('table', { name: `Entries of ${bankName}, newest first` });
    await entries.getByText('No entries yet.').waitFor();

    // A malformed hash: the precise reason from the server, and nothing added.
    const addForm = page.getByRole('form', { name: 'Add an entry' });
    await addForm.getByLabel('Signal', { exact: true }).fill('pdq:12ab');
    await addForm.getByRole('button', { name: 'Add entry' }).click();
    const invalid = addForm.getByRole('alert').filter({ hasText: 'VIGIL_SIGNAL_INVALID' });
    await invalid.waitFor();
    expect(await invalid.textContent()).toContain('A pdq hash is 64 hex digits, got 4.');
    expect(await entries.getByText('No entries yet.').count()).toBe(1);

    await addForm.getByLabel('Signal', { exact: true }).fill(signal);
    await addForm.getByLabel('Outlet').fill(OUTLET);
    await addForm.getByLabel('Group').fill(GROUP);
    await addForm.getByLabel('Tier').selectOption('crisis');
    await addForm.getByLabel('Content type').fill('image');
    await addForm.getByLabel('Source').fill('e2e');
    await addForm.getByLabel('External ID').fill('harbour-0001');
    await addForm.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('status').filter({ hasText: 'Added' }).waitFor();

    const row = entries.getByRole('row').filter({ hasText: OUTLET });
    await row.waitFor();
    expect(await row.textContent()).toContain(GROUP);
    expect(await row.textContent()).toContain('crisis');
    expect(await row.textContent()).toContain('harbour-0001');
    expect(await row.locator('code.hash').getAttribute('title')).toBe(signal);
    await row.getByText('active', { exact: true }).waitFor();

    // A pasted list: one new signal, one the bank holds, one malformed, each reported by line.
    const bulk = page.getByRole('form', { name: 'Paste a list' });
    await bulk.getByLabel('Signals, one kind:value per line').fill(['md5:d41d8cd98f00b204e9800998ecf8427e', '', signal, 'sha256:not-a-hash'].join('\n'));
    await bulk.getByRole('button', { name: 'Add list' }).click();
    const outcomes = bulk.getByRole('table', { name: 'Outcome of every pasted line' });
    await outcomes.waitFor();
    const outcomeOf = async (line: string) => (await outcomes.getByRole('row').filter({ has: page.getByRole('cell', { name: line, exact: true }) }).textContent()) ?? '';
    expect(await outcomeOf('1')).toContain('added');
    expect(await outcomeOf('3')).toContain('duplicate');
    expect(await outcomeOf('4')).toContain('rejected');
    expect(await outcomeOf('4')).toContain('VIGIL_SIGNAL_INVALID');
    await entries.getByRole('row').filter({ hasText: 'md5:d41d8cd98f00b204' }).waitFor();

    // Disable, find it among the disabled, enable again.
    await row.getByRole('button', { name: /^Disable pdq:[0-9a-f]+…$/ }).click();
    await row.getByRole('button', { name: /^Enable pdq:[0-9a-f]+…$/ }).waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();
    await page.getByLabel('State').selectOption('disabled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/state=disabled/);
    await entries.getByRole('row').filter({ hasText: 'md5:d41d8cd98f00b204' }).waitFor({ state: 'detached' });
    await row.getByRole('button', { name: /^Enable pdq:[0-9a-f]+…$/ }).click();
    await row.getByText('active', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await entries.getByRole('row').filter({ hasText: 'md5:d41d8cd98f00b204' }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-bank.png', fullPage: true });

    // The list shows the bank with its two entries.
    await nav.getByRole('link', { name: 'Banks' }).click();
    const listed = page.getByRole('table', { name: 'Your agency’s banks' }).getByRole('row').filter({ hasText: bankName });
    await listed.waitFor();
    expect(await listed.textContent()).toContain('positive');
    expect(await listed.getByRole('cell').nth(4).textContent()).toBe('2');
    await page.screenshot({ path: '/tmp/vigil-e2e-banks.png', fullPage: true });

    // The same image, uploaded: captured from the stored bytes, hashed and matched.
    await nav.getByRole('link', { name: 'Intake' }).click();
    await page.getByRole('heading', { name: 'Intake', level: 1 }).waitFor();
    const fileName = `harbour-${randomUUID().slice(0, 8)}.png`;
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: fileName, mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Upload file' }).click();
    const uploaded = page.getByRole('status').filter({ hasText: 'Accepted' }).filter({ hasText: fileName });
    await uploaded.waitFor();
    await uploaded.getByRole('link', { name: 'Open item' }).click();
    await page.getByRole('heading', { name: /^Item/, level: 1 }).waitFor();

    const matches = page.getByRole('table', { name: 'Bank matches of this item, newest first' });
    const match = matches.getByRole('row').filter({ has: page.getByRole('link', { name: bankName }) });
    await match.waitFor();
    const text = (await match.textContent()) ?? '';
    expect(text).toContain(OUTLET);
    expect(text).toContain(GROUP);
    expect(text).toContain('crisis');
    expect(text).toContain('harbour-0001');
    expect(text).toContain('pdq');
    expect(await match.getByRole('cell').nth(3).textContent()).toBe('0');
    // Captured media on the item page stays unloaded until asked for.
    expect(await page.locator('.media img, .shot img').count()).toBe(0);
    await page.screenshot({ path: '/tmp/vigil-e2e-item-matches.png', fullPage: true });

    await match.getByRole('link', { name: bankName }).click();
    await page.getByRole('heading', { name: bankName, level: 1 }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shares a bank with another agency, where it is listed as shared and shown read-only', async () => {
    const suffix = randomUUID().slice(0, 8);
    const bankName = `Shared harbour bank ${suffix}`;
    const partnerName = `Harbour partners ${suffix}`;
    const partnerEmail = `partner-${suffix}@example.test`;
    const partnerPassword = `e2e-Partner-password-${suffix}`;

    const page = await openPage();
    await logIn(page);
    const partner = await apiCall<{ id: string }>(page, 'POST', '/agencies', { name: partnerName, kind: 'flagger' });
    await apiCall(page, 'POST', '/users', { email: partnerEmail, displayName: 'Partner analyst', password: partnerPassword, roles: ['analyst'], agencyId: partner.id });
    const bank = await apiCall<{ id: string }>(page, 'POST', '/banks', { name: bankName, kind: 'negative' });
    await apiCall(page, 'POST', `/banks/${bank.id}/entries`, { value: 'md5:0cc175b9c0f1b6a831c399e269772661', labels: { outlet: OUTLET } });

    await page.goto(`/banks/${bank.id}`);
    await page.getByRole('heading', { name: bankName, level: 1 }).waitFor();
    const sharing = page.getByRole('region', { name: 'Sharing' });
    await sharing.getByText('Not shared with any agency.').waitFor();
    await sharing.getByLabel('Agency', { exact: true }).selectOption({ label: `${partnerName} (flagger)` });
    await sharing.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Shared with ${partnerName}, read-only.` }).waitFor();
    await sharing.getByRole('button', { name: `Stop sharing with ${partnerName}` }).waitFor();
    const admin = await apiCall<{ user: { id: string; displayName: string }; agency: { name: string } }>(page, 'GET', '/auth/me');
    const entries = page.getByRole('table', { name: `Entries of ${bankName}, newest first` });
    const added = fact(entries.getByRole('row').filter({ hasText: OUTLET }), 'Added by');
    await added.filter({ hasText: admin.user.displayName }).waitFor();
    expect(await added.getAttribute('title')).toBe(admin.user.id);
    await context?.close();

    const other = await openPage();
    await logIn(other, partnerEmail, partnerPassword);
    await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Banks' }).click();
    const shared = other.getByRole('table', { name: 'Banks shared with your agency' }).getByRole('row').filter({ hasText: bankName });
    await shared.waitFor();
    expect(await shared.textContent()).toContain('shared with you');
    expect(await shared.textContent()).toContain('negative');
    expect(await other.getByRole('table', { name: 'Your agency’s banks' }).getByRole('link', { name: bankName }).count()).toBe(0);

    await shared.getByRole('link', { name: bankName }).click();
    await other.getByRole('heading', { name: bankName, level: 1 }).waitFor();
    await other.getByText(`shared with your agency by ${admin.agency.name}, read-only`).waitFor();
    await other.getByText(`Only ${admin.agency.name}, which owns this bank, can change it.`).waitFor();
    const sharedEntries = other.getByRole('table', { name: `Entries of ${bankName}, newest first` });
    const row = sharedEntries.getByRole('row').filter({ hasText: OUTLET });
    await row.waitFor();
    // Who added the entry is the owner's business.
    expect(await fact(row, 'Added by').count()).toBe(0);
    expect(await row.textContent()).not.toContain(admin.user.id);
    // Nothing to change here, though the partner may manage banks of its own.
    expect(await other.getByRole('button', { name: /Save settings|Disable bank|Add entry|Add list|Import file|^Disable / }).count()).toBe(0);
    expect(await other.getByRole('region', { name: 'Sharing' }).count()).toBe(0);
    await other.getByRole('button', { name: 'Download export' }).waitFor();
    await other.screenshot({ path: '/tmp/vigil-e2e-bank-shared.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('shows a flooded entry quarantined with its reason, releases it, and disables it until a time', async () => {
    const png = await syntheticImage();
    const signal = `pdq:${pdqToHex((await hashImagePdqDihedral(png)).hashes.orig)}`;
    const bankName = `Flood bank ${randomUUID().slice(0, 8)}`;
    const page = await openPage();
    await logIn(page);
    const bank = await apiCall<{ id: string }>(page, 'POST', '/banks', { name: bankName, kind: 'positive', floodMaxItemsPerHour: 1 });
    await apiCall(page, 'POST', `/banks/${bank.id}/entries`, { value: signal, labels: { outlet: OUTLET } });

    // Two different files of the same picture: two items, so the entry matches past its limit of one.
    const variants = [await sharp(png).png({ compressionLevel: 1 }).toBuffer(), await sharp(png).png({ compressionLevel: 9 }).toBuffer()];
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Intake' }).click();
    for (const [i, buffer] of variants.entries()) {
      const fileName = `flood-${i}-${randomUUID().slice(0, 8)}.png`;
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: fileName, mimeType: 'image/png', buffer });
      await page.getByRole('button', { name: 'Upload file' }).click();
      await page.getByRole('status').filter({ hasText: 'Accepted' }).filter({ hasText: fileName }).waitFor();
    }
    await page.getByRole('status').filter({ hasText: 'Accepted' }).last().getByRole('link', { name: 'Open item' }).click();
    await page.getByRole('table', { name: 'Bank matches of this item, newest first' }).getByRole('link', { name: bankName }).waitFor();

    await page.goto(`/banks/${bank.id}`);
    const entries = page.getByRole('table', { name: `Entries of ${bankName}, newest first` });
    const row = entries.getByRole('row').filter({ hasText: OUTLET });
    await row.getByText('quarantined', { exact: true }).waitFor();
    expect(await row.textContent()).toContain('flood: matched 2 distinct items within an hour (limit 1); pending review');
    await page.getByLabel('State').selectOption('quarantined');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/state=quarantined/);
    await row.getByRole('button', { name: /^Release pdq:[0-9a-f]+… from quarantine$/ }).click();
    await row.getByText('active', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: /from quarantine$/ }).count()).toBe(0);

    // Disable until tomorrow: the form opens with focus in its field; a time in the past is refused by the server.
    await row.getByRole('button', { name: /^Disable pdq:[0-9a-f]+… until a time$/ }).click();
    const until = page.getByLabel('Disable until (your local time)');
    expect(await until.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const local = (d: Date): string => {
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    await until.fill(local(new Date(Date.now() - 24 * 60 * 60 * 1000)));
    await page.getByRole('button', { name: 'Disable until then' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'VIGIL_ENTRY_UPDATE_INVALID' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('disabledUntil must be a time in the future');
    await row.getByText('active', { exact: true }).waitFor();
    await until.fill(local(new Date(Date.now() + 24 * 60 * 60 * 1000)));
    await page.getByRole('button', { name: 'Disable until then' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    expect(await row.textContent()).toMatch(/until \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await row.getByRole('button', { name: /^Enable pdq:[0-9a-f]+…$/ }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-bank-quarantine.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('imports a hash-list file with a report per line, changes nothing on a second import, and exports', async () => {
    const bankName = `Import bank ${randomUUID().slice(0, 8)}`;
    const hex = '3c'.repeat(32);
    const list = ['# harbour newsletter test list', `pdq ${hex}`, 'pdq 12ab', ''].join('\n');
    const page = await openPage();
    await logIn(page);
    const bank = await apiCall<{ id: string }>(page, 'POST', '/banks', { name: bankName, kind: 'positive' });
    await page.goto(`/banks/${bank.id}`);
    await page.getByRole('heading', { name: bankName, level: 1 }).waitFor();

    const importForm = page.getByRole('form', { name: 'Import a hash list' });
    const importOnce = async (): Promise<void> => {
      await importForm.getByLabel('Format').selectOption('te-text');
      await importForm.getByLabel('Hash list file').setInputFiles({ name: 'harbour-list.txt', mimeType: 'text/plain', buffer: Buffer.from(list, 'utf8') });
      await importForm.getByRole('button', { name: 'Import file' }).click();
    };
    await importOnce();
    await page.getByRole('status').filter({ hasText: 'Imported harbour-list.txt: 1 added, 0 already held, 0 removed, 1 rejected.' }).waitFor();
    const report = page.getByRole('table', { name: 'Lines of harbour-list.txt that were not added' });
    const bad = report.getByRole('row').filter({ hasText: 'rejected' });
    await bad.waitFor();
    expect(await bad.getByRole('cell').first().textContent()).toBe('3');
    expect(await bad.textContent()).toContain('VIGIL_SIGNAL_INVALID');
    expect(await bad.textContent()).toContain('A pdq hash is 64 hex digits, got 4.');
    const entries = page.getByRole('table', { name: `Entries of ${bankName}, newest first` });
    const row = entries.getByRole('row').filter({ hasText: `pdq:${hex.slice(0, 16)}` });
    await row.waitFor();
    await page.getByRole('status').filter({ hasText: /^1 entry shown$/ }).waitFor();
    expect(await entries.getByRole('row').count()).toBe(2);

    // The same file again adds nothing.
    await importOnce();
    await page.getByRole('status').filter({ hasText: 'Imported harbour-list.txt: 0 added, 1 already held, 0 removed, 1 rejected.' }).waitFor();
    // The entry list reloads after an import; its count line says when it has.
    await page.getByRole('status').filter({ hasText: /^1 entry shown$/ }).waitFor();
    expect(await entries.getByRole('row').count()).toBe(2);

    const exportForm = page.getByRole('form', { name: 'Export the bank' });
    await exportForm.getByLabel('Format').selectOption('csv');
    const [download] = await Promise.all([page.waitForEvent('download'), exportForm.getByRole('button', { name: 'Download export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const exported = await readFile(await download.path(), 'utf8');
    expect(exported).toContain(hex);
    expect(exported).not.toContain('12ab\n');
    await page.getByRole('status').filter({ hasText: `Downloaded ${download.suggestedFilename()}.` }).waitFor();
    expect(problems).toEqual([]);
  });
});
