/**
 * Real receivers on loopback for the suites that watch what Vigil sends: an HTTP server that takes
 * webhooks as a provider would, and an SMTP server (smtp-server) that takes e-mail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Hit {
  path: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
export type SmtpReceiver = Awaited<ReturnType<typeof startSmtp>>;

/**
 * A webhook receiver keeping every request. `url(path, plan)` answers the requests to `path` with
 * the statuses of `plan` in turn, then 200.
 */
export async function startReceiver() {
  const hits: Hit[] = [];
  const plans = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      hits.push({ path, body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      const status = plans.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `synthetic failure ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    hits,
    url: (path: string, plan: number[] = []) => {
      plans.set(path, plan);
      return `${origin}${path}`;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An SMTP server on loopback that keeps every message as raw MIME text. */
export async function startSmtp() {
  const mails: { to: string[]; raw: string }[] = [];
  /** While true, every message is refused with 554, as a server that will not take it. */
  const state = { rejecting: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.rejecting) return callback(Object.assign(new Error('message refused'), { responseCode: 554 }));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    mails,
    url: `smtp://127.0.0.1:${port}`,
    reject: (on: boolean) => void (state.rejecting = on),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The decoded content of a MIME attachment by its file name. */
export function attachment(raw: string, filename: string): Buffer | null {
  const at = raw.indexOf(`filename=${filename}`);
  if (at < 0) return null;
  const start = raw.indexOf('\r\n\r\n', at) + 4;
  const end = raw.indexOf('\r\n--', start);
  return Buffer.from(raw.slice(start, end).replace(/\s+/g, ''), 'base64');
}
