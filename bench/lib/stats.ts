// Small helpers for summarising rounds and printing aligned tables.

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain-text table (for the terminal) and the same as Markdown (for BENCHMARKS.md). */
export function table(headers: string[], rows: string[][]): { text: string; markdown: string } {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-–\d.,×%+ ]*$/.test(r[i] ?? '')));
  const cell = (c: string, i: number) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const text = [
    headers.map(cell).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => r.map(cell).join('  ')),
  ].join('\n');
  const markdown = [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (numeric[i] ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  return { text, markdown };
}
