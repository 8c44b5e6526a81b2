#!/usr/bin/env node
// Generates examples/fleet.json: a deterministic (seeded) fleet of ~200 desktops for dev mode and
// tests. Reports give an `age`, never an instant, so the fleet never goes stale.
// Usage: node examples/generate-fleet.mjs [output path]   (default: examples/fleet.json)

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// mulberry32: tiny, good enough, and stable across Node versions.
let seed = 0x5e1f_2024;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const chance = (p) => random() < p;

function uuidV4() {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Windows families: OS build revisions seen in the field and the sysprep.exe version each ships.
const FAMILIES = {
  win10: { os: '10.0.19045', revs: [3636, 3693, 3803, 4046, 4170, 4291, 4412], sysprep: '10.0.19041.3636', editions: ['Professional', 'Enterprise'] },
  win11_23h2: { os: '10.0.22631', revs: [2506, 2715, 2861, 3007, 3155, 3296], sysprep: '10.0.22621.2506', editions: ['Professional', 'Enterprise'] },
  win11_24h2: { os: '10.0.26100', revs: [1742, 2033, 2314, 2605], sysprep: '10.0.26100.1742', editions: ['Professional', 'Enterprise'] },
  srv2016: { os: '10.0.14393', revs: [6452, 6529, 6614, 7070], sysprep: '10.0.14393.6452', editions: ['ServerStandard', 'ServerDatacenter'] },
  srv2019: { os: '10.0.17763', revs: [5122, 5206, 5329, 5458], sysprep: '10.0.17763.5122', editions: ['ServerStandard', 'ServerDatacenter'] },
  srv2022: { os: '10.0.20348', revs: [2113, 2227, 2340, 2461], sysprep: '10.0.20348.2113', editions: ['ServerStandard', 'ServerDatacenter'] },
  win7: { os: '6.1.7601', revs: [24214], sysprep: '6.1.7601.17514', editions: ['Enterprise', 'Professional'] },
  srv2008r2: { os: '6.1.7601', revs: [24214], sysprep: '6.1.7601.17514', editions: ['ServerStandard', 'ServerEnterprise'] },
  win10_1511: { os: '10.0.10586', revs: [1176], sysprep: '10.0.10586.0', editions: ['Professional'] },
};
const LINUX = [
  { os_version: 'Ubuntu 22.04.4 LTS' },
  { os_version: 'openEuler 22.03 LTS SP3' },
  { os_version: 'UOS 20 (1070)' },
];

const DEPARTMENTS = [
  { code: 'FIN', name: 'finance', costCenter: 'CC-1010' },
  { code: 'DEV', name: 'engineering', costCenter: 'CC-2040', enterpriseProject: '3f1b8a52-7c4d-4e8e-9a61-2d5c0b7e91a4' },
  { code: 'HR', name: 'human-resources', costCenter: 'CC-1030' },
  { code: 'MKT', name: 'marketing', costCenter: 'CC-3010' },
  { code: 'SAL', name: 'sales', costCenter: 'CC-3020' },
  { code: 'OPS', name: 'operations', costCenter: 'CC-4010' },
  { code: 'LEG', name: 'legal', costCenter: 'CC-1050' },
];
const SERVER_ROLES = ['RDS', 'APP', 'SQL', 'FS'];
const HEALTHY_AGES = ['PT45M', 'PT2H', 'PT6H', 'PT12H', 'P1D', 'P1DT4H30M', 'P2D', 'P3D'];
const APPX = [
  'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe',
  'Microsoft.WindowsTerminal_1.18.3181.0_x64__8wekyb3d8bbwe',
  'Microsoft.ZuneMusic_11.2312.6.0_x64__8wekyb3d8bbwe',
  'Microsoft.MicrosoftStickyNotes_4.6.2.0_x64__8wekyb3d8bbwe',
  'SpotifyAB.SpotifyMusic_1.226.1139.0_x86__zpdnekdrzrea0',
];

const counters = new Map();
function nextName(prefix, width) {
  const n = (counters.get(prefix) ?? 0) + 1 + Math.floor(random() * 3);
  counters.set(prefix, n);
  return `${prefix}-${String(n).padStart(width, '0')}`;
}

/** A desktop of `family` with a healthy report; `report` overrides facts (null = never reported). */
function desktop(family, { status = 'ACTIVE', report: overrides = {}, server = false } = {}) {
  const f = FAMILIES[family];
  const rev = pick(f.revs);
  const dept = pick(DEPARTMENTS);
  const role = pick(SERVER_ROLES);
  const record = {
    desktop_id: uuidV4(),
    computer_name: server ? nextName(`SRV-${role}`, 2) : nextName(`WKS-${dept.code}`, 4),
    os_type: 'Windows',
    os_version: `${f.os}.${rev}`,
    status,
    enterprise_project_id: dept.enterpriseProject ?? '0',
    tags: server
      ? [{ key: 'role', value: role.toLowerCase() }, { key: 'cost-center', value: 'CC-9000' }]
      : [{ key: 'department', value: dept.name }, { key: 'cost-center', value: dept.costCenter }],
  };
  if (overrides === null) return record;
  const skipRearm = chance(0.2);
  const legacy = family === 'win7' || family === 'srv2008r2';
  record.report = {
    age: status === 'SHUTOFF' ? pick(['P2D', 'P3D', 'P5D']) : pick(HEALTHY_AGES),
    sysprep_version: f.sysprep,
    os_version: record.os_version,
    os_edition: pick(f.editions),
    image_state: 'IMAGE_STATE_COMPLETE',
    rearm_remaining: skipRearm ? 4294967295 : legacy ? pick([1, 2, 3]) : 1000,
    skip_rearm: skipRearm,
    upgraded_in_place: family === 'win10' && chance(0.15), // 21H2 → 22H2 feature updates
    appx_unprovisioned: [],
    bitlocker_os_volume: 'off',
    generalize_count: Math.floor(random() * 4),
    sysprep_succeeded_tag: chance(0.1),
    pending_reboot: false,
    domain_joined: chance(0.85),
    agent_version: pick(['1.4.2', '1.5.0', '1.5.1']),
    ...overrides,
  };
  return record;
}

function linux(status = 'ACTIVE') {
  const dept = pick(DEPARTMENTS.filter((d) => d.code === 'DEV' || d.code === 'OPS'));
  return {
    desktop_id: uuidV4(),
    computer_name: nextName(`LNX-${dept.code}`, 4),
    os_type: 'Linux',
    os_version: pick(LINUX).os_version,
    status,
    enterprise_project_id: dept.enterpriseProject ?? '0',
    tags: [{ key: 'department', value: dept.name }, { key: 'cost-center', value: dept.costCenter }],
  };
}

const repeat = (n, make) => Array.from({ length: n }, make);
const desktopFamilies = ['win10', 'win10', 'win10', 'win11_23h2', 'win11_23h2', 'win11_24h2'];
const serverFamilies = ['srv2016', 'srv2019', 'srv2019', 'srv2022', 'srv2022'];

// The README's examples use the first two: a healthy Windows 11 desktop, and one that never reported.
const first = desktop('win11_23h2', { report: { age: 'PT2H' } });
const second = desktop('win10', { report: null });

const rest = [
  // healthy, imageable
  ...repeat(126, () => desktop(pick(desktopFamilies))),
  ...repeat(16, () => desktop(pick(desktopFamilies), { status: 'SHUTOFF' })),
  ...repeat(14, () => desktop(pick(serverFamilies), { server: true })),
  ...repeat(2, () => desktop(pick(desktopFamilies), { report: { bitlocker_os_volume: 'suspended' } })), // warning only
  // never reported (with `second`) and Linux (NOT_WINDOWS, no agent)
  ...repeat(8, () => desktop(pick(desktopFamilies), { report: null, status: pick(['ACTIVE', 'ACTIVE', 'SHUTOFF']) })),
  ...repeat(6, (_, i) => linux(i === 5 ? 'SHUTOFF' : 'ACTIVE')),
  // one or more blockers each
  ...['P10D', 'P14D', 'P30D'].map((age) => desktop(pick(desktopFamilies), { status: 'SHUTOFF', report: { age } })), // REPORT_STALE
  ...repeat(2, () => desktop('win7')), // SYSPREP_VERSION_TOO_OLD only (rearms left)
  ...repeat(2, () => desktop('win7', { report: { rearm_remaining: 0, skip_rearm: false } })), // + REARM_EXHAUSTED
  desktop('srv2008r2', { server: true, report: { rearm_remaining: 0, skip_rearm: false } }), // + REARM_EXHAUSTED
  ...['IMAGE_STATE_UNDEPLOYABLE', 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT'].map(
    (image_state) => desktop(pick(desktopFamilies), { report: { image_state } }),
  ),
  desktop('srv2019', { server: true, report: { generalize_count: 1001 } }), // GENERALIZE_LIMIT_REACHED
  desktop('win10', { report: { generalize_count: 1024, sysprep_succeeded_tag: true } }),
  ...repeat(2, () => desktop('win10_1511', { report: { upgraded_in_place: true } })), // UPGRADED_OS (+ TOO_OLD)
  desktop('win10', { report: { appx_unprovisioned: [APPX[0]] } }), // APPX_NOT_PROVISIONED
  desktop('win11_23h2', { report: { appx_unprovisioned: [APPX[1], APPX[2]] } }),
  desktop('win11_24h2', { report: { appx_unprovisioned: [APPX[3], APPX[4]] } }),
  ...repeat(3, () => desktop(pick(desktopFamilies), { report: { bitlocker_os_volume: 'on' } })), // BITLOCKER_ON
  ...repeat(3, () => desktop(pick(desktopFamilies), { report: { pending_reboot: true } })), // PENDING_REBOOT
  ...repeat(2, () => desktop(pick(desktopFamilies), { status: 'ERROR' })), // DESKTOP_IN_ERROR
];

// Shuffle (Fisher–Yates) so blocked desktops are spread through the inventory.
for (let i = rest.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [rest[i], rest[j]] = [rest[j], rest[i]];
}

const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'fleet.json');
writeFileSync(out, `${JSON.stringify({ desktops: [first, second, ...rest] }, null, 2)}\n`);
console.log(`wrote ${out}: ${rest.length + 2} desktops`);
