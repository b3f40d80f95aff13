/**
 * Intake to evidence in a real Chromium against the real server, which captures a small synthetic
 * site this test serves on loopback (`VIGIL_FETCH_ALLOW=127.0.0.1/32`): submit the page's URL,
 * watch its capture arrive (HTTP, resolved IP, title), its custody events, the child item for its
 * image, the screenshot revealed in two steps, and an evidence package that verifies offline with
 * the CLI. Then a bulk list with one line of each outcome and a file upload; then a watched source
 * and the custody check. Every wait is on visible state.
 *
 * The site's content is made up and harmless: a title, some paragraphs, one generated PNG.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  REPO_ROOT,
  ensureWebBuild,
  startServer,
  type RunningServer,
} from './server.ts';

/** Capture, child capture and the screenshot (a Chromium start) take seconds; allow for a slow machine. */
const CAPTURE_WAIT_MS = 60_000;
const PAGE_TITLE = 'Harbour Lantern Society — autumn newsletter';

let server: RunningServer;
let browser: Browser;
let site: Server;
let siteUrl = '';
let context: BrowserContext | null = null;
let problems: string[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-intake-'));

/** A synthetic picture: a blue field with two pale bars, so a screenshot has something to show. */
async function syntheticPng(): Promise<Buffer> {
  const bar = await sharp({ create: { width: 240, height: 24, channels: 3, background: { r: 235, g: 228, b: 200 } } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 38, g: 92, b: 150 } } })
    .composite([
      { input: bar, top: 50, left: 40 },
      { input: bar, top: 100, left: 40 },
    ])
    .png()
    .toBuffer();
}

function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${PAGE_TITLE}</title></head>
<body>
<h1>Harbour Lantern Society</h1>
<p>The society met on the pier last Thursday to repaint the old lantern housings. Eleven members came,
and the tea urn held out until the very end.</p>
<p>Next month we catalogue the brass fittings salvaged from the boathouse. Bring gloves and a pencil;
the ledgers are kept in the blue cabinet.</p>
<p><img src="/lantern.png" alt="A drawing of two lantern shelves" width="320" height="180"></p>
<p>Minutes are read aloud at the start of each meeting. Corrections go to the secretary.</p>
</body>
</html>`;
}

async function startSite(): Promise<void> {
  const png = await syntheticPng();
  site = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/newsletter.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageHtml());
    } else if (path === '/lantern.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      res.end(png);
    } else if (path?.startsWith('/listed/')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('A listed page of the test site.\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    site.once('error', reject);
    site.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = site.address();
  if (addr === null || typeof addr === 'string') throw new Error('test site has no port');
  siteUrl = `http://127.0.0.1:${addr.port}`;
}

beforeAll(async () => {
  ensureWebBuild();
  await startSite();
  server = await startServer({ VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'true' });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  rmSync(workDir, { recursive: true, force: true });
});

afterEach(async () => {
  await context?.close();
  context = null;
});

async function openPage(): Promise<Page> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  return page;
}

