// `npm run bench`: the product against a bare Fastify baseline, in one run, alternately, for
// several rounds (BENCHMARKS.md describes the method). Flags (or BENCH_<NAME> env):
//   --quick                 1 round of 3 s, 1 s warm-up, a 200,000-desktop "large" store
//   --rounds N (3)  --duration S (10)  --warmup S (3)  --connections N (50)
//   --desktops N (100000)   the main store
//   --small N (1000)  --large N (1000000)   the scale pair
//   --workers N (2)         the multi-process instance
//   --only a,b  --skip a,b  scenario keys (see --list)
//   --log-level L (warn)    the same for product and baseline
//   --cpu-prof              product processes write V8 CPU profiles, summarised at the end
//   --keep                  keep the temporary stores
//   --update-doc            write the table into BENCHMARKS.md (between its bench:table markers)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEV } from '../src/server/dev-seed.js';
import { freePort, hasTaskset, startServer, type ServerProcess } from './lib/processes.js';
import { summariseProfiles } from './lib/profile-summary.js';
import { desktopIdLines, seedDevStore } from './lib/seed-store.js';
import { signedSysprepLines } from './lib/signed-requests.js';
import { fmt, median, table } from './lib/stats.js';
import { desktopIdAt } from './lib/synthetic-fleet.js';
import { ensureWrk, runWrk, type WrkResult } from './lib/wrk.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PROJECT = DEV.project.id;
const ADMIN = DEV.users[0];

// ---- options ------------------------------------------------------------------------------

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    desktops: { type: 'string' },
    small: { type: 'string' },
    large: { type: 'string' },
    workers: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'log-level': { type: 'string' },
    'cpu-prof': { type: 'boolean' },
    keep: { type: 'boolean' },
    list: { type: 'boolean' },
    'update-doc': { type: 'boolean' },
  },
});

function opt(name: string, quick: string, normal: string): string {
  const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const given = (flags as Record<string, unknown>)[name] as string | undefined;
  return given ?? env ?? (quick === '' || !isQuick ? normal : quick);
}
const isQuick = flags.quick === true || process.env.BENCH_QUICK === '1';
const int = (name: string, quick: string, normal: string) => {
  const v = Number(opt(name, quick, normal));
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
};

const O = {
  rounds: Math.max(1, int('rounds', '1', '3')),
  duration: Math.max(1, int('duration', '3', '10')),
  warmup: int('warmup', '1', '3'),
  connections: Math.max(1, int('connections', '', '50')),
  desktops: Math.max(100, int('desktops', '', '100000')),
  small: Math.max(100, int('small', '', '1000')),
  large: Math.max(100, int('large', '200000', '1000000')),
  workers: Math.max(2, int('workers', '', '2')),
  logLevel: opt('log-level', '', 'warn'),
  cpuProf: flags['cpu-prof'] === true || process.env.BENCH_CPU_PROF === '1',
  keep: flags.keep === true,
  only: (opt('only', '', '') || '').split(',').filter(Boolean),
  skip: (opt('skip', '', '') || '').split(',').filter(Boolean),
};
/** Signed requests per round (37 µs each with the SDK signer): a random sample of the store's ids. */
const SIGNED_PER_ROUND = 50_000;
/** Password hashing is deliberately slow; 8 concurrent logins already far exceed a real login rate. */
const ISSUANCE_CONNECTIONS = 8;

const twoCores = cpus().length >= 2 && hasTaskset;
const SERVER_CPUS = twoCores ? '0' : null;
const LOAD_CPUS = twoCores ? '1' : null;
const ALL_CPUS = twoCores ? '0,1' : null;

const log = (line: string) => process.stderr.write(line + '\n');

// ---- scenarios ----------------------------------------------------------------------------

interface Instance {
  server: ServerProcess;
  idsFile: string;
  desktops: number;
  token: string;
}

