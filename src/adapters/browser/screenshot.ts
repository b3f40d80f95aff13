/**
 * Page screenshots in Chromium (playwright-core driving Debian's /usr/bin/chromium) for the
 * optional screenshot job.
 *
 * Chromium never talks to the network itself. Every request a page makes (document, scripts,
 * styles, images, fonts, XHR/fetch, beacons) is intercepted with Playwright routing and answered
 * by the caller's `fetchResource`, which is the SSRF-safe fetcher: the same resolved-IP rules as
 * any other capture, and one place that decides what leaves the machine. What could slip past
 * routing fails closed at the browser level instead (see `SCREENSHOT_CHROMIUM_ARGS`):
 *
 * - an HTTP proxy at 127.0.0.1:9, with loopback not exempt, that nothing listens on: any request
 *   routing never sees (Playwright passes redirect hops and frameless requests on unrouted, and a
 *   future Chromium may add kinds) gets ERR_PROXY_CONNECTION_FAILED;
 * - a host resolver that resolves nothing, so no DNS query (prefetch, preconnect) reaches a
 *   resolver; a lookup for a site under investigation can tip off whoever runs its name server;
 * - WebRTC restricted to proxied UDP, which with an HTTP proxy means no UDP at all (STUN/TURN
 *   would otherwise bypass both the proxy and the router);
 * - QUIC off; service workers blocked (routing does not see what a service worker answers);
 *   downloads refused.
 *
 * Redirects are never handed to Chromium: Playwright lets the request Chromium makes to follow
 * one bypass routing (microsoft/playwright#2617), and the proxy guard would then fail it. A
 * redirected main document becomes a fresh navigation to the target instead; any other redirect
 * is followed hop by hop through `fetchResource`, and Chromium gets the last response under the
 * first URL (so relative URLs inside a redirected stylesheet or frame resolve against that).
 *
 * Each render gets a fresh incognito context, so no cookie, storage or cache carries from one
 * capture to the next.
 */
import { access, constants } from 'node:fs/promises';
import { chromium, errors } from 'playwright-core';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import type { Clock } from '../../domains/ports.ts';
import { systemClock } from '../system/system-clock.ts';

/** The window the page is laid out in; the PNG is always this wide. */
export const SCREENSHOT_VIEWPORT = { width: 1280, height: 800 } as const;
/** Full-page screenshots are cut off below this many CSS pixels (a 1280 x 10 000 PNG is 51 MB raw). */
export const SCREENSHOT_MAX_HEIGHT_PX = 10_000;
/** Navigation plus settling. A document that has not arrived by then fails the render; resources that have not are left out. */
export const SCREENSHOT_TIMEOUT_MS = 30_000;
/** Taking the picture once the page has settled; a page whose script spins forever fails here. */
export const SCREENSHOT_CAPTURE_TIMEOUT_MS = 15_000;
/** Requests one render may make; later ones are aborted. */
export const SCREENSHOT_MAX_REQUESTS = 500;
/** Largest single response body handed to Chromium. */
export const SCREENSHOT_MAX_RESOURCE_BYTES = 25 * 1024 * 1024;
/** All response bodies of one render together. */
export const SCREENSHOT_MAX_TOTAL_BYTES = 100 * 1024 * 1024;
/** Redirects followed for one request, and for the main document across navigations (Chromium's own limit is 20). */
export const SCREENSHOT_MAX_REDIRECTS = 10;

export interface ScreenshotLimits {
  timeoutMs: number;
  captureTimeoutMs: number;
  maxHeightPx: number;
  maxRequests: number;
  maxResourceBytes: number;
  maxTotalBytes: number;
}

export const SCREENSHOT_LIMITS: Readonly<ScreenshotLimits> = {
  timeoutMs: SCREENSHOT_TIMEOUT_MS,
  captureTimeoutMs: SCREENSHOT_CAPTURE_TIMEOUT_MS,
  maxHeightPx: SCREENSHOT_MAX_HEIGHT_PX,
  maxRequests: SCREENSHOT_MAX_REQUESTS,
  maxResourceBytes: SCREENSHOT_MAX_RESOURCE_BYTES,
  maxTotalBytes: SCREENSHOT_MAX_TOTAL_BYTES,
};

/**
 * Chromium switches. Playwright adds several of these itself; they are listed anyway so that the
 * guards do not depend on a Playwright version's defaults. The proxy is given as switches rather
 * than Playwright's `proxy` option so that the bypass list is exactly ours: Chromium exempts
 * loopback from proxies unless told `<-loopback>`, and loopback is what SSRF aims at.
 */