async function logIn(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** The value (`<dd>`) next to a term (`<dt>`) in a facts list. */
function fact(scope: Locator | Page, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src', 'app', 'cli.ts'), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('intake and evidence', () => {
  it('captures a submitted page, shows its evidence and exports a package that verifies', async () => {
    const page = await openPage();
    page.setDefaultTimeout(CAPTURE_WAIT_MS);
    await logIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Intake' }).click();
    await page.getByRole('heading', { name: 'Intake', level: 1 }).waitFor();

    const pageUrl = `${siteUrl}/newsletter.html`;
    await page.getByLabel('URL', { exact: true }).fill(pageUrl);
    const [submitted] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/items') && r.request().method() === 'POST'),
      page.getByLabel('URL', { exact: true }).press('Enter'),
    ]);
    expect(submitted.status()).toBe(201);
    const itemId = ((await submitted.json()) as { item: { id: string } }).item.id;
    const accepted = page.getByRole('status').filter({ hasText: 'Accepted' });
    await accepted.waitFor();
    expect(await accepted.textContent()).toContain(pageUrl);
    // Focus is back in the URL field, ready for the next one.
    expect(await page.getByLabel('URL', { exact: true }).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);

    // The same URL again is reported as already known, not taken in twice.
    await page.getByLabel('URL', { exact: true }).fill(`${pageUrl}?utm_source=newsletter`);
    await page.getByRole('button', { name: 'Submit URL' }).click();
    await page.getByRole('status').filter({ hasText: 'Already known' }).waitFor();

    await page.getByRole('link', { name: 'Open item' }).click();
    await page.waitForURL(`**/items/${itemId}`);
    await page.getByRole('heading', { name: /^Item/, level: 1 }).waitFor();

    // The inline worker captures the page within seconds; the item page refreshes by itself.
    const capture = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Capture 1/ }) });
    await capture.waitFor();
    await capture.locator('h3 .status').filter({ hasText: /^ok$/ }).waitFor();
    await fact(capture, 'HTTP status').filter({ hasText: /^200$/ }).waitFor();
    await fact(capture, 'Resolved IP').filter({ hasText: /^127\.0\.0\.1/ }).waitFor();
    await fact(capture, 'Title').filter({ hasText: PAGE_TITLE }).waitFor();
    await fact(capture, 'Final URL').filter({ hasText: pageUrl }).waitFor();
    await expect.poll(() => fact(capture, 'Body').textContent(), { timeout: 10_000 }).toMatch(/sha256:[0-9a-f]{64}/);
    await expect.poll(() => fact(capture, 'WARC').textContent(), { timeout: 10_000 }).toMatch(/sha256:[0-9a-f]{64}/);
    await expect.poll(() => fact(capture, 'Content type').textContent(), { timeout: 10_000 }).toContain('text/html');
    await fact(page, 'State').getByText('captured', { exact: true }).waitFor();

    const custody = page.getByRole('table', { name: /Custody events/ });
    await custody.getByRole('cell', { name: 'capture', exact: true }).waitFor();
    await custody.getByRole('cell', { name: 'blob.stored', exact: true }).first().waitFor();

    // The image on the page became a child item.
    const children = fact(page, 'Media found on it').getByRole('link', { name: '1 child item' });
    await children.waitFor();
    await children.click();
    await page.getByRole('heading', { name: 'Items', level: 1 }).waitFor();
    const childRow = page.getByRole('row').filter({ hasText: `${siteUrl}/lantern.png` });
    await childRow.waitFor();
    expect(await childRow.textContent()).toContain('page');
    await page.goBack();
    await page.getByRole('heading', { name: /^Item/, level: 1 }).waitFor();

    // The screenshot is announced but not loaded: opening the item is not a content view.
    const shot = page.getByRole('figure').first();
    const reveal = shot.getByRole('button', { name: 'Reveal' });
    await reveal.waitFor();
    expect(await shot.locator('img').count()).toBe(0);
    const viewsBefore = await custody.getByRole('cell', { name: 'content.view', exact: true }).count();
    expect(viewsBefore).toBe(0);

    // First click: the image loads, still blurred and greyscale.
    await reveal.click();
    const img = shot.locator('img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    const filterOf = (el: Locator): Promise<string> => el.evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).filter ?? '');
    const blurred = await filterOf(img);
    expect(blurred).toContain('blur(24px)');
    expect(blurred).toContain('grayscale(1)');
    await custody.getByRole('cell', { name: 'content.view', exact: true }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-item.png', fullPage: true });

    // Second click: shown clearly.
    await shot.getByRole('button', { name: 'Show clearly' }).click();
    await shot.getByRole('button', { name: 'Blur again' }).waitFor();
    expect(await filterOf(img)).toBe('none');
    await shot.screenshot({ path: '/tmp/vigil-e2e-item-shot-clear.png' });

    // The evidence package arrives as a download and verifies offline with the CLI.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download evidence package' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`vigil-evidence-${itemId}.wacz`);
    const file = join(workDir, download.suggestedFilename());
    await download.saveAs(file);
    const shown = page.getByTestId('evidence-sha256');
    await shown.waitFor();
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect((await shown.textContent())?.replace(/^sha256:/, '')).toBe(digest);

    await page.screenshot({ path: '/tmp/vigil-e2e-item-evidence.png' });

    // Captured text comes as a file (never rendered), and the download is recorded as a content view.
    const captureId = await capture.getAttribute('data-capture-id');
    const views = await custody.getByRole('cell', { name: 'content.view', exact: true }).count();
    const [text] = await Promise.all([page.waitForEvent('download'), capture.getByRole('button', { name: 'Text', exact: true }).click()]);
    expect(text.suggestedFilename()).toBe(`${captureId}-text.txt`);
    const textPath = join(workDir, text.suggestedFilename());
    await text.saveAs(textPath);
    expect(readFileSync(textPath, 'utf8')).toContain('brass fittings');
    await custody.getByRole('cell', { name: 'content.view', exact: true }).nth(views).waitFor();

    const verified = await runCli(['evidence', 'verify', file], server.env);
    expect(verified.output).toContain('OK');
    expect(verified.code, verified.output).toBe(0);
    expect(problems).toEqual([]);
  });

  it('takes in a bulk list and reports every line', async () => {
    const page = await openPage();
    await logIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Intake' }).click();
    await page.getByRole('heading', { name: 'Intake', level: 1 }).waitFor();

    const listed = `${siteUrl}/listed/${randomUUID().slice(0, 8)}`;
    const list = [listed, `${listed}?utm_campaign=autumn`, 'ftp://files.example/lantern-ledger.txt'].join('\n') + '\n';
    await page.getByLabel('List file', { exact: true }).setInputFiles({
      name: 'harbour-list.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(list, 'utf8'),
    });
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/items/bulk')),
      page.getByRole('button', { name: 'Upload list' }).click(),
    ]);
    expect(answer.status()).toBe(200);
    expect(answer.request().headers()['content-type']).toBe('text/plain');

    await page.getByRole('heading', { name: /Result for harbour-list\.txt/ }).waitFor();
    expect(await page.locator('.count-accepted .count-value').textContent()).toBe('1');
    expect(await page.locator('.count-duplicate .count-value').textContent()).toBe('1');
    expect(await page.locator('.count-rejected .count-value').textContent()).toBe('1');

    const table = page.getByRole('table', { name: /not taken in/ });
    const rejected = table.getByRole('row').filter({ hasText: 'rejected' });
    await rejected.waitFor();
    expect(await rejected.getByRole('cell').first().textContent()).toBe('3');
    expect(await rejected.textContent()).toContain('VIGIL_URL_SCHEME_UNSUPPORTED');
    expect(await rejected.textContent()).toContain('the scheme ftp: is not supported');
    const duplicate = table.getByRole('row').filter({ hasText: 'duplicate' });
    expect(await duplicate.getByRole('cell').first().textContent()).toBe('2');
    expect(await duplicate.textContent()).toContain('VIGIL_ITEM_DUPLICATE');
    await page.screenshot({ path: '/tmp/vigil-e2e-intake.png', fullPage: true });

    // The CSV report is built in the page from the answer: a header and one row per line.
    const [report] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download report (CSV)' }).click(),
    ]);
    expect(report.suggestedFilename()).toBe('harbour-list-intake-report.csv');
    const csvPath = join(workDir, report.suggestedFilename());
    await report.saveAs(csvPath);
    const rows = readFileSync(csvPath, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toBe('line,outcome,input,url,item_id,code,reason');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^1,accepted,/);
    expect(rows[3]).toMatch(/^3,rejected,ftp:\/\/files\.example\/lantern-ledger\.txt,,,VIGIL_URL_SCHEME_UNSUPPORTED,/);

    // One file: stored by its hash and captured from the stored bytes.
    const fileName = `ledger-${randomUUID().slice(0, 8)}.txt`;
    await page.getByLabel('File', { exact: true }).setInputFiles({
      name: fileName,
      mimeType: 'text/plain',
      buffer: Buffer.from(`Brass fittings ledger ${fileName}: 14 hinges, 6 lantern hooks.\n`, 'utf8'),
    });
    await page.getByRole('button', { name: 'Upload file' }).click();
    const uploaded = page.getByRole('status').filter({ hasText: 'Accepted' }).filter({ hasText: fileName });
    await uploaded.waitFor();
    await uploaded.getByRole('link', { name: 'Open item' }).click();
    const fileCapture = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Capture 1/ }) });
    await fact(fileCapture, 'Title').filter({ hasText: fileName }).waitFor();
    await fact(page, 'File name').filter({ hasText: fileName }).waitFor();
    expect(problems).toEqual([]);
  });

  it('watches a source, pauses it, and verifies the custody chain', async () => {
    const page = await openPage();
    await logIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });

    await nav.getByRole('link', { name: 'Items' }).click();
    await page.getByRole('heading', { name: 'Items', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: `${siteUrl}/newsletter.html` }).waitFor();
    await page.getByLabel('Origin').selectOption('page');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/origin=page/);
    await page.getByRole('row').filter({ hasText: `${siteUrl}/newsletter.html` }).waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: `${siteUrl}/lantern.png` }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-items.png', fullPage: true });

    await nav.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
    await page.getByLabel('Kind').selectOption('page');
    await page.getByLabel('URL', { exact: true }).fill(`${siteUrl}/newsletter.html`);
    await page.getByLabel('Label').fill('Harbour newsletter');
    // Below the server's minimum of 5 minutes: the browser refuses before anything is sent.
    await page.getByLabel('Interval (minutes)').fill('2');
    await page.getByRole('button', { name: 'Add source' }).click();
    expect(await page.getByLabel('Interval (minutes)').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    await page.getByLabel('Interval (minutes)').fill('30');
    await page.getByLabel('Interval (minutes)').press('Enter');
    await page.getByRole('status').filter({ hasText: 'Now watching “Harbour newsletter”' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Harbour newsletter' });
    await row.getByText('every 30 min').waitFor();
    await row.getByRole('button', { name: 'Pause Harbour newsletter' }).click();
    await row.getByRole('button', { name: 'Resume Harbour newsletter' }).waitFor();
    await page.screenshot({ path: '/tmp/vigil-e2e-sources.png', fullPage: true });

    await row.getByRole('link', { name: 'Harbour newsletter' }).click();
    await page.getByRole('heading', { name: 'Harbour newsletter', level: 1 }).waitFor();
    await fact(page, 'Status').getByText('paused', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Resume Harbour newsletter' }).click();
    await page.getByRole('status').filter({ hasText: 'Source resumed.' }).waitFor();

    await nav.getByRole('link', { name: 'Custody' }).click();
    await page.getByRole('heading', { name: 'Custody', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Verify custody chain' }).click();
    const verdict = page.getByRole('status', { name: 'Verification result' });
    await verdict.getByRole('heading', { name: 'Custody chain verified' }).waitFor();
    expect(Number(await fact(verdict, 'Events').textContent())).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/vigil-e2e-custody.png', fullPage: true });
    expect(problems).toEqual([]);
  });
});