interface Scenario {
  key: string;
  title: string;
  connections: number;
  target?: { ratio?: number; p99Ms?: number };
  /** Before each measured (and warm-up) run; e.g. re-signing. */
  prepare?: () => Promise<void>;
  /** A real request of the scenario: null when it answers 2xx, else why the scenario is skipped. */
  probe: () => Promise<string | null>;
  instance: () => Instance;
  scriptArgs: () => string[];
  skipped?: string;
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(ROOT, 'bench/results', stamp);
const work = mkdtempSync(join(tmpdir(), 'wks-bench-'));
const servers: ServerProcess[] = [];

async function describeFailure(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const j = JSON.parse(text) as { error_code?: string; error_msg?: string; error?: { message?: string } };
    return `${res.status} ${j.error_code ?? ''} ${j.error_msg ?? j.error?.message ?? ''}`.replace(/\s+/g, ' ').trim();
  } catch {
    return `${res.status} ${text.slice(0, 120)}`;
  }
}

async function probe(port: number, path: string, init: RequestInit): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  if (res.status >= 200 && res.status < 300) {
    await res.arrayBuffer();
    return null;
  }
  return `answers ${await describeFailure(res)}`;
}

function tokenRequestBody(): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: ADMIN.name, password: DEV.password, domain: { name: DEV.domain } } } },
      scope: { project: { id: PROJECT } },
    },
  });
}

async function issueToken(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenRequestBody() });
  if (res.status !== 201) throw new Error(`token issuance failed: ${await describeFailure(res)}`);
  return res.headers.get('x-subject-token') as string;
}

async function seededInstance(name: string, desktops: number, extraArgs: string[] = [], cpus = SERVER_CPUS, dataDir?: string): Promise<Instance> {
  const dir = dataDir ?? join(work, name);
  if (!dataDir) {
    mkdirSync(dir, { recursive: true });
    const started = Date.now();
    let last = 0;
    await seedDevStore(dir, desktops, (done) => {
      if (Date.now() - last > 2000 || done === desktops) {
        last = Date.now();
        log(`  seeding ${name}: ${fmt(done)}/${fmt(desktops)} desktops`);
      }
    });
    log(`  seeded ${name} in ${fmt((Date.now() - started) / 1000, 1)} s`);
  }
  const idsFile = join(work, `${name}.ids`);
  writeFileSync(idsFile, desktopIdLines(desktops));
  const port = await freePort();
  const nodeArgs = O.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles', name)}`] : [];
  const server = await startServer({
    name,
    port,
    command: process.execPath,
    args: [...nodeArgs, join(ROOT, 'dist/main.js'), '--data-dir', dir, '--log-level', O.logLevel, 'serve', '--dev', '--port', String(port), ...extraArgs],
    cpus,
    logFile: join(resultsDir, 'logs', `${name}.log`),
  });
  servers.push(server);
  return { server, idsFile, desktops, token: await issueToken(port) };
}

function getArgs(inst: Instance): string[] {
  return ['get', inst.idsFile, `/v2/${PROJECT}/desktops/`, '/sysprep', 'X-Auth-Token', inst.token];
}

function sysprepScenario(key: string, title: string, inst: () => Instance): Scenario {
  return {
    key,
    title,
    connections: O.connections,
    target: { ratio: key === 'token-get' ? 0.7 : undefined, p99Ms: 10 },
    instance: inst,
    probe: () => probe(inst().server.port, `/v2/${PROJECT}/desktops/${desktopIdAt(0)}/sysprep`, { headers: { 'x-auth-token': inst().token } }),
    scriptArgs: () => getArgs(inst()),
  };
}

// ---- the run ------------------------------------------------------------------------------

interface RunRecord {
  round: number;
  scenario: string;
  result: Measured;
  void: string | null;
}

interface Measured extends WrkResult {
  /** Server CPU time (user + system, all its processes) per completed request, in µs. */
  cpuUsPerReq: number;
}

