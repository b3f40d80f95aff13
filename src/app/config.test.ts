import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to SQLite in the data folder on 127.0.0.1:8080', () => {
    const c = loadConfig({ VIGIL_DATA_DIR: dir });
    expect(c.databaseUrl).toBe(`sqlite:${join(dir, 'vigil.db')}`);
    expect([c.host, c.port, c.inlineWorker, c.tls]).toEqual(['127.0.0.1', 8080, true, null]);
  });

  it('reads a JSON config file and lets the environment override it', () => {
    const file = join(dir, 'vigil.json');
    writeFileSync(file, JSON.stringify({ VIGIL_PORT: 9000, VIGIL_LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://x@db/vigil' }));
    const c = loadConfig({ VIGIL_CONFIG: file, VIGIL_PORT: '9100' });
    expect([c.port, c.logLevel, c.databaseUrl]).toEqual([9100, 'debug', 'postgres://x@db/vigil']);
  });

  it('names the variable and the bad value', () => {
    expect(() => loadConfig({ VIGIL_PORT: '70000' })).toThrow(/VIGIL_PORT must be an integer from 0 to 65535, got "70000"/);
    expect(() => loadConfig({ VIGIL_INLINE_WORKER: 'maybe' })).toThrow(/VIGIL_INLINE_WORKER must be true or false/);
    expect(() => loadConfig({ VIGIL_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ VIGIL_TLS_CERT: '/x.pem' })).toThrow(/set together/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ VIGIL_PROT: 1 }));
    expect(() => loadConfig({ VIGIL_CONFIG: bad })).toThrow(/unknown key VIGIL_PROT/);
    writeFileSync(bad, '{ not json');
    expect(() => loadConfig({ VIGIL_CONFIG: bad })).toThrow(/not valid JSON/);
  });
});
