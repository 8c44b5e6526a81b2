// `import <fleet.json> [--project <id>]`: all or nothing, with a progress bar when stderr is a terminal.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFleet } from '../fleet/fleet-file.js';
import { DEV } from '../server/dev-seed.js';
import type { Store } from '../store/store.js';
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

/**
 * The project to import into when --project is absent. A fleet file names no project
 * (docs/fleet-format.md), so: the store's only project; in dev mode, the dev project; else
 * the operator must choose.
 */
async function defaultProject(store: Store, dev: boolean): Promise<string> {
  const projects = await store.listProjects();
  if (projects.length === 1) return projects[0].id;
  if (dev && projects.some((p) => p.id === DEV.project.id)) return DEV.project.id;
  if (projects.length === 0) fail('the store has no project to import into: create one with "workspace-sysprep projects create" and give its id with --project <id>');
  fail(`the store has ${projects.length} projects: choose one with --project <id> ("workspace-sysprep projects list" shows them)`);
}

export function addImportCommand(program: Command) {
  program
    .command('import <fleet.json>')
    .description('load a fleet file (docs/fleet-format.md) into a project, atomically')
    .option('--project <id>', 'project id (default: the only project of the store; with --dev, the dev project)')
    .action(async (file: string, o: { project?: string }, cmd: Command) =>
      withStore(cmd, async (store, cfg) => {
        if (o.project !== undefined && !PROJECT_ID_RE.test(o.project)) fail('--project must be 32 lowercase hexadecimal characters');
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
        const project = o.project ?? (await defaultProject(store, cfg.dev));
        if (!(await store.getProject(project))) fail(`no project ${project}`);
        const r = await store.importFleet(project, parsed.desktops, parsed.reports, now, progressBar(process.stderr.isTTY === true));
        console.log(`imported ${r.desktops} desktops and ${r.reports} reports into ${project}`);
      }),
    );
}
