/**
 * Configuration: environment variables, optionally preset by a JSON file named in `VIGIL_CONFIG`
 * (keys are the same variable names; the environment wins). Every variable is in the README table;
 * `CONFIG_VARIABLES` is that table's source, and a test keeps the README in step.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXPOSURE_DAILY_LIMIT_DEFAULT, UNDO_WINDOW_MS } from '../domains/review/review.model.ts';
import { REFERRAL_REMINDER_HOURS_DEFAULT } from '../domains/referral/referral.model.ts';
import { ESCALATION_LEAD_DEFAULT_MS } from '../domains/order/order.model.ts';

/** Default appeal period after which a removal order becomes final (national law sets it; a month is common). */
export const ORDER_APPEAL_DAYS_DEFAULT = 30;

export interface ConfigVariable {
  name: string;
  default: string;
  description: string;
}

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'VIGIL_CONFIG', default: '(none)', description: 'Path of a JSON file with any of these variables as keys; the environment overrides it.' },
  { name: 'VIGIL_DATA_DIR', default: './data', description: 'Data folder: SQLite database, blobs, instance keys.' },
  { name: 'DATABASE_URL', default: 'sqlite:<VIGIL_DATA_DIR>/vigil.db', description: 'A SQLite path (`sqlite:FILE`) or `postgres://user@host:port/db` to switch to PostgreSQL.' },
  { name: 'VIGIL_HOST', default: '127.0.0.1', description: 'Address the HTTP server listens on.' },
  { name: 'VIGIL_PORT', default: '8080', description: 'Port the HTTP server listens on (0 picks a free one).' },
  { name: 'VIGIL_TLS_CERT', default: '(none)', description: 'PEM certificate file; with VIGIL_TLS_KEY the server speaks HTTPS and session cookies are Secure.' },
  { name: 'VIGIL_TLS_KEY', default: '(none)', description: 'PEM private key file for VIGIL_TLS_CERT.' },
  { name: 'VIGIL_TRUST_PROXY', default: 'false', description: 'Trust X-Forwarded-* from a reverse proxy (true, or a comma-separated list of proxy addresses). Also marks cookies Secure when the proxy says https.' },
  { name: 'VIGIL_LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug or trace. Logs are JSON lines on stdout; secrets are redacted.' },
  { name: 'VIGIL_INLINE_WORKER', default: 'true', description: 'Run the job worker inside the server. Always on with SQLite; with PostgreSQL set false and run `vigil worker` processes instead.' },
  { name: 'VIGIL_WORKER_CONCURRENCY', default: '2', description: 'Jobs one worker runs at once.' },
  { name: 'VIGIL_SESSION_TTL_HOURS', default: '12', description: 'Lifetime of a login session.' },
  { name: 'VIGIL_LOGIN_MAX_FAILURES', default: '5', description: 'Failed logins in a row that lock an account.' },
  { name: 'VIGIL_LOGIN_LOCKOUT_MINUTES', default: '15', description: 'How long a locked account stays locked.' },
  { name: 'VIGIL_LOGIN_RATE_PER_MINUTE', default: '10', description: 'Login attempts per client address per minute.' },
  { name: 'VIGIL_API_RATE_PER_MINUTE', default: '6000', description: 'API requests per client address per minute (0 turns the limit off).' },
  { name: 'VIGIL_MAX_BLOB_BYTES', default: '536870912', description: 'Largest blob (upload) in bytes (512 MiB).' },
  { name: 'VIGIL_SOCKS_PROXY', default: '(none)', description: 'socks5h://host:port of a SOCKS5 proxy (e.g. Tor) used for .onion hosts; DNS goes through it. Without it .onion URLs are refused.' },
  { name: 'VIGIL_PROXY_ALL', default: 'false', description: 'Send every fetch through VIGIL_SOCKS_PROXY, not only .onion hosts.' },
  { name: 'VIGIL_FETCH_ALLOW', default: '(none)', description: 'Comma-separated CIDRs that fetching may reach in spite of the private-address block (e.g. 127.0.0.1/32 for a local test site). Leave empty in production.' },
  { name: 'VIGIL_SCREENSHOTS', default: 'true', description: 'Render a screenshot of each captured page in Chromium (/usr/bin/chromium).' },
  { name: 'VIGIL_TSA_URL', default: '(none)', description: 'RFC 3161 timestamp authority for custody checkpoints.' },
  { name: 'VIGIL_TSA_CA', default: '(none)', description: 'PEM file of the TSA’s CA, to verify its timestamps.' },
  { name: 'VIGIL_ADMIN_EMAIL', default: 'admin@vigil.local', description: 'E-mail of the first admin, created at first start.' },
  { name: 'VIGIL_ADMIN_PASSWORD', default: '(generated, printed once)', description: 'Password of the first admin; only read when the first admin is created.' },
  { name: 'VIGIL_OPERATOR_AGENCY', default: 'Instance operator', description: 'Name of the agency that runs the instance, created at first start.' },
  { name: 'VIGIL_SMTP_URL', default: '(none)', description: 'SMTP server for e-mail to providers, as smtp://user:pass@host:587 or smtps://host:465. Without it the e-mail channel is not used.' },
  { name: 'VIGIL_MAIL_FROM', default: 'vigil@localhost', description: 'Sender address of e-mail to providers.' },
  { name: 'VIGIL_REVIEW_UNDO_SECONDS', default: '60', description: 'How long a review decision stays a draft that its reviewer can undo before it publishes (0 to 3600).' },
  { name: 'VIGIL_EXPOSURE_DAILY_LIMIT', default: '100', description: 'Content reveals per reviewer per UTC day after which Vigil warns the reviewer and shows it to their admins.' },
  { name: 'VIGIL_REFERRAL_REMINDER_HOURS', default: '24', description: 'Hours after sending a referral, and between reminders, before a still unacknowledged referral is sent again as a reminder (1 to 720; at most REFERRAL_REMINDERS_MAX reminders).' },
  { name: 'VIGIL_ORDER_ESCALATION_MINUTES', default: '15', description: 'Minutes before a removal order\'s one-hour deadline at which Vigil escalates (1 to 59).' },
  { name: 'VIGIL_ORDER_APPEAL_DAYS', default: '30', description: 'Days after receipt after which a removal order counts as final (TCO Art. 3(9); final orders count towards Art. 5(4) exposure); set it to the appeal period of your national law (1 to 3650).' },
];

