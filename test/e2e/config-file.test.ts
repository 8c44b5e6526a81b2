// `serve --config file.json` as a real process: the port and data dir come from the file, the
// environment still wins over it, dev mode from the file binds 127.0.0.1 only, and a bad file
// stops the start with one line naming the setting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, spawnServer } from '../helpers/server-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wks-config-e2e-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeConfig(dir: string, content: Record<string, unknown>): string {
  const file = join(dir, 'workspace-sysprep.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('serve --config', () => {
  it('listens on the port the file names, with the data dir it names', async () => {
    const dir = tempDir();
    const port = await freePort();
    const file = writeConfig(dir, { port, 'data-dir': join(dir, 'data'), 'log-level': 'warn' });
    const srv = await spawnServer(['serve', '--config', file], { port, dataDir: join(dir, 'data') });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', store: 'sqlite' });
      // The first start wrote its store and secret where the file said.
      expect(srv.output()).toMatch(/First start: created account "default"/);
      const again = await runCli(['--config', file, 'projects', 'list']);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^id +name +domain_id +enabled\n[- ]+\n[0-9a-f]{32} {2}default {2}[0-9a-f]{32} {2}true\n$/);
    } finally {
      await srv.stop('SIGKILL');
    }
  });

  it('WKS_PORT wins over the file', async () => {
    const dir = tempDir();
    const [filePort, envPort] = [await freePort(), await freePort()];
    const file = writeConfig(dir, { port: filePort, dataDir: dir });
    const srv = await spawnServer(['serve', '--config', file], { port: envPort, dataDir: dir, env: { WKS_PORT: String(envPort) } });
    try {
      expect((await fetch(`http://127.0.0.1:${envPort}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${filePort}/healthz`)).rejects.toThrow();
    } finally {
      await srv.stop('SIGKILL');
    }
  });

  it('dev mode from the file, without a host, listens on 127.0.0.1 only', async () => {
    const dir = tempDir();
    const port = await freePort();
    const file = writeConfig(dir, { port, dataDir: dir, dev: true });
    const srv = await spawnServer(['serve', '--config', file], { port, dataDir: dir, env: { WKS_LOG_LEVEL: 'info' } });
    try {
      const listening = srv
        .output()
        .split('\n')
        .filter((l) => l.includes('Server listening at'))
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(listening).toEqual([`Server listening at http://127.0.0.1:${port}`]);
    } finally {
      await srv.stop('SIGKILL');
    }
  });

  it('an unknown setting stops the start: exit 2 and one line naming it', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, { prot: 8080, dataDir: dir });
    const r = await runCli(['serve', '--config', file]);
    expect(r.stderr).toBe(`error: config file ${file}: unknown setting "prot"\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('a bad value stops the start: exit 2 and one line naming it', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, { port: 'eighty', dataDir: dir });
    const r = await runCli(['serve', '--config', file]);
    expect(r.stderr).toBe(`error: config file ${file}: port must be a JSON number, got "eighty"\n`);
    expect(r.code).toBe(2);
  });
});
