// PolicyHolder against a real file: thresholds come from --policy-file, a change is picked up
// without a restart, and a broken file is refused with a log line while the previous policy stays.
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { DEFAULT_POLICY, parsePolicy } from '../../src/domain/policy.js';
import { PolicyHolder, type PolicyLog } from '../../src/server/policy-holder.js';

let dir: string;
let file: string;
let lines: { level: 'info' | 'error'; obj: Record<string, unknown>; msg: string }[];
let holders: PolicyHolder[];

const log: PolicyLog = {
  info: (obj, msg) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
  error: (obj, msg) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
};

function holder(f: string | null = file): PolicyHolder {
  const h = new PolicyHolder(f, log);
  holders.push(h);
  return h;
}

/** Waits (without asserting on time) until `cond` holds; fails after a generous deadline. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wks-policy-'));
  file = join(dir, 'policy.json');
  lines = [];
  holders = [];
});
afterEach(() => {
  for (const h of holders) h.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PolicyHolder', () => {
  it('without a file: the defaults, and reload does nothing', () => {
    const h = holder(null);
    expect(h.current).toEqual(DEFAULT_POLICY);
    expect(h.reload()).toBe(false);
    expect(lines).toEqual([]);
  });

  it('reads the thresholds from the file, over the defaults', () => {
    writeFileSync(file, JSON.stringify({ min_sysprep_version: '10.0.17763', stale_after_seconds: 3600 }));
    expect(holder().current).toEqual({ ...DEFAULT_POLICY, minSysprepVersion: '10.0.17763.0', staleAfterMs: 3_600_000 });
  });

  it('refuses to start on a broken or missing file, naming the file and the reason', () => {
    writeFileSync(file, '{"generalize_limit": 0}');
    expect(() => holder()).toThrow(new ConfigError(`policy file ${file}: policy: generalize_limit must be an integer from 1 to 1000001`));
    writeFileSync(file, '{"min_sysprep_version": ');
    expect(() => holder()).toThrow(ConfigError);
    expect(() => holder()).toThrow(/^policy file .*policy\.json: /);
    expect(() => holder(join(dir, 'absent.json'))).toThrow(/^policy file .*absent\.json: ENOENT/);
  });

  it('reload: a valid file replaces the policy; a broken one is refused, logged, and the previous policy stays', () => {
    writeFileSync(file, '{}');
    const h = holder();
    // Log lines speak the file's own names, so an operator can match them against the file.
    const inFile = (generalizeLimit: number) => ({
      min_sysprep_version: DEFAULT_POLICY.minSysprepVersion,
      stale_after_seconds: DEFAULT_POLICY.staleAfterMs / 1000,
      min_hibernate_version: DEFAULT_POLICY.minHibernateVersion,
      min_update_route_version: DEFAULT_POLICY.minUpdateRouteVersion,
      generalize_limit: generalizeLimit,
    });
    expect(lines).toEqual([{ level: 'info', obj: { file, policy: inFile(DEFAULT_POLICY.generalizeLimit) }, msg: 'policy in force' }]);
    lines = [];
    writeFileSync(file, JSON.stringify({ generalize_limit: 10 }));
    expect(h.reload()).toBe(true);
    expect(h.current).toEqual({ ...DEFAULT_POLICY, generalizeLimit: 10 });
    expect(lines).toEqual([{ level: 'info', obj: { file, policy: inFile(10) }, msg: 'policy reloaded' }]);
    expect(parsePolicy(inFile(10))).toEqual(h.current);

    lines = [];
    for (const [content, reason] of [
      ['{"generalize_limit": 10,', /^policy file .*: (Unexpected end of JSON input|Expected .*)/],
      ['{"stale_after": 60}', /^policy file .*: policy: unknown key "stale_after" \(known keys: /],
      ['[]', /^policy file .*: policy: the policy file must contain a JSON object$/],
      ['', /^policy file .*: Unexpected end of JSON input$/],
    ] as const) {
      writeFileSync(file, content);
      expect(h.reload()).toBe(false);
      expect(h.current).toEqual({ ...DEFAULT_POLICY, generalizeLimit: 10 });
      const line = lines.pop()!;
      expect(line.level).toBe('error');
      expect(line.obj.file).toBe(file);
      expect(line.obj.err).toMatch(reason);
      expect(line.msg).toBe(`policy file refused; the previous policy stays in force: ${line.obj.err as string}`);
    }
    unlinkSync(file);
    expect(h.reload()).toBe(false);
    expect(h.current.generalizeLimit).toBe(10);
    expect(lines.pop()!.obj.err).toMatch(/ENOENT/);
  });

  it('watch: picks up edits and replacement by rename without a restart, and survives a broken version', async () => {
    writeFileSync(file, '{}');
    const h = holder();
    h.watch(20);
    // fs.watchFile takes its first stat asynchronously: an edit before it would be its baseline.
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(file, JSON.stringify({ min_sysprep_version: '10.0.19041.0' }));
    await until(() => h.current.minSysprepVersion === '10.0.19041.0', 'the edit');

    writeFileSync(file, '{"min_sysprep_version": "not a version"}');
    await until(() => lines.some((l) => l.level === 'error'), 'the refusal');
    expect(h.current.minSysprepVersion).toBe('10.0.19041.0');

    // Editors often write a temporary file and rename it over the original.
    const tmp = join(dir, 'policy.json.tmp');
    writeFileSync(tmp, JSON.stringify({ min_sysprep_version: '6.1', stale_after_seconds: 60 }));
    renameSync(tmp, file);
    await until(() => h.current.minSysprepVersion === '6.1.0.0', 'the rename');
    expect(h.current.staleAfterMs).toBe(60_000);
  });
});
