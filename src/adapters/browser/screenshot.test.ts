import { once } from 'node:events';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SCREENSHOT_CHROMIUM_ARGS,
  SCREENSHOT_MAX_HEIGHT_PX,
  SCREENSHOT_MAX_REDIRECTS,
  SCREENSHOT_VIEWPORT,
  ScreenshotError,
  ScreenshotRenderer,
} from './screenshot.ts';
import type { FetchResource, FetchedResource, Screenshot, ScreenshotErrorCode } from './screenshot.ts';

/** A synthetic web: URL -> response. Anything else is refused, as the SSRF fetcher refuses loopback. */
type Answer = FetchedResource | ((init: { signal: AbortSignal }) => Promise<FetchedResource>);

function syntheticWeb() {
  const answers = new Map<string, Answer>();
  const calls: { url: string; method: string; headers: Record<string, string> }[] = [];
  const fetchResource: FetchResource = async (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers });
    const answer = answers.get(url);
    if (!answer) throw new Error(`refused: ${url} is not in the synthetic web`);
    return typeof answer === 'function' ? answer(init) : answer;
  };
  return { answers, calls, fetchResource };
}

function html(body: string, headers: Record<string, string> = {}): FetchedResource {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: Buffer.from(body) };
}

function css(body: string): FetchedResource {
  return { status: 200, headers: { 'content-type': 'text/css' }, body: Buffer.from(body) };
}

async function pngOf(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/** Decodes the screenshot and returns a pixel reader, checking it is the PNG it claims to be. */
async function decode(shot: Screenshot): Promise<(x: number, y: number) => [number, number, number]> {
  const { data, info } = await sharp(shot.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect((await sharp(shot.png).metadata()).format).toBe('png');
  expect([info.width, info.height]).toEqual([shot.width, shot.height]);
  return (x, y) => {
    const i = (y * info.width + x) * info.channels;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
}

async function expectScreenshotError(work: Promise<unknown>, code: ScreenshotErrorCode): Promise<ScreenshotError> {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ScreenshotError);
  expect((error as ScreenshotError).code).toBe(code);
  return error as ScreenshotError;
}

/** A loopback server that must never be reached from inside Chromium: it counts every attempt. */
async function startTrap() {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('access-control-allow-origin', '*');
    res.end('secret');
  });
  server.on('upgrade', (req, socket) => {
    hits.push(`upgrade ${req.url}`);
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => hits.push('udp'));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  return {
    hits,
    port: (server.address() as AddressInfo).port,
    udpPort: udp.address().port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await new Promise<void>((resolve) => udp.close(resolve));
    },
  };
}

const web = syntheticWeb();
const renderer = new ScreenshotRenderer({ fetchResource: web.fetchResource });
const tightWeb = syntheticWeb();
const tight = new ScreenshotRenderer({
  fetchResource: tightWeb.fetchResource,
  limits: { timeoutMs: 1_500, captureTimeoutMs: 1_500, maxRequests: 3, maxResourceBytes: 2_000, maxHeightPx: 1_200 },
});
let trap: Awaited<ReturnType<typeof startTrap>>;

beforeAll(async () => {
  trap = await startTrap();
});

afterAll(async () => {
  await Promise.all([renderer.close(), tight.close(), trap.close()]);
});

