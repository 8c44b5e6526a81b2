// Readiness of one desktop and the summary of a project, as wire bodies (docs/policy.md).
// Shared by the HTTP routes (api/readiness-routes.ts) and the CLI (`readiness`), so both
// always say the same thing.
import { parsePackageFullName } from '../domain/appx.js';
import { evaluate, type Blocker, type Policy } from '../domain/policy.js';
import { ReadinessTally, readinessFacts } from '../domain/readiness.js';
import type { DesktopWithReport } from '../domain/types.js';
import type { Store } from '../store/store.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Desktops read per store query by the summary: bounds its memory whatever the project size. */
export const SUMMARY_PAGE_SIZE = 1000;

const isoMs = (ms: number) => new Date(ms).toISOString();

function blockerToWire(b: Blocker) {
  const wire: Record<string, unknown> = { code: b.code, message: b.message };
  if (b.fact !== undefined) wire.fact = b.fact;
  if (b.value !== undefined) wire.value = b.value;
  if (b.code === 'APPX_NOT_PROVISIONED' && Array.isArray(b.value)) {
    // Each PackageFullName split into its parts, so a reader sees which app and publisher.
    wire.packages = (b.value as string[]).map((fullName) => {
      const p = parsePackageFullName(fullName);
      return p === null
        ? { full_name: fullName }
        : { full_name: fullName, name: p.name, version: p.version, architecture: p.architecture, resource_id: p.resourceId, publisher_id: p.publisherId };
    });
  }
  return wire;
}

/** GET …/desktops/{desktop_id}/sysprep/readiness: every capability, blockers, warnings and facts. */
export function readinessToWire({ desktop, report }: DesktopWithReport, policy: Policy, now: number) {
  const v = evaluate(desktop, report, policy, now);
  const { facts, information } = readinessFacts(desktop, report);
  return {
    desktop_id: desktop.desktopId,
    sysprep_version: v.sysprepVersion,
    support_create_image: v.supportCreateImage,
    support_hibernate: v.supportHibernate,
    support_update_route: v.supportUpdateRoute,
    blockers: v.blockers.map(blockerToWire),
    warnings: v.warnings.map((w) => (w.fact === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, fact: w.fact })),
    facts,
    information,
    collected_at: report === null ? null : isoMs(report.collectedAt),
    stale: v.stale,
    evaluated_at: isoMs(now),
  };
}

export type ReadinessBody = ReturnType<typeof readinessToWire>;

/**
 * GET /v2/{project_id}/sysprep/summary. Pages through the project in desktop_id order with
 * keyset paging, holding one page at a time. Pages are separate reads: a desktop registered
 * or removed during the scan may or may not be counted, but none is counted twice.
 */
export async function summariseProject(store: Store, projectId: string, policy: Policy, now: number, pageSize = SUMMARY_PAGE_SIZE) {
  const tally = new ReadinessTally();
  let after: string | null = null;
  for (;;) {
    const page = await store.listDesktopsWithReportsAfter(projectId, after, pageSize);
    for (const { desktop, report } of page) tally.add(evaluate(desktop, report, policy, now));
    if (page.length < pageSize) break;
    after = page[page.length - 1].desktop.desktopId;
    // A large project takes many pages: let other requests run between them.
    await yieldToEventLoop();
  }
  const s = tally.summary();
  return {
    total_count: s.total,
    ready_count: s.ready,
    blocked_count: s.blocked,
    stale_count: s.stale,
    support_hibernate_count: s.supportHibernate,
    support_update_route_count: s.supportUpdateRoute,
    blockers: s.blockers,
    warnings: s.warnings,
    evaluated_at: isoMs(now),
  };
}

export type SummaryBody = Awaited<ReturnType<typeof summariseProject>>;