export interface Config {
  dataDir: string;
  databaseUrl: string;
  host: string;
  port: number;
  tls: { cert: string; key: string } | null;
  trustProxy: boolean | string;
  logLevel: string;
  inlineWorker: boolean;
  workerConcurrency: number;
  sessionTtlMs: number;
  loginMaxFailures: number;
  loginLockoutMs: number;
  loginRatePerMinute: number;
  apiRatePerMinute: number;
  maxBlobBytes: number;
  socksProxy: string | null;
  proxyAll: boolean;
  fetchAllow: string[];
  screenshots: boolean;
  tsaUrl: string | null;
  tsaCa: string | null;
  adminEmail: string;
  adminPassword: string | null;
  operatorAgency: string;
  smtpUrl: string | null;
  mailFrom: string;
  reviewUndoMs: number;
  exposureDailyLimit: number;
  referralReminderMs: number;
  orderEscalationMs: number;
  orderAppealMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Source = Record<string, string | undefined>;

function readFile(path: string): Source {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`VIGIL_CONFIG: cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`VIGIL_CONFIG: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`VIGIL_CONFIG: ${path} must hold a JSON object`);
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  const out: Source = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!known.has(k)) throw new ConfigError(`VIGIL_CONFIG: unknown key ${k} in ${path}`);
    out[k] = String(v);
  }
  return out;
}

function int(src: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = src[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function bool(src: Source, name: string, fallback: boolean): boolean {
  const raw = src[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function socksProxy(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^socks5h?:\/\/[^/\s]+:\d+\/?$/.test(raw)) throw new ConfigError(`VIGIL_SOCKS_PROXY must look like socks5h://host:port, got "${raw}"`);
  return raw.replace(/^socks5:/, 'socks5h:');
}

function cidrs(raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of list) if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c)) throw new ConfigError(`VIGIL_FETCH_ALLOW: "${c}" is not a CIDR like 127.0.0.1/32`);
  return list;
}

function smtpUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^smtps?:\/\/[^/\s]+/.test(raw)) throw new ConfigError('VIGIL_SMTP_URL must look like smtp://host:port or smtps://host:port');
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Source = process.env): Config {
  const src: Source = { ...(env.VIGIL_CONFIG ? readFile(env.VIGIL_CONFIG) : {}), ...env };
  const dataDir = resolve(src.VIGIL_DATA_DIR || './data');
  const databaseUrl = src.DATABASE_URL || `sqlite:${join(dataDir, 'vigil.db')}`;
  const logLevel = src.VIGIL_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`VIGIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const cert = src.VIGIL_TLS_CERT;
  const key = src.VIGIL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) throw new ConfigError('VIGIL_TLS_CERT and VIGIL_TLS_KEY must be set together');
  const trustRaw = src.VIGIL_TRUST_PROXY;
  const trustProxy = trustRaw === undefined || trustRaw === '' || /^(0|false|no|off)$/i.test(trustRaw) ? false : /^(1|true|yes|on)$/i.test(trustRaw) ? true : trustRaw;
  return {
    dataDir,
    databaseUrl,
    host: src.VIGIL_HOST || '127.0.0.1',
    port: int(src, 'VIGIL_PORT', 8080, 0, 65535),
    tls: cert && key ? { cert, key } : null,
    trustProxy,
    logLevel,
    inlineWorker: bool(src, 'VIGIL_INLINE_WORKER', true),
    workerConcurrency: int(src, 'VIGIL_WORKER_CONCURRENCY', 2, 1, 64),
    sessionTtlMs: int(src, 'VIGIL_SESSION_TTL_HOURS', 12, 1, 24 * 30) * 3_600_000,
    loginMaxFailures: int(src, 'VIGIL_LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockoutMs: int(src, 'VIGIL_LOGIN_LOCKOUT_MINUTES', 15, 1, 24 * 60) * 60_000,
    loginRatePerMinute: int(src, 'VIGIL_LOGIN_RATE_PER_MINUTE', 10, 1, 10_000),
    apiRatePerMinute: int(src, 'VIGIL_API_RATE_PER_MINUTE', 6000, 0, 10_000_000),
    maxBlobBytes: int(src, 'VIGIL_MAX_BLOB_BYTES', 512 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    socksProxy: socksProxy(src.VIGIL_SOCKS_PROXY),
    proxyAll: bool(src, 'VIGIL_PROXY_ALL', false),
    fetchAllow: cidrs(src.VIGIL_FETCH_ALLOW),
    screenshots: bool(src, 'VIGIL_SCREENSHOTS', true),
    tsaUrl: src.VIGIL_TSA_URL || null,
    tsaCa: src.VIGIL_TSA_CA || null,
    adminEmail: src.VIGIL_ADMIN_EMAIL || 'admin@vigil.local',
    adminPassword: src.VIGIL_ADMIN_PASSWORD || null,
    operatorAgency: src.VIGIL_OPERATOR_AGENCY || 'Instance operator',
    smtpUrl: smtpUrl(src.VIGIL_SMTP_URL),
    mailFrom: src.VIGIL_MAIL_FROM || 'vigil@localhost',
    reviewUndoMs: int(src, 'VIGIL_REVIEW_UNDO_SECONDS', UNDO_WINDOW_MS / 1000, 0, 3600) * 1000,
    exposureDailyLimit: int(src, 'VIGIL_EXPOSURE_DAILY_LIMIT', EXPOSURE_DAILY_LIMIT_DEFAULT, 1, 1_000_000),
    referralReminderMs: int(src, 'VIGIL_REFERRAL_REMINDER_HOURS', REFERRAL_REMINDER_HOURS_DEFAULT, 1, 720) * 3_600_000,
    orderEscalationMs: int(src, 'VIGIL_ORDER_ESCALATION_MINUTES', ESCALATION_LEAD_DEFAULT_MS / 60_000, 1, 59) * 60_000,
    orderAppealMs: int(src, 'VIGIL_ORDER_APPEAL_DAYS', ORDER_APPEAL_DAYS_DEFAULT, 1, 3650) * 86_400_000,
  };
}
