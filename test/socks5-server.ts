/**
 * A real SOCKS5 server for tests, on loopback: the server side of RFC 1928
 * with no authentication and the CONNECT command only. It records every
 * destination it is asked for, exactly as sent, so a test can prove that a
 * hostname reached the proxy unresolved (address type DOMAINNAME), and it
 * connects only the destinations a test maps, e.g. `<56 chars>.onion:80` ->
 * 127.0.0.1:<port>. Anything unmapped gets reply 0x04 (host unreachable).
 */
import net from 'node:net';

export interface Socks5Request {
  addressType: 'ipv4' | 'domain' | 'ipv6';
  host: string;
  port: number;
}

export interface Socks5Target {
  host: string;
  port: number;
}

export interface Socks5TestServer {
  port: number;
  /** Every CONNECT request received, in order. */
  requests: Socks5Request[];
  close(): Promise<void>;
}

const VERSION = 5;
const NO_AUTH = 0x00;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
const REPLY_SUCCEEDED = 0x00;
const REPLY_HOST_UNREACHABLE = 0x04;
const REPLY_CONNECTION_REFUSED = 0x05;
const REPLY_COMMAND_NOT_SUPPORTED = 0x07;
const REPLY_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

function reply(code: number): Buffer {
  // BND.ADDR 0.0.0.0:0: clients of a CONNECT do not use it.
  return Buffer.from([VERSION, code, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]);
}

/** Parses the CONNECT request at the start of `data`; null while more bytes are needed. */
function parseRequest(data: Buffer): { request: Socks5Request | null; command: number; length: number } | null {
  if (data.length < 5) return null;
  const command = data[1]!;
  const addressType = data[3]!;
  let host: string;
  let offset: number;
  if (addressType === ATYP_IPV4) {
    offset = 4 + 4;
    if (data.length < offset + 2) return null;
    host = [...data.subarray(4, 8)].join('.');
  } else if (addressType === ATYP_DOMAIN) {
    const length = data[4]!;
    offset = 5 + length;
    if (data.length < offset + 2) return null;
    host = data.subarray(5, offset).toString('latin1');
  } else if (addressType === ATYP_IPV6) {
    offset = 4 + 16;
    if (data.length < offset + 2) return null;
    const groups: string[] = [];
    for (let i = 4; i < offset; i += 2) groups.push(data.readUInt16BE(i).toString(16));
    host = groups.join(':');
  } else {
    return { request: null, command, length: data.length };
  }
  const type = addressType === ATYP_IPV4 ? 'ipv4' : addressType === ATYP_DOMAIN ? 'domain' : 'ipv6';
  return { request: { addressType: type, host, port: data.readUInt16BE(offset) }, command, length: offset + 2 };
}

/**
 * Starts the server on 127.0.0.1. `routes` maps `host:port` (as the client
 * sent it) to the real target.
 *
 * @example
 * const proxy = await startSocks5Server({ [`${onion}:80`]: { host: '127.0.0.1', port } });
 * // ... fetch through socks5h://127.0.0.1:${proxy.port}
 * expect(proxy.requests).toEqual([{ addressType: 'domain', host: onion, port: 80 }]);
 */
export async function startSocks5Server(routes: Record<string, Socks5Target>): Promise<Socks5TestServer> {
  const requests: Socks5Request[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'piping' = 'greeting';

    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'greeting') {
        if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return;
        const methods = buffered.subarray(2, 2 + buffered[1]!);
        if (buffered[0] !== VERSION || !methods.includes(NO_AUTH)) {
          client.end(Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]));
          return;
        }
        buffered = buffered.subarray(2 + buffered[1]!);
        stage = 'request';
        client.write(Buffer.from([VERSION, NO_AUTH]));
      }
      if (stage === 'request') {
        const parsed = parseRequest(buffered);
        if (parsed === null) return;
        if (parsed.request === null) {
          client.end(reply(REPLY_ADDRESS_TYPE_NOT_SUPPORTED));
          return;
        }
        requests.push(parsed.request);
        if (parsed.command !== CMD_CONNECT) {
          client.end(reply(REPLY_COMMAND_NOT_SUPPORTED));
          return;
        }
        const target = routes[`${parsed.request.host}:${parsed.request.port}`];
        if (target === undefined) {
          client.end(reply(REPLY_HOST_UNREACHABLE));
          return;
        }
        stage = 'piping';
        client.off('data', onData);
        const early = buffered.subarray(parsed.length);
        const upstream = net.connect(target.port, target.host);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        let connected = false;
        upstream.once('error', () => {
          if (connected) client.destroy();
          else client.end(reply(REPLY_CONNECTION_REFUSED));
        });
        upstream.once('connect', () => {
          connected = true;
          client.write(reply(REPLY_SUCCEEDED));
          if (early.length > 0) upstream.write(early);
          client.pipe(upstream);
          upstream.pipe(client);
        });
      }
    };
    client.on('data', onData);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
