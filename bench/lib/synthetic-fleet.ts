// A deterministic synthetic fleet for load tests: desktops with realistic reports, generated in
// chunks so a million of them never sit in memory (or in one JSON string) at once.
import type { DesktopInput, SysprepReport } from '../../src/domain/types.js';

/** mulberry32: small, fast and stable, so every run seeds the same fleet. */
export function prng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The i-th desktop id: a UUID-shaped, unique, stable string (ids are looked up at random later). */
export function desktopIdAt(i: number): string {
  const r = prng(i * 2654435761);
  const a = hex(Math.floor(r() * 0xffffffff), 8);
  const b = hex(Math.floor(r() * 0xffff), 4);
  const c = '4' + hex(Math.floor(r() * 0xfff), 3);
  const d = hex(0x8000 | Math.floor(r() * 0x3fff), 4);
  // The index in the last group keeps ids unique whatever the random parts are.
  return `${a}-${b}-${c}-${d}-${hex(i, 12)}`;
}

const WINDOWS = [
  { os: '10.0.19045.3636', sysprep: '10.0.19041.3636', edition: 'Enterprise' },
  { os: '10.0.22631.2861', sysprep: '10.0.22621.2506', edition: 'Professional' },
  { os: '10.0.26100.2033', sysprep: '10.0.26100.1742', edition: 'Enterprise' },
  { os: '10.0.17763.5329', sysprep: '10.0.17763.5122', edition: 'ServerDatacenter' },
  { os: '10.0.20348.2340', sysprep: '10.0.20348.2113', edition: 'ServerStandard' },
  { os: '6.1.7601.24214', sysprep: '6.1.7601.17514', edition: 'Enterprise' },
];
const LINUX = ['Ubuntu 22.04.4 LTS', 'openEuler 22.03 LTS SP3'];
const DEPARTMENTS = ['finance', 'engineering', 'sales', 'support', 'design'];

export interface FleetChunk {
  desktops: DesktopInput[];
  reports: { desktopId: string; report: SysprepReport }[];
}

/**
 * Desktops [from, to): about 9 in 10 Windows, most with a fresh report, some with facts that
 * block imaging, a few never reported — so the verdict takes its real branches.
 */
export function fleetChunk(from: number, to: number, now: number): FleetChunk {
  const desktops: DesktopInput[] = [];
  const reports: FleetChunk['reports'] = [];
  for (let i = from; i < to; i++) {
    const r = prng(i ^ 0x5eed);
    const desktopId = desktopIdAt(i);
    const windows = r() < 0.9;
    const family = WINDOWS[Math.floor(r() * WINDOWS.length)];
    const dept = DEPARTMENTS[Math.floor(r() * DEPARTMENTS.length)];
    desktops.push({
      desktopId,
      computerName: `${dept.slice(0, 3).toUpperCase()}-${hex(i, 6).toUpperCase()}`,
      osType: windows ? 'Windows' : 'Linux',
      osVersion: windows ? family.os : LINUX[i % LINUX.length],
      status: r() < 0.02 ? 'ERROR' : r() < 0.2 ? 'SHUTOFF' : 'ACTIVE',
      enterpriseProjectId: '0',
      tags: [
        { key: 'department', value: dept },
        { key: 'pool', value: `pool-${i % 16}` },
      ],
    });
    if (!windows || r() < 0.05) continue; // never reported
    const report: SysprepReport = {
      collectedAt: now - Math.floor(r() * 3 * 86_400_000),
      sysprepVersion: family.sysprep,
      osVersion: family.os,
      osEdition: family.edition,
      imageState: r() < 0.9 ? 'IMAGE_STATE_COMPLETE' : 'IMAGE_STATE_UNDEPLOYABLE',
      rearmRemaining: family.os.startsWith('6.') ? Math.floor(r() * 3) : 4294967295,
      skipRearm: false,
      upgradedInPlace: r() < 0.1,
      appxUnprovisioned: r() < 0.05 ? ['Microsoft.BingWeather_4.53.51922.0_x64__8wekyb3d8bbwe'] : [],
      bitlockerOsVolume: r() < 0.1 ? 'on' : 'off',
      generalizeCount: Math.floor(r() * 4),
      sysprepSucceededTag: r() < 0.5,
      pendingReboot: r() < 0.05,
      domainJoined: r() < 0.7,
      agentVersion: '1.4.2',
    };
    reports.push({ desktopId, report });
  }
  return { desktops, reports };
}