describe('ScreenshotRenderer', () => {
  it('renders a synthetic page at 1280 px wide with its stylesheet, text and colours, answered only by fetchResource', async () => {
    web.answers.set(
      'http://colours.test/',
      html(`<!doctype html><title>Colours</title><link rel="stylesheet" href="/style.css">
        <div class="red"></div><div class="blue"></div><div class="text">EVIDENCE</div>
        <img src="http://tracker.test/pixel.png" width="1" height="1">`),
    );
    web.answers.set(
      'http://colours.test/style.css',
      css(`body { margin: 0; background: #fff }
        .red { height: 400px; background: rgb(255, 0, 0) }
        .blue { height: 600px; background: rgb(0, 0, 255) }
        .text { height: 300px; font: bold 160px sans-serif; color: #000 }`),
    );

    const shot = await renderer.render('http://colours.test/');

    expect(shot.width).toBe(SCREENSHOT_VIEWPORT.width);
    expect(shot.height).toBeGreaterThanOrEqual(1_300);
    expect(shot.height).toBeLessThanOrEqual(SCREENSHOT_MAX_HEIGHT_PX);
    const rgb = await decode(shot);
    expect(rgb(640, 200)).toEqual([255, 0, 0]);
    expect(rgb(640, 700)).toEqual([0, 0, 255]);
    let dark = 0;
    for (let x = 0; x < 1_280; x += 2) if (rgb(x, 1_100)[0] < 64) dark += 1;
    expect(dark).toBeGreaterThan(20);

    expect(shot.title).toBe('Colours');
    expect(shot.finalUrl).toBe('http://colours.test/');
    expect(shot.requests).toEqual([
      { url: 'http://colours.test/', status: 200, blocked: null },
      { url: 'http://colours.test/style.css', status: 200, blocked: null },
      { url: 'http://tracker.test/pixel.png', status: null, blocked: 'refused' },
    ]);
  });

  it("keeps the page's scripts, workers, WebSockets and WebRTC away from a real loopback server", async () => {
    const secret = `http://127.0.0.1:${trap.port}/secret`;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const pixel = await pngOf(1, 1, [0, 255, 0]);
    web.answers.set(
      'http://exfil.test/',
      html(`<!doctype html><title>exfil</title>
        <img src="${secret}?img">
        <img src="/hold.png">
        <script>
          const outcome = (p) => p.then(() => 'reached', () => 'stopped');
          const worker = new Promise((resolve) => {
            const w = new Worker(URL.createObjectURL(new Blob([
              "fetch('${secret}?worker').then(() => postMessage('reached'), () => postMessage('stopped'))"
            ])));
            w.onmessage = (e) => resolve(e.data);
          });
          const socket = new Promise((resolve) => {
            const ws = new WebSocket('ws://127.0.0.1:${trap.port}/socket');
            ws.onopen = () => resolve('reached');
            ws.onclose = () => resolve('stopped');
          });
          const rtc = new Promise((resolve) => {
            const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.1:${trap.udpPort}' }] });
            pc.createDataChannel('x');
            pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve('gathered'); };
            pc.createOffer().then((offer) => pc.setLocalDescription(offer));
          });
          Promise.all([outcome(fetch('${secret}?fetch')), worker, socket, rtc]).then((results) => {
            document.title = results.join(' ');
            return fetch('/done');
          });
        </script>`),
    );
    // The page's load waits on this image until its script has tried everything, so the capture
    // cannot happen before the attempts do.
    web.answers.set('http://exfil.test/hold.png', async () => {
      await released;
      return { status: 200, headers: { 'content-type': 'image/png' }, body: pixel };
    });
    web.answers.set('http://exfil.test/done', async () => {
      release();
      return { status: 204, headers: {}, body: Buffer.alloc(0) };
    });

    const shot = await renderer.render('http://exfil.test/');

    expect(trap.hits).toEqual([]);
    expect(shot.title).toBe('stopped stopped stopped gathered');
    expect(shot.requests).toContainEqual({ url: `${secret}?fetch`, status: null, blocked: 'refused' });
    expect(shot.requests).toContainEqual({ url: `${secret}?img`, status: null, blocked: 'refused' });
    expect(shot.requests).toContainEqual({ url: `ws://127.0.0.1:${trap.port}/socket`, status: null, blocked: 'websocket' });
    expect(web.calls.map((c) => c.url)).toContain(`${secret}?fetch`);
  });

  it('does not forward requests that carry a body', async () => {
    web.answers.set(
      'http://form.test/',
      html(`<title>form</title><script>
        fetch('/submit', { method: 'POST', body: 'name=x' }).then(() => 'sent', () => 'stopped')
          .then((r) => { document.title = r; });
      </script>`),
    );
    web.answers.set('http://form.test/submit', html('accepted'));

    const shot = await renderer.render('http://form.test/');

    expect(shot.title).toBe('stopped');
    expect(shot.requests).toContainEqual({ url: 'http://form.test/submit', status: null, blocked: 'method' });
    expect(web.calls.map((c) => c.url)).not.toContain('http://form.test/submit');
  });

  it('blocks a malformed answer from fetchResource instead of leaving the request hanging', async () => {
    web.answers.set('http://malformed.test/', html('<title>malformed</title><img src="/broken.png">'));
    web.answers.set('http://malformed.test/broken.png', { status: 200, headers: {}, body: null as unknown as Buffer });

    const shot = await renderer.render('http://malformed.test/');

    expect(shot.requests).toContainEqual({ url: 'http://malformed.test/broken.png', status: null, blocked: 'unfulfillable' });
  });

  it('starts every render with no cookies or storage from the one before', async () => {
    web.answers.set(
      'http://state.test/write',
      html(
        `<title>write</title><script>
          document.cookie = 'script=1; path=/';
          localStorage.setItem('k', 'v');
          sessionStorage.setItem('k', 'v');
          fetch('/probe').then(() => { document.title = 'written'; });
        </script>`,
        { 'set-cookie': 'server=1; Path=/; Max-Age=3600' },
      ),
    );
    web.answers.set('http://state.test/probe', html('ok'));
    web.answers.set(
      'http://state.test/read',
      html(`<title>read</title><script>
        document.title = [document.cookie, localStorage.getItem('k'), sessionStorage.getItem('k')].join('|');
      </script>`),
    );

    const written = await renderer.render('http://state.test/write');
    const read = await renderer.render('http://state.test/read');

    expect(written.title).toBe('written');
    // The cookies did exist within the first render.
    expect(web.calls.find((c) => c.url === 'http://state.test/probe')?.headers.cookie).toMatch(/server=1/);
    expect(read.title).toBe('||');
    expect(web.calls.find((c) => c.url === 'http://state.test/read')?.headers.cookie).toBeUndefined();
  });

  it('renders end to end from a real loopback server through a fetch-based fetchResource, following redirects', async () => {
    const green = await pngOf(400, 300, [0, 200, 0]);
    const seen: string[] = [];
    const site = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/') res.writeHead(302, { location: '/page', 'set-cookie': 'visited=yes; Path=/' }).end();
      else if (req.url === '/page')
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><title>Served ${req.headers.cookie}</title><link rel="stylesheet" href="/site.css"><img src="/green.png">`);
      else if (req.url === '/site.css') res.writeHead(301, { location: '/assets/site.css' }).end();
      else if (req.url === '/assets/site.css')
        res.writeHead(200, { 'content-type': 'text/css' }).end('body { margin: 0; background: rgb(255, 255, 0) } img { display: block }');
      else if (req.url === '/green.png') res.writeHead(200, { 'content-type': 'image/png' }).end(green);
      else res.writeHead(404).end();
    });
    site.listen(0, '127.0.0.1');
    await once(site, 'listening');
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const viaFetch = new ScreenshotRenderer({
      fetchResource: async (url, init) => {
        const res = await fetch(url, { ...init, redirect: 'manual' });
        return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
      },
    });
    try {
      const shot = await viaFetch.render(`${origin}/`);

      expect(shot.finalUrl).toBe(`${origin}/page`);
      // The cookie set by the redirect reached the next request.
      expect(shot.title).toBe('Served visited=yes');
      expect([shot.width, shot.height]).toEqual([1_280, 800]);
      const rgb = await decode(shot);
      expect(rgb(200, 150)).toEqual([0, 200, 0]);
      expect(rgb(800, 600)).toEqual([255, 255, 0]);
      // The stylesheet and the image load in parallel, so their entries interleave in any order.
      expect(shot.requests.map((r) => [r.url.slice(origin.length), r.status, r.blocked]).sort()).toEqual([
        ['/', 302, null],
        ['/assets/site.css', 200, null],
        ['/green.png', 200, null],
        ['/page', 200, null],
        ['/site.css', 301, null],
      ]);
      expect(seen.sort()).toEqual(['/', '/assets/site.css', '/green.png', '/page', '/site.css']);
    } finally {
      await viaFetch.close();
      site.closeAllConnections();
      site.close();
    }
  });

  it('fails closed at the browser level: Chromium with these switches and no routing reaches nothing', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', chromiumSandbox: false, args: [...SCREENSHOT_CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage();
      for (const url of [`http://127.0.0.1:${trap.port}/unrouted`, `http://localhost:${trap.port}/unrouted`]) {
        await expect(page.goto(url, { timeout: 10_000 })).rejects.toThrow(/ERR_PROXY_CONNECTION_FAILED|ERR_NAME_NOT_RESOLVED/);
      }
    } finally {
      await browser.close();
    }
    expect(trap.hits).toEqual([]);
  });

  it('clips tall pages and stops answering after the request limit', async () => {
    tightWeb.answers.set(
      'http://tall.test/',
      html(`<body style="margin:0"><div style="height:5000px;background:#0f0"></div>
        <img src="/1.png"><img src="/2.png"><img src="/3.png"><img src="/4.png">`),
    );
    const pixel = await pngOf(1, 1, [0, 0, 0]);
    for (const n of [1, 2, 3, 4]) tightWeb.answers.set(`http://tall.test/${n}.png`, { status: 200, headers: {}, body: pixel });

    const shot = await tight.render('http://tall.test/');

    expect([shot.width, shot.height]).toEqual([1_280, 1_200]);
    expect((await sharp(shot.png).metadata()).height).toBe(1_200);
    expect(shot.requests).toHaveLength(4);
    expect(shot.requests.filter((r) => r.blocked === 'request-limit')).toEqual([shot.requests[3]]);
  });

  it('blocks a resource larger than the byte limit', async () => {
    tightWeb.answers.set('http://big.test/', html('<title>big</title><img src="/big.png">'));
    tightWeb.answers.set('http://big.test/big.png', { status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.alloc(3_000) });

    const shot = await tight.render('http://big.test/');

    expect(shot.requests).toContainEqual({ url: 'http://big.test/big.png', status: null, blocked: 'resource-too-large' });
  });

  it('times out with VIGIL_SCREENSHOT_TIMEOUT when the document never arrives, and releases the fetch', async () => {
    let signal: AbortSignal | undefined;
    tightWeb.answers.set('http://slow.test/', (init) => {
      signal = init.signal;
      return new Promise(() => {});
    });

    await expectScreenshotError(tight.render('http://slow.test/'), 'VIGIL_SCREENSHOT_TIMEOUT');
    expect(signal?.aborted).toBe(true);
  });

  it('times out when a script never yields, and the browser keeps working afterwards', async () => {
    tightWeb.answers.set('http://spin.test/', html('<title>spin</title><script>for (;;) {}</script>'));
    tightWeb.answers.set('http://calm.test/', html('<title>calm</title>'));

    await expectScreenshotError(tight.render('http://spin.test/'), 'VIGIL_SCREENSHOT_TIMEOUT');
    expect((await tight.render('http://calm.test/')).title).toBe('calm');
  });

  it('refuses redirect loops, and redirects away from http(s) for documents and subresources alike', async () => {
    const redirect = (location: string): FetchedResource => ({ status: 302, headers: { location }, body: Buffer.alloc(0) });
    web.answers.set('http://loop.test/a', redirect('/b'));
    web.answers.set('http://loop.test/b', redirect('/a'));
    web.answers.set('http://local.test/', redirect('file:///etc/passwd'));
    web.answers.set('http://hops.test/', html('<title>hops</title><img src="/img"><img src="/spin">'));
    web.answers.set('http://hops.test/img', redirect('file:///etc/passwd'));
    web.answers.set('http://hops.test/spin', redirect('/spin'));

    const loop = await expectScreenshotError(renderer.render('http://loop.test/a'), 'VIGIL_SCREENSHOT_FAILED');
    expect(loop.message).toMatch(/redirects more than/);
    const local = await expectScreenshotError(renderer.render('http://local.test/'), 'VIGIL_SCREENSHOT_FAILED');
    expect(local.message).toMatch(/file:\/\/\/etc\/passwd/);
    const hops = await renderer.render('http://hops.test/');
    expect(hops.requests).toContainEqual({ url: 'file:///etc/passwd', status: null, blocked: 'scheme' });
    const spins = hops.requests.filter((r) => r.url === 'http://hops.test/spin');
    // The request itself, SCREENSHOT_MAX_REDIRECTS followed hops, and the one refused.
    expect(spins).toHaveLength(SCREENSHOT_MAX_REDIRECTS + 2);
    expect(spins.slice(0, -1).every((r) => r.status === 302 && r.blocked === null)).toBe(true);
    expect(spins.at(-1)).toEqual({ url: 'http://hops.test/spin', status: null, blocked: 'redirect-limit' });
  });

  it('refuses URLs that are not http or https', async () => {
    for (const url of ['file:///etc/passwd', 'data:text/html,<p>x</p>', 'not a url']) {
      await expectScreenshotError(renderer.render(url), 'VIGIL_SCREENSHOT_FAILED');
    }
  });

  it('fails with VIGIL_SCREENSHOT_FAILED when fetchResource refuses the document itself', async () => {
    const error = await expectScreenshotError(renderer.render('http://refused.test/'), 'VIGIL_SCREENSHOT_FAILED');
    expect(error.message).toMatch(/ERR_BLOCKED_BY_CLIENT/);
  });

  it('says how to install Chromium when it is missing', async () => {
    const missing = new ScreenshotRenderer({ executablePath: '/nonexistent/chromium', fetchResource: web.fetchResource });
    const error = await expectScreenshotError(missing.render('http://colours.test/'), 'VIGIL_SCREENSHOT_BROWSER_MISSING');
    expect(error.message).toMatch(/scripts\/setup\.sh/);
    expect(error.message).toMatch(/apt-get install chromium/);
    await missing.close();
  });

  it('refuses to render after close', async () => {
    const closing = new ScreenshotRenderer({ fetchResource: web.fetchResource });
    await closing.close();
    await expectScreenshotError(closing.render('http://colours.test/'), 'VIGIL_SCREENSHOT_FAILED');
  });
});
