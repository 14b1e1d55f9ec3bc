// `sextant data add PATH [--name N]`, `sextant data list`, `sextant data show NAME[@VERSION]`: dataset
// versions in the workspace store (src/engine/data/versions). Adding unchanged content is a no-op that
// prints the version it already is.
import { existsSync } from 'node:fs';
import { basename, extname, relative, resolve } from 'node:path';
import type { PiiRule } from '../../engine/data/pii/protect';
import { versionColumns } from '../../engine/data/versions/describe';
import { listDatasets, parseVersionRef, showDatasetVersion } from '../../engine/data/versions/read';
import { registerDatasetVersion } from '../../engine/data/versions/register';
import type { DatasetVersion, DatasetVersionDetail } from '../../engine/data/versions/schema';
import { formatBytes } from '../../engine/format';
import { readPipeline } from '../../engine/pipeline/read';
import { NAME_PATTERN, type Pipeline } from '../../engine/pipeline/schema';
import { describeError, type EngineError } from '../../engine/result';
import { openStore, type Database } from '../../engine/store/open';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

const WORKSPACE = { name: 'workspace', alias: 'w', type: 'string' as const, description: 'Workspace folder whose store is used (default: the current folder).' };

function failWith(io: CliIo, args: ParsedArgs, command: string, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant ${command}: ${describeError(error)}`);
  return EXIT_FAILURE;
}

const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** One line of a version: `iris v2 · 150 rows · 5 columns · 4.4 KiB · sha256 3f2a… · 2026-11-30 10:12`. */
function versionLine(v: DatasetVersion): string {
  return [`${v.dataset} v${v.version}`, v.rows === null ? 'not profiled' : `${v.rows.toLocaleString('en-US')} rows`, v.schema ? `${v.schema.length} columns` : '', v.size === null ? '' : formatBytes(v.size), `sha256 ${v.hash.slice(0, 12)}`, when(v.createdAt)].filter(Boolean).join(' · ');
}

/** The dataset of the workspace's pipeline whose file this is (its name and `pii:` rules), if any. */
function pipelineDataset(root: string, file: string): { name: string; pipeline: Pipeline } | undefined {
  const pipelineFile = resolve(root, 'sextant.yaml');
  if (!existsSync(pipelineFile)) return undefined;
  const read = readPipeline(pipelineFile);
  if (!read.ok) return undefined;
  const found = Object.entries(read.value.datasets ?? {}).find(([, d]) => resolve(root, d.path) === file);
  return found ? { name: found[0], pipeline: read.value } : undefined;
}

/** A dataset name from a file name: `train-2024.csv` → `train-2024`, `2024.csv` → `_2024`. */
function nameFromFile(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z_]/.test(stem) ? stem : `_${stem}`;
}

function openFor(io: CliIo, args: ParsedArgs, create: boolean): { root: string; db?: Database; missing?: boolean; error?: EngineError } {
  const root = resolve(io.cwd, value(args, 'workspace') ?? '.');
  const layout = workspaceLayout(root);
  if (!create && !existsSync(layout.storePath)) return { root, missing: true };
  const opened = openStore(layout.storePath, create ? { create: true } : { readonly: true });
  return opened.ok ? { root, db: opened.value } : { root, error: opened.error };
}

export const dataAddCommand: CliCommand = {
  name: 'data add',
  summary: 'Register the content of a data file (or folder) as a version of a dataset: hash, rows, schema and profile, kept in the store. Unchanged content is not registered twice.',
  usage: 'sextant data add PATH [--name NAME] [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'name', alias: 'n', type: 'string', description: "Dataset name (default: the pipeline's name for this file, else the file name without extension)." }, WORKSPACE],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one data file or folder');
    const given = value(args, 'name');
    if (given !== undefined && !NAME_PATTERN.test(given)) throw new UsageError(`--name "${given}": use letters, digits, "_" and "-", starting with a letter or "_"`);
    const file = resolve(io.cwd, args.positionals[0]!);
    if (!existsSync(file)) return failWith(io, args, 'data add', { code: 'data-missing', file, message: 'The file does not exist.' });
    const store = openFor(io, args, true);
    if (!store.db) return failWith(io, args, 'data add', store.error!);
    try {
      const declared = pipelineDataset(store.root, file);
      const name = given ?? declared?.name ?? nameFromFile(file);
      const pii = new Map<string, PiiRule>();
      for (const e of declared?.pipeline.expectations?.[declared.name] ?? []) if (e.column && e.pii) pii.set(e.column, e.pii);
      const format = declared?.pipeline.datasets?.[declared.name]?.format;
      const registered = await registerDatasetVersion(store.db, { name, file, root: store.root, pii, salt: io.env.SEXTANT_PII_SALT ?? '', ...(format ? { format } : {}) });
      if (!registered.ok) return failWith(io, args, 'data add', registered.error);
      const { version, created, note } = registered.value;
      if (args.flags.json) io.json({ created, ...(note ? { note } : {}), version });
      else {
        io.out(`${versionLine(version)}${created ? '' : ' (unchanged: already registered)'}`);
        if (note) io.err(`${relative(io.cwd, file) || file}: ${note}`);
      }
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};

export const dataListCommand: CliCommand = {
  name: 'data list',
  summary: 'List the datasets registered in the store with their versions (newest first).',
  usage: 'sextant data list [--workspace DIR] [--json]',
  json: true,
  options: [WORKSPACE],
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('data list takes no arguments');
    const store = openFor(io, args, false);
    if (store.error) return failWith(io, args, 'data list', store.error);
    const datasets = store.db ? listDatasets(store.db) : [];
    store.db?.close();
    if (args.flags.json) {
      io.json({ datasets });
      return EXIT_OK;
    }
    if (datasets.length === 0) {
      io.err(store.missing ? 'No store here yet: nothing is registered (sextant data add PATH).' : 'No dataset is registered yet (sextant data add PATH).');
      return EXIT_OK;
    }
    const rows = [['DATASET', 'VERSIONS', 'LATEST', 'ROWS', 'SIZE', 'REGISTERED', 'PATH']];
    for (const d of datasets) {
      const v = d.versions[0];
      rows.push([d.name, String(d.versions.length), v ? `v${v.version}` : '-', v?.rows == null ? '-' : v.rows.toLocaleString('en-US'), v?.size == null ? '-' : formatBytes(v.size), v ? when(v.createdAt) : '-', d.path ?? '-']);
    }
    io.out(table(rows));
    return EXIT_OK;
  },
};

function printVersion(v: DatasetVersionDetail, io: CliIo): void {
  io.out(versionLine(v));
  io.out(`sha256 ${v.hash}${v.path ? ` · ${v.path}` : ''}${v.parentVersion !== null ? ` · after v${v.parentVersion}` : ''}`);
  for (const c of v.checks.slice(0, 5)) io.out(`${c.kind}: ${c.kind === 'drift' ? (c.columnsTested === 0 ? 'not tested' : c.passed ? 'no drift' : 'DRIFT') : c.passed ? 'passed' : 'FAILED'}: ${c.summary}${c.reference ? ` (vs ${c.reference.dataset}@${c.reference.version})` : c.referenceFile ? ` (vs ${c.referenceFile})` : ''} · ${when(c.at)}`);
  if (v.profile) {
    io.out('');
    io.out(table([['COLUMN', 'TYPE', 'MISSING', 'PROFILE'], ...versionColumns(v.profile).map((c) => [c.name, c.type, `${(c.missingShare * 100).toFixed(1)}%`, c.line])]));
  }
  if (v.runs.length > 0) {
    io.out('');
    io.out(table([['RUN', 'STAGE', 'ROLE', 'EXPERIMENT', 'STATUS'], ...v.runs.map((r) => [(r.pipelineRun ?? r.id).slice(0, 8), r.name, r.role === 'input' ? 'read' : 'wrote', r.experiment, r.status])]));
  }
  if (v.models.length > 0) {
    io.out('');
    for (const m of v.models) io.out(`model ${m.model} v${m.version}: ${m.role} on this version`);
  }
}

export const dataShowCommand: CliCommand = {
  name: 'data show',
  summary: 'Show one dataset version (the latest by default): hash, rows, columns with their profile, checks, the runs that read or wrote it and the models trained or evaluated on it.',
  usage: 'sextant data show NAME[@VERSION] [--workspace DIR] [--json]',
  json: true,
  options: [WORKSPACE],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one dataset: NAME or NAME@VERSION');
    const ref = parseVersionRef(args.positionals[0]!);
    if (!ref.ok) throw new UsageError(ref.error.message);
    const store = openFor(io, args, false);
    if (store.error) return failWith(io, args, 'data show', store.error);
    if (!store.db) return failWith(io, args, 'data show', { code: 'dataset-unknown', message: `No dataset named "${ref.value.name}": this workspace has no store yet.`, fix: `Register it: sextant data add PATH --name ${ref.value.name}` });
    const shown = showDatasetVersion(store.db, ref.value.name, ref.value.version);
    store.db.close();
    if (!shown.ok) return failWith(io, args, 'data show', shown.error);
    if (args.flags.json) io.json(shown.value);
    else printVersion(shown.value, io);
    return EXIT_OK;
  },
};
