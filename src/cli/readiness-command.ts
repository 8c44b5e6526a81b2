// `readiness [desktop-id] --project <id>`: why a desktop is (not) ready for an image, or the
// project's summary, as tables. Reads the store directly, like the other CLI verbs, and builds
// the same bodies as the HTTP API (server/readiness.ts); `--json` prints exactly those bodies.
import type { Command } from 'commander';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';
import { PolicyHolder } from '../server/policy-holder.js';
import { readinessToWire, summariseProject, type ReadinessBody, type SummaryBody } from '../server/readiness.js';
import { PROJECT_ID_RE, fail, printTable, withStore } from './shared.js';

const DESKTOP_ID_RE = /^[A-Za-z0-9-]{1,255}$/;
const MAX_CELL = 80;

function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? (value.length === 0 ? '[]' : value.map(cell).join(', ')) : JSON.stringify(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function printReadiness(projectId: string, r: ReadinessBody): void {
  const age = r.collected_at === null ? 'never reported' : `collected ${r.collected_at}${r.stale ? ' (stale)' : ''}`;
  console.log(`desktop ${r.desktop_id} in project ${projectId}: sysprep ${r.sysprep_version || '(none)'}, ${age}, evaluated ${r.evaluated_at}`);
  console.log('');
  printTable(
    ['capability', 'verdict'],
    [
      ['support_create_image', String(r.support_create_image)],
      ['support_hibernate', String(r.support_hibernate)],
      ['support_update_route', String(r.support_update_route)],
    ],
  );
  console.log('');
  if (r.blockers.length === 0) console.log('no blockers');
  else printTable(['blocker', 'fact', 'value', 'message'], r.blockers.map((b) => [String(b.code), cell(b.fact ?? ''), b.value === undefined ? '' : cell(b.value), String(b.message)]));
  if (r.warnings.length > 0) {
    console.log('');
    printTable(['warning', 'fact', 'message'], r.warnings.map((w) => [w.code, w.fact ?? '', w.message]));
  }
  console.log('');
  printTable(['fact', 'value'], Object.entries(r.facts).map(([k, v]) => [k, cell(v)]));
  const info = Object.entries(r.information);
  if (info.length > 0) {
    console.log('');
    printTable(['information', 'value'], info.map(([k, v]) => [k, cell(v)]));
  }
}

function printSummary(projectId: string, s: SummaryBody): void {
  console.log(`project ${projectId}: ${s.total_count} desktops, ${s.ready_count} ready, ${s.blocked_count} blocked, ${s.stale_count} stale; evaluated ${s.evaluated_at}`);
  console.log('');
  printTable(
    ['capability', 'desktops'],
    [
      ['support_create_image', String(s.ready_count)],
      ['support_hibernate', String(s.support_hibernate_count)],
      ['support_update_route', String(s.support_update_route_count)],
    ],
  );
  console.log('');
  printTable(['blocker', 'desktops'], s.blockers.map((b) => [b.code, String(b.count)]));
  console.log('');
  printTable(['warning', 'desktops'], s.warnings.map((w) => [w.code, String(w.count)]));
}

function policyFrom(file: string | null): Policy {
  if (!file) return { ...DEFAULT_POLICY };
  try {
    return PolicyHolder.read(file);
  } catch (err) {
    fail((err as Error).message);
  }
}

export function addReadinessCommand(program: Command) {
  program
    .command('readiness [desktop-id]')
    .description("why a desktop can or cannot be turned into an image; without a desktop id, the project's summary")
    .requiredOption('--project <id>', 'project id')
    .option('--policy-file <file>', 'verdict policy JSON [WKS_POLICY_FILE; default: the built-in policy]')
    .option('--json', 'print the body the HTTP API answers instead of tables')
    .action(async (desktopId: string | undefined, o: { project: string; json?: boolean }, cmd: Command) =>
      withStore(cmd, async (store, cfg) => {
        if (!PROJECT_ID_RE.test(o.project)) fail('--project must be 32 lowercase hexadecimal characters');
        if (desktopId !== undefined && !DESKTOP_ID_RE.test(desktopId)) fail("the desktop id must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'");
        const policy = policyFrom(cfg.policyFile);
        if (!(await store.getProject(o.project))) fail(`no project ${o.project}`);
        const now = Date.now();
        if (desktopId === undefined) {
          const summary = await summariseProject(store, o.project, policy, now);
          if (o.json) console.log(JSON.stringify(summary, null, 2));
          else printSummary(o.project, summary);
          return;
        }
        const found = await store.getDesktopWithReport(o.project, desktopId);
        if (!found) fail(`no desktop ${desktopId} in project ${o.project}`);
        const body = readinessToWire(found, policy, now);
        if (o.json) console.log(JSON.stringify(body, null, 2));
        else printReadiness(o.project, body);
      }),
    );
}
