// `import <fleet.json>`: all or nothing, with a progress bar when stderr is a terminal.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFleet } from '../fleet/fleet-file.js';
import { PROJECT_ID_RE, fail, withStore } from './shared.js';

function progressBar(enabled: boolean) {
  let last = -1;
  return (done: number, total: number) => {
    if (!enabled || total === 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% (${done}/${total})`);
    if (done >= total) process.stderr.write('\n');
  };
}

export function addImportCommand(program: Command) {
  program
    .command('import <file>')
    .description('load a fleet file (docs/fleet-format.md) into a project, atomically')
    .requiredOption('--project <id>', 'project id')
    .action(async (file: string, o: { project: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        if (!PROJECT_ID_RE.test(o.project)) fail('--project must be 32 lowercase hexadecimal characters');
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          fail(`cannot read ${file}: ${(err as Error).message}`);
        }
        const now = Date.now();
        const parsed = parseFleet(json, now);
        if (!parsed.ok) {
          const e = parsed.error;
          const where = e.index === null ? 'file' : `desktops[${e.index}]${e.desktopId ? ` (${e.desktopId})` : ''}`;
          fail(`${file}: ${where}: ${e.field}: ${e.message}; nothing was imported`);
        }
        if (!(await store.getProject(o.project))) fail(`no project ${o.project}`);
        const r = await store.importFleet(o.project, parsed.desktops, parsed.reports, now, progressBar(process.stderr.isTTY === true));
        console.log(`imported ${r.desktops} desktops and ${r.reports} reports into ${o.project}`);
      }),
    );
}