export const SCREENSHOT_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  // The worker runs as root in a container, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--mute-audio',
  '--disable-quic',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--force-webrtc-ip-handling-policy',
];

/**
 * What `fetchResource` answers: the decoded body (no content-encoding left to undo); several
 * Set-Cookie values go in one header joined with "\n", as Playwright expects.
 */
export interface FetchedResource {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The port the renderer fetches through; pass the SSRF-safe fetcher. It should return a 3xx as
 * it is rather than follow it: the renderer then asks for the target itself, and a redirected
 * main document gets its real URL. Throwing refuses the request. `signal` aborts when the render
 * is over, so slow fetches can be dropped.
 */
export type FetchResource = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignal },
) => Promise<FetchedResource>;

/** Why a request got no response: `refused` means `fetchResource` threw. */
export type BlockReason =
  | 'refused'
  | 'scheme'
  | 'method'
  | 'request-limit'
  | 'redirect-limit'
  | 'resource-too-large'
  | 'total-too-large'
  | 'websocket'
  | 'unfulfillable';

export interface ScreenshotRequest {
  url: string;
  /** The status `fetchResource` returned; null when the request was blocked before or by it. */
  status: number | null;
  blocked: BlockReason | null;
}

export interface Screenshot {
  png: Buffer;
  width: number;
  height: number;
  finalUrl: string;
  title: string;
  /**
   * Every request in the order it was made, each redirect hop as its own entry, up to
   * `maxRequests`; then the first one refused for the limit. Later ones are aborted without an entry.
   */
  requests: ScreenshotRequest[];
  /** Epoch ms, when the picture was taken. */
  renderedAt: number;
}

export type ScreenshotErrorCode = 'VIGIL_SCREENSHOT_TIMEOUT' | 'VIGIL_SCREENSHOT_FAILED' | 'VIGIL_SCREENSHOT_BROWSER_MISSING';

export class ScreenshotError extends Error {
  readonly code: ScreenshotErrorCode;

  constructor(code: ScreenshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScreenshotError';
    this.code = code;
  }
}

export interface ScreenshotRendererOptions {
  executablePath?: string;
  fetchResource: FetchResource;
  limits?: Partial<ScreenshotLimits>;
  clock?: Clock;
}

// The body handed to Chromium is complete and decoded; a stale length or encoding would make it
// truncate or inflate it a second time. A location on a response that is not followed as a
// redirect (a 3xx with an unusable target) must not give Chromium a redirect to follow unrouted.
const WITHHELD_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'location']);

// The port carries no request body, and a capture must not submit data to the site it records.
const FORWARDED_METHODS = new Set(['GET', 'HEAD']);

// A 204 answer to a navigation commits nothing, so the current document stays while the cookies
// a redirect sets are still stored.
const NO_DOCUMENT_STATUS = 204;

/** The requests of one render and the budgets they draw on. */
class RequestLedger {
  readonly requests: ScreenshotRequest[] = [];
  readonly #limits: ScreenshotLimits;
  readonly #done = new AbortController();
  #seen = 0;
  #bytes = 0;
  #documentRedirect: string | undefined;

  constructor(limits: ScreenshotLimits) {
    this.#limits = limits;
  }

  get signal(): AbortSignal {
    return this.#done.signal;
  }

