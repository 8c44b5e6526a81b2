// The reasons behind a verdict (ours, beyond Huawei): which facts the rules used, which are
// information only, and a project-wide tally of verdicts. Pure: no I/O, no HTTP.

import { BLOCKER_CODES, RULES, type BlockerCode, type Verdict, type WarningCode } from './policy.js';
import { reportToWire } from './report.js';
import type { Desktop, SysprepReport } from './types.js';

/** Facts the capabilities read besides the rule table (DESIGN §3: hibernate, update route). */
const CAPABILITY_FACTS = ['os_type', 'collected_at', 'sysprep_version'] as const;

/** Every fact a rule or a capability reads, derived from the rule table so the two never drift. */
export const RULE_FACTS: ReadonlySet<string> = new Set([...CAPABILITY_FACTS, ...RULES.flatMap((r) => r.reads)]);

/** Report facts no rule reads; the readiness API shows them as information. */
export const INFORMATION_FACTS = ['os_edition', 'domain_joined', 'sysprep_succeeded_tag', 'agent_version'] as const;

export const WARNING_CODES: readonly WarningCode[] = ['BITLOCKER_SUSPENDED', 'OS_VERSION_UNREADABLE'];

export interface ReadinessFacts {
  /** Inventory facts (`os_type`, `status`) and the report facts the rules read, by wire name. */
  facts: Record<string, unknown>;
  /** Report facts that no rule reads. */
  information: Record<string, unknown>;
}

/**
 * Splits what is known about a desktop into the facts the verdict used and information.
 * A blocker's `fact` is always a key of `facts`. Absent report facts are left out.
 */
export function readinessFacts(desktop: Desktop, report: SysprepReport | null): ReadinessFacts {
  const facts: Record<string, unknown> = { os_type: desktop.osType, status: desktop.status };
  const information: Record<string, unknown> = {};
  if (report !== null) {
    for (const [key, value] of Object.entries(reportToWire(report))) {
      if (RULE_FACTS.has(key)) facts[key] = value;
      else information[key] = value;
    }
  }
  return { facts, information };
}

export interface ReadinessSummary {
  total: number;
  /** support_create_image true. */
  ready: number;
  blocked: number;
  stale: number;
  supportHibernate: number;
  supportUpdateRoute: number;
  /** Desktops blocked by each code (a desktop counts once under each of its codes), in table order. */
  blockers: { code: BlockerCode; count: number }[];
  warnings: { code: WarningCode; count: number }[];
}

/** Counts verdicts one at a time, so a project of any size is summarised in constant memory. */
export class ReadinessTally {
  private total = 0;
  private ready = 0;
  private stale = 0;
  private hibernate = 0;
  private updateRoute = 0;
  private readonly blockers = new Map<BlockerCode, number>(BLOCKER_CODES.map((c) => [c, 0]));
  private readonly warnings = new Map<string, number>(WARNING_CODES.map((c) => [c, 0]));

  add(v: Verdict): void {
    this.total++;
    if (v.supportCreateImage) this.ready++;
    if (v.stale) this.stale++;
    if (v.supportHibernate) this.hibernate++;
    if (v.supportUpdateRoute) this.updateRoute++;
    for (const b of v.blockers) this.blockers.set(b.code, (this.blockers.get(b.code) ?? 0) + 1);
    for (const w of v.warnings) this.warnings.set(w.code, (this.warnings.get(w.code) ?? 0) + 1);
  }

  summary(): ReadinessSummary {
    return {
      total: this.total,
      ready: this.ready,
      blocked: this.total - this.ready,
      stale: this.stale,
      supportHibernate: this.hibernate,
      supportUpdateRoute: this.updateRoute,
      blockers: BLOCKER_CODES.map((code) => ({ code, count: this.blockers.get(code) ?? 0 })),
      warnings: WARNING_CODES.map((code) => ({ code, count: this.warnings.get(code) ?? 0 })),
    };
  }
}