/** Waits until every server has worked off what the previous run left queued (at most 15 s). */
async function settle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  const busy = () => servers.reduce((sum, s) => sum + s.cpuMs(), 0);
  for (let before = busy(); Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 250));
    const now = busy();
    if (now - before < 25) return; // under 10% of a core
    before = now;
  }
}

async function measure(server: ServerProcess, connections: number, durationS: number, scriptArgs: string[]): Promise<Measured> {
  await settle();
  const cpuBefore = server.cpuMs();
  const r = await runWrk({ port: server.port, durationS, connections, timeoutS: 10, cpus: LOAD_CPUS, scriptArgs });
  return { ...r, cpuUsPerReq: r.requests > 0 ? ((server.cpuMs() - cpuBefore) * 1000) / r.requests : NaN };
}

function voidReason(r: WrkResult): string | null {
  if (r.non2xx > 0) return `${r.non2xx} non-2xx answers`;
  if (r.socketErrors > 0) return `${r.socketErrors} socket errors/timeouts`;
  if (r.requests === 0) return 'no request completed';
  return null;
}

function machineLine(): string {
  const cpu = cpus();
  const mem = Math.round(Number(spawnSync('sh', ['-c', "awk '/MemTotal/ {print $2}' /proc/meminfo"]).stdout.toString()) / 1024 / 1024);
  return `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${mem} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

async function main() {
  const allKeys = ['token-get', 'aksk-get', 'batch', 'list', 'issue-token', 'get-small', 'get-large', 'get-workers'];
  if (flags.list) {
    console.log(allKeys.join('\n'));
    return;
  }
  const wanted = (k: string) => (O.only.length === 0 || O.only.includes(k)) && !O.skip.includes(k);
  mkdirSync(join(resultsDir, 'logs'), { recursive: true });
  if (!ensureWrk(log)) throw new Error('wrk is required: apt-get update && apt-get install -y wrk');
  const loadBefore = loadavg();
  log(`machine: ${machineLine()}`);
  log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}${loadBefore[0] > 0.5 ? '  (NOT QUIET: numbers will be noisy)' : ''}`);
  log(twoCores ? 'pinning: servers on CPU 0, wrk on CPU 1' : 'pinning: off (needs two CPUs and taskset)');
  log(`options: ${JSON.stringify(O)}`);

  log('building dist/ …');
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
  if (build.status !== 0) throw new Error('build failed');

  log('starting servers …');
  const basePort = await freePort();
  const baseline = await startServer({
    name: 'baseline',
    port: basePort,
    command: process.execPath,
    args: [join(ROOT, 'bench/baseline-server.mjs'), '--port', String(basePort), '--log-level', O.logLevel],
    cpus: SERVER_CPUS,
    logFile: join(resultsDir, 'logs', 'baseline.log'),
  });
  servers.push(baseline);

  const needMain = ['token-get', 'aksk-get', 'batch', 'list', 'issue-token', 'get-workers'].some(wanted);
  const main = needMain ? await seededInstance('main', O.desktops) : null;
  const small = wanted('get-small') ? await seededInstance('small', O.small) : null;
  const large = wanted('get-large') ? await seededInstance('large', O.large) : null;
  const multi =
    wanted('get-workers') && main
      ? await seededInstance('workers', O.desktops, ['--workers', String(O.workers)], ALL_CPUS, join(work, 'main'))
      : null;

  let signedFile = join(work, 'signed.lines');
  const tokenBodyFile = join(work, 'token-body.json');
  writeFileSync(tokenBodyFile, tokenRequestBody());
  const m = () => main as Instance;

  const scenarios: Scenario[] = [
    sysprepScenario('token-get', `sysprep GET, X-Auth-Token (${fmt(O.desktops)} desktops)`, m),
    {
      key: 'aksk-get',
      title: `sysprep GET, AK/SK signature (${fmt(O.desktops)} desktops)`,
      connections: O.connections,
      target: { ratio: 0.65, p99Ms: 10 },
      instance: m,
      prepare: async () => {
        const n = Math.min(SIGNED_PER_ROUND, m().desktops);
        const ids = Array.from({ length: n }, () => desktopIdAt(Math.floor(Math.random() * m().desktops)));
        signedFile = join(work, 'signed.lines');
        writeFileSync(signedFile, signedSysprepLines({ ak: ADMIN.ak, sk: ADMIN.sk, projectId: PROJECT, port: m().server.port, desktopIds: ids }));
      },
      probe: async () => {
        const [line] = signedSysprepLines({ ak: ADMIN.ak, sk: ADMIN.sk, projectId: PROJECT, port: m().server.port, desktopIds: [desktopIdAt(0)] }).trim().split('\n');
        const [path, ...hs] = line.split('\t');
        const headers = Object.fromEntries(hs.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 2)]));
        return probe(m().server.port, path, { headers });
      },
      scriptArgs: () => ['signed', signedFile],
    },
    {
      key: 'batch',
      title: 'batch POST /v2/{project_id}/sysprep, 100 ids',
      connections: O.connections,
      instance: m,
      probe: () =>
        probe(m().server.port, `/v2/${PROJECT}/sysprep`, {
          method: 'POST',
          headers: { 'x-auth-token': m().token, 'content-type': 'application/json' },
          body: JSON.stringify({ desktop_ids: Array.from({ length: 100 }, (_, i) => desktopIdAt(i)) }),
        }),
      scriptArgs: () => ['batch', m().idsFile, `/v2/${PROJECT}/sysprep`, '100', 'X-Auth-Token', m().token],
    },
    {
      key: 'list',
      title: 'desktops list, limit 100, random page',
      connections: O.connections,
      instance: m,
      probe: () => probe(m().server.port, `/v2/${PROJECT}/desktops?limit=100&offset=0`, { headers: { 'x-auth-token': m().token } }),
      scriptArgs: () => ['list', `/v2/${PROJECT}/desktops`, '100', String(m().desktops), 'X-Auth-Token', m().token],
    },
    {
      key: 'issue-token',
      title: 'token issuance POST /v3/auth/tokens',
      connections: Math.min(ISSUANCE_CONNECTIONS, O.connections),
      instance: m,
      probe: () => probe(m().server.port, '/v3/auth/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenRequestBody() }),
      scriptArgs: () => ['post', '/v3/auth/tokens', tokenBodyFile, 'Accept', 'application/json'],
    },
    sysprepScenario('get-small', `sysprep GET, X-Auth-Token (${fmt(O.small)} desktops)`, () => small as Instance),
    sysprepScenario('get-large', `sysprep GET, X-Auth-Token (${fmt(O.large)} desktops)`, () => large as Instance),
    sysprepScenario('get-workers', `sysprep GET, X-Auth-Token, --workers ${O.workers} (CPUs 0-1, shared with wrk)`, () => multi as Instance),
  ].filter((s) => wanted(s.key));

  for (const s of scenarios) {
    try {
      s.skipped = (await s.probe()) ?? undefined;
    } catch (err) {
      s.skipped = `probe failed: ${(err as Error).message}`;
    }
    if (s.skipped) log(`skipped: ${s.key}: ${s.skipped}`);
  }
  const active = scenarios.filter((s) => !s.skipped);
  const baselineArgs = main ? getArgs(main) : getArgs((small ?? large ?? multi) as Instance);

  if (O.warmup > 0) {
    log(`warm-up: ${O.warmup} s each …`);
    await measure(baseline, O.connections, O.warmup, baselineArgs);
    for (const s of active) {
      await s.prepare?.();
      await measure(s.instance().server, s.connections, O.warmup, s.scriptArgs());
    }
  }

  const records: RunRecord[] = [];
  for (let round = 1; round <= O.rounds; round++) {
    const b = await measure(baseline, O.connections, O.duration, baselineArgs);
    records.push({ round, scenario: 'baseline', result: b, void: voidReason(b) });
    log(`round ${round}/${O.rounds}: baseline ${fmt(b.rps)} req/s, p99 ${fmt(b.p99Ms, 2)} ms, CPU ${fmt(b.cpuUsPerReq, 1)} µs/req${voidReason(b) ? ' VOID: ' + voidReason(b) : ''}`);
    // A different order each round, so a slow drift does not always hit the same scenario.
    const order = active.map((_, i) => active[(i + round - 1) % active.length]);
    for (const s of order) {
      await s.prepare?.();
      const r = await measure(s.instance().server, s.connections, O.duration, s.scriptArgs());
      const v = voidReason(r);
      records.push({ round, scenario: s.key, result: r, void: v });
      log(`round ${round}/${O.rounds}: ${s.key} ${fmt(r.rps)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, CPU ${fmt(r.cpuUsPerReq, 1)} µs/req${v ? ' VOID: ' + v : ''}`);
    }
  }
  const loadAfter = loadavg();

  // ---- summary ----
  const baseOf = (round: number) => records.find((r) => r.round === round && r.scenario === 'baseline' && !r.void)?.result;
  const valid = (key: string) => records.filter((r) => r.scenario === key && !r.void);
  const ratios = (key: string) =>
    valid(key)
      .map((r) => {
        const b = baseOf(r.round);
        return b ? r.result.rps / b.rps : NaN;
      })
      .filter(Number.isFinite);
  // The same ratio from CPU time per request: less sensitive to other load on the machine.
  const cpuRatios = (key: string) =>
    valid(key)
      .map((r) => {
        const b = baseOf(r.round);
        return b ? b.cpuUsPerReq / r.result.cpuUsPerReq : NaN;
      })
      .filter(Number.isFinite);
  const summary = (key: string) => {
    const v = valid(key);
    return {
      rounds: v.length,
      rps: median(v.map((r) => r.result.rps)),
      p50Ms: median(v.map((r) => r.result.p50Ms)),
      p99Ms: median(v.map((r) => r.result.p99Ms)),
      ratio: key === 'baseline' ? 1 : median(ratios(key)),
      cpuUsPerReq: median(v.map((r) => r.result.cpuUsPerReq)),
      cpuRatio: key === 'baseline' ? 1 : median(cpuRatios(key)),
    };
  };

  const rss = new Map(servers.map((s) => [s.name, s.peakRssKib()]));
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const addRow = (key: string, title: string, conns: number, server: string, target?: Scenario['target']) => {
    const s = summary(key);
    let check = '';
    if (target && s.rounds > 0) {
      const parts: string[] = [];
      if (target.ratio !== undefined) parts.push(s.ratio >= target.ratio ? `ratio ≥ ${target.ratio} ok` : `ratio ≥ ${target.ratio} MISSED`);
      if (target.p99Ms !== undefined) parts.push(s.p99Ms <= target.p99Ms ? `p99 ≤ ${target.p99Ms} ms ok` : `p99 ≤ ${target.p99Ms} ms MISSED`);
      check = parts.join(', ');
      verdicts.push(`${key}: ${check}`);
    }
    rows.push([
      title,
      String(conns),
      fmt(s.rps),
      fmt(s.p50Ms, 2),
      fmt(s.p99Ms, 2),
      key === 'baseline' ? '1.00' : fmt(s.ratio, 2),
      fmt(s.cpuUsPerReq, 1),
      key === 'baseline' ? '1.00' : fmt(s.cpuRatio, 2),
      `${s.rounds}/${O.rounds}`,
      fmt((rss.get(server) ?? 0) / 1024),
      check,
    ]);
  };
  addRow('baseline', 'baseline: bare Fastify 5, constant JSON', O.connections, 'baseline');
  for (const s of scenarios) {
    if (s.skipped) {
      rows.push([s.title, String(s.connections), '–', '–', '–', '–', '–', '–', `0/${O.rounds}`, '–', `skipped: ${s.skipped}`]);
      continue;
    }
    addRow(s.key, s.title, s.connections, s.instance().server.name, s.target);
  }
  const headers = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'CPU µs/req', 'CPU ratio', 'rounds', 'peak RSS MiB', 'target'];
  const t = table(headers, rows);

  const notes: string[] = [];
  const perRound = (a: string, b: string, f: (x: Measured, y: Measured) => number) =>
    median(
      [...new Set(records.map((r) => r.round))]
        .map((round) => {
          const x = records.find((r) => r.round === round && r.scenario === a && !r.void);
          const y = records.find((r) => r.round === round && r.scenario === b && !r.void);
          return x && y ? f(x.result, y.result) : NaN;
        })
        .filter(Number.isFinite),
    );
  if (valid('get-small').length && valid('get-large').length) {
    const growth = perRound('get-large', 'get-small', (l, s) => l.p99Ms / s.p99Ms - 1);
    notes.push(`scale: p99 at ${fmt(O.large)} vs ${fmt(O.small)} desktops: ${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}% (target ≤ +20%: ${growth <= 0.2 ? 'ok' : 'MISSED'})`);
  }
  if (valid('token-get').length && valid('get-workers').length) {
    const gain = perRound('get-workers', 'token-get', (w, one) => w.rps / one.rps);
    notes.push(`workers: ${O.workers} workers vs 1 worker, sysprep GET req/s: ×${fmt(gain, 2)} (median of per-round ratios)`);
  }
  notes.push(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);

  const header = [
    `workspace-sysprep benchmark, ${new Date().toISOString()}`,
    `machine: ${machineLine()}`,
    `method: ${O.rounds} round(s) × ${O.duration} s per scenario after ${O.warmup} s warm-up, wrk -t1, log level ${O.logLevel}, ${twoCores ? 'servers pinned to CPU 0, wrk to CPU 1' : 'no CPU pinning'}; values are medians over valid rounds; ratio = req/s ÷ the same round's baseline req/s; CPU ratio = baseline CPU µs/req ÷ scenario CPU µs/req (same round)`,
  ];
  const out = [...header, '', t.text, '', ...notes].join('\n');
  console.log('\n' + out + '\n');

  writeFileSync(join(resultsDir, 'result.json'), JSON.stringify({ options: O, machine: machineLine(), loadBefore, loadAfter, records, scenarios: scenarios.map((s) => ({ key: s.key, title: s.title, connections: s.connections, skipped: s.skipped ?? null })), rssKib: Object.fromEntries(rss) }, null, 2));
  const markdown = [...header.map((h) => h + '  '), '', t.markdown, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
  writeFileSync(join(resultsDir, 'table.md'), markdown);
  log(`results: ${resultsDir}`);
  if (flags['update-doc']) updateBenchmarksDoc(markdown);

  await stopAll();
  if (O.cpuProf) console.log(summariseProfiles(join(resultsDir, 'profiles')));
}

const DOC_START = '<!-- bench:table:start -->';
const DOC_END = '<!-- bench:table:end -->';

/** Replaces the table between the markers of BENCHMARKS.md with this run's. */
function updateBenchmarksDoc(markdown: string) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const doc = readFileSync(file, 'utf8');
  const a = doc.indexOf(DOC_START);
  const b = doc.indexOf(DOC_END);
  if (a < 0 || b < a) return log(`BENCHMARKS.md has no ${DOC_START} … ${DOC_END} markers; not updated`);
  writeFileSync(file, doc.slice(0, a + DOC_START.length) + '\n' + markdown + doc.slice(b));
  log('BENCHMARKS.md updated');
}

async function stopAll() {
  const codes = await Promise.all(servers.splice(0).map(async (s) => [s.name, await s.stop()] as const));
  for (const [name, code] of codes) if (code !== 0) log(`warning: ${name} exited with ${code}`);
  if (!O.keep) rmSync(work, { recursive: true, force: true });
  else log(`stores kept in ${work}`);
}

process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});

main().catch(async (err: unknown) => {
  log(`bench failed: ${(err as Error).stack ?? String(err)}`);
  await stopAll();
  process.exit(1);
});