  /**
   * Records a request. One over the request limit comes back already blocked, and only the first
   * such is kept, so a page that retries in a loop cannot grow the list without bound.
   */
  open(url: string): ScreenshotRequest {
    this.#seen += 1;
    const entry: ScreenshotRequest = { url, status: null, blocked: this.#seen > this.#limits.maxRequests ? 'request-limit' : null };
    if (this.#seen <= this.#limits.maxRequests + 1) this.requests.push(entry);
    return entry;
  }

  /** Charges a body against the byte budgets; returns why it does not fit, or null. */
  charge(bytes: number): BlockReason | null {
    if (bytes > this.#limits.maxResourceBytes) return 'resource-too-large';
    if (this.#bytes + bytes > this.#limits.maxTotalBytes) return 'total-too-large';
    this.#bytes += bytes;
    return null;
  }

  /** The main document redirected; `loadPage` navigates there next. */
  redirectDocument(url: string): void {
    this.#documentRedirect = url;
  }

  takeDocumentRedirect(): string | undefined {
    const url = this.#documentRedirect;
    this.#documentRedirect = undefined;
    return url;
  }

  get hasDocumentRedirect(): boolean {
    return this.#documentRedirect !== undefined;
  }

  close(): void {
    this.#done.abort();
  }
}

/**
 * Renders pages to PNG. One Chromium is launched on first use and shared; every render runs in
 * its own incognito context.
 *
 * @example
 * const renderer = new ScreenshotRenderer({ fetchResource: (url, init) => safeFetcher.fetch(url, init) });
 * const shot = await renderer.render('https://example.org/post/1');
 * await blobs.put(shot.png);
 * await renderer.close();
 */
export class ScreenshotRenderer {
  readonly #executablePath: string;
  readonly #fetchResource: FetchResource;
  readonly #limits: ScreenshotLimits;
  readonly #clock: Clock;
  #browser: Promise<Browser> | undefined;
  #closed = false;

  constructor({ executablePath = '/usr/bin/chromium', fetchResource, limits = {}, clock = systemClock }: ScreenshotRendererOptions) {
    this.#executablePath = executablePath;
    this.#fetchResource = fetchResource;
    this.#limits = { ...SCREENSHOT_LIMITS, ...limits };
    this.#clock = clock;
  }

  async render(url: string): Promise<Screenshot> {
    const browser = await this.#launched();
    const ledger = new RequestLedger(this.#limits);
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext({
        viewport: SCREENSHOT_VIEWPORT,
        deviceScaleFactor: 1,
        javaScriptEnabled: true,
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      const page = await context.newPage();
      await context.route(() => true, (route) => this.#answer(route, page, ledger));
      // Playwright cannot hand WebSockets to a fetcher; refusing them here keeps a record, and the
      // proxy guard stops any this misses (from workers, say).
      await context.routeWebSocket(() => true, (ws) => {
        const entry = ledger.open(ws.url());
        entry.blocked ??= 'websocket';
        return ws.close();
      });
      await loadPage(page, url, ledger, this.#limits.timeoutMs);
      return await this.#capture(page, ledger);
    } catch (err) {
      throw asScreenshotError(err, url);
    } finally {
      ledger.close();
      await context?.close().catch(() => {});
    }
  }

  /** Closes the browser; later renders fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const launching = this.#browser;
    this.#browser = undefined;
    // A launch that failed left nothing to close.
    const browser = await launching?.catch(() => undefined);
    await browser?.close();
  }

  #launched(): Promise<Browser> {
    if (this.#closed) return Promise.reject(new ScreenshotError('VIGIL_SCREENSHOT_FAILED', 'The screenshot renderer is closed.'));
    if (!this.#browser) {
      const launching = this.#launch();
      this.#browser = launching;
      const forget = () => {
        if (this.#browser === launching) this.#browser = undefined;
      };
      // A failed launch or a crashed browser is retried on the next render instead of poisoning all of them.
      launching.then((browser) => browser.on('disconnected', forget), forget);
    }
    return this.#browser;
  }

  async #launch(): Promise<Browser> {
    try {
      await access(this.#executablePath, constants.X_OK);
    } catch (err) {
      throw new ScreenshotError(
        'VIGIL_SCREENSHOT_BROWSER_MISSING',
        `No Chromium at ${this.#executablePath}; run \`bash scripts/setup.sh\` or \`apt-get install chromium\`.`,
        { cause: err },
      );
    }
    try {
      return await chromium.launch({
        executablePath: this.#executablePath,
        headless: true,
        chromiumSandbox: false,
        args: [...SCREENSHOT_CHROMIUM_ARGS],
      });
    } catch (err) {
      throw new ScreenshotError('VIGIL_SCREENSHOT_FAILED', `Chromium at ${this.#executablePath} did not start: ${firstLine(err)}`, { cause: err });
    }
  }

  async #answer(route: Route, page: Page, ledger: RequestLedger): Promise<void> {
    const request = route.request();
    const init = { method: request.method(), headers: request.headers(), signal: ledger.signal };
    // Popups and frames are top-level or navigations too, but only this page's document is re-navigated.
    const isMainDocument = request.isNavigationRequest() && request.frame() === page.mainFrame();
    let entry = ledger.open(request.url());
    try {
      for (let hop = 0; ; hop++) {
        const refusal =
          entry.blocked ??
          (!isHttpUrl(entry.url) ? 'scheme'
          : !FORWARDED_METHODS.has(init.method) ? 'method'
          : hop > SCREENSHOT_MAX_REDIRECTS ? 'redirect-limit'
          : null);
        if (refusal) return await block(route, entry, refusal);
        let response: FetchedResource;
        try {
          response = await this.#fetchResource(entry.url, init);
        } catch {
          return await block(route, entry, 'refused');
        }
        const target = redirectTarget(response, entry.url);
        if (target === null) return await this.#fulfill(route, entry, response, ledger);
        entry.status = response.status;
        if (isMainDocument) {
          ledger.redirectDocument(target);
          const cookies = Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.toLowerCase() === 'set-cookie'));
          return await route.fulfill({ status: NO_DOCUMENT_STATUS, headers: cookies, body: '' });
        }
        entry = ledger.open(target);
      }
    } catch {
      // Either the render is over (nothing left to answer) or the answer could not be handed to
      // Chromium (a malformed response); then the request must not hang until the deadline.
      if (!ledger.signal.aborted) await block(route, entry, 'unfulfillable');
    }
  }

  async #fulfill(route: Route, entry: ScreenshotRequest, response: FetchedResource, ledger: RequestLedger): Promise<void> {
    const overBudget = ledger.charge(response.body.length);
    if (overBudget) return block(route, entry, overBudget);
    const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !WITHHELD_HEADERS.has(name.toLowerCase())));
    await route.fulfill({ status: response.status, headers, body: response.body });
    entry.status = response.status;
  }

  async #capture(page: Page, ledger: RequestLedger): Promise<Screenshot> {
    const ms = this.#limits.captureTimeoutMs;
    const png = await page.screenshot({
      type: 'png',
      fullPage: true,
      // Playwright trims the clip to the page, so short pages keep their own height.
      clip: { x: 0, y: 0, width: SCREENSHOT_VIEWPORT.width, height: this.#limits.maxHeightPx },
      timeout: ms,
    });
    const renderedAt = this.#clock.now();
    const title = await withinMs(page.title(), ms, 'reading the page title');
    const { width, height } = pngSize(png);
    return { png, width, height, finalUrl: page.url(), title, requests: ledger.requests, renderedAt };
  }
}

/**
 * Navigates, follows main-document redirects as new navigations, and lets the page settle, all
 * within one budget. Without a document by the deadline there is nothing to show; after that, a
 * resource that never finishes only ends the waiting.
 */
async function loadPage(page: Page, url: string, ledger: RequestLedger, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let target: string | undefined = url;
  for (let hops = 0; target !== undefined; hops++) {
    // Checked here rather than only at the start: a redirect to file: would otherwise be a navigation Chromium serves itself.
    if (!isHttpUrl(target)) throw new ScreenshotError('VIGIL_SCREENSHOT_FAILED', `Only http and https pages can be rendered, not ${target}.`);
    if (hops > SCREENSHOT_MAX_REDIRECTS) throw new ScreenshotError('VIGIL_SCREENSHOT_FAILED', `${url} redirects more than ${SCREENSHOT_MAX_REDIRECTS} times.`);
    const left = deadline - performance.now();
    if (left <= 0) throw new ScreenshotError('VIGIL_SCREENSHOT_TIMEOUT', `Rendering ${url} timed out after ${timeoutMs} ms of redirects.`);
    try {
      await page.goto(target, { waitUntil: 'domcontentloaded', timeout: left });
      await settle(page, deadline);
    } catch (err) {
      // The redirect's 204 aborts the navigation on purpose.
      if (!ledger.hasDocumentRedirect) throw err;
    }
    target = ledger.takeDocumentRedirect();
  }
}

async function settle(page: Page, deadline: number): Promise<void> {
  for (const state of ['load', 'networkidle'] as const) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    try {
      await page.waitForLoadState(state, { timeout: left });
    } catch (err) {
      if (err instanceof errors.TimeoutError) return;
      throw err;
    }
  }
}

async function block(route: Route, entry: ScreenshotRequest, reason: BlockReason): Promise<void> {
  entry.blocked = reason;
  // Fails only when the render is already over, and then the request is gone anyway.
  await route.abort('blockedbyclient').catch(() => {});
}

/** The absolute target of a redirect, or null when the response is not one Chromium could follow. */
function redirectTarget(response: FetchedResource, base: string): string | null {
  if (response.status < 300 || response.status > 399) return null;
  const location = Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'location')?.[1];
  return location !== undefined && URL.canParse(location, base) ? new URL(location, base).href : null;
}

function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScreenshotError('VIGIL_SCREENSHOT_TIMEOUT', `Timed out ${what} after ${ms} ms.`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function asScreenshotError(err: unknown, url: string): ScreenshotError {
  if (err instanceof ScreenshotError) return err;
  if (err instanceof errors.TimeoutError) return new ScreenshotError('VIGIL_SCREENSHOT_TIMEOUT', `Rendering ${url} timed out: ${firstLine(err)}`, { cause: err });
  return new ScreenshotError('VIGIL_SCREENSHOT_FAILED', `Rendering ${url} failed: ${firstLine(err)}`, { cause: err });
}

function isHttpUrl(url: string): boolean {
  return URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol);
}

/** Width and height from the IHDR chunk, which a PNG always starts with. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
