// Reads V8 .cpuprofile files (node --cpu-prof) and says where the time goes: the hottest
// functions by self time, the product's functions by inclusive time, and time per area
// (Node internals, Fastify, SQLite, the product's own modules, GC, idle).
// Standalone: npx tsx bench/lib/profile-summary.ts <file or directory>
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

export function areaOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (!url) return 'native';
  if (url.startsWith('node:')) return 'Node internals';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const dist = /\/dist\/(.+)$/.exec(url) ?? /\/src\/(.+)$/.exec(url);
  if (dist) return `product: ${dist[1].replace(/\.(js|ts)$/, '')}`;
  return shortUrl(url);
}

function pct(n: number, total: number) {
  return ((100 * n) / total).toFixed(1).padStart(5) + '%';
}

export function summariseProfile(p: CpuProfile, top = 25): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  let idle = 0;
  p.samples.forEach((leafId, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const leaf = byId.get(leafId);
    if (!leaf) return;
    total += dt;
    if (leaf.callFrame.functionName === '(idle)') idle += dt;
    self.set(key(leaf), (self.get(key(leaf)) ?? 0) + dt);
    const a = areaOf(leaf.callFrame.url, leaf.callFrame.functionName);
    area.set(a, (area.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leafId; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (!n.callFrame.url.includes('/dist/') && !n.callFrame.url.includes('/src/')) continue;
      const k = key(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const lines: string[] = [`samples: ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (percentages below are of busy time)`];
  const sorted = (m: Map<string, number>) => [...m].filter(([k]) => !k.startsWith('(idle)') && k !== 'idle').sort((a, b) => b[1] - a[1]);
  lines.push('', 'by area (self time):');
  for (const [k, v] of sorted(area).slice(0, 20)) lines.push(`  ${pct(v, busy)}  ${k}`);
  lines.push('', `hottest functions (self time), top ${top}:`);
  for (const [k, v] of sorted(self).slice(0, top)) lines.push(`  ${pct(v, busy)}  ${k}`);
  lines.push('', 'product functions (inclusive time):');
  for (const [k, v] of sorted(inclusive).slice(0, top)) lines.push(`  ${pct(v, busy)}  ${k}`);
  return lines.join('\n');
}

export function summariseProfiles(path: string): string {
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f));
    else if (p.endsWith('.cpuprofile')) files.push(p);
  };
  try {
    walk(path);
  } catch {
    return `no profiles under ${path}`;
  }
  return files.map((f) => `==== ${f}\n${summariseProfile(JSON.parse(readFileSync(f, 'utf8')) as CpuProfile)}`).join('\n\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(summariseProfiles(process.argv[2] ?? '.'));
}
