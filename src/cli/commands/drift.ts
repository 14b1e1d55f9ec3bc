// `sextant drift REFERENCE CURRENT`: per-column drift between two CSV/TSV files and the dataset's verdict;
// exit 1 when the dataset drifts (a CI gate), 0 when not, 2 on bad usage. REFERENCE and CURRENT may name
// registered datasets (`NAME` or `NAME@VERSION`, read from the dataset's file, which must hold that
// version); when the current is a registered version (by name, or its file's content), the verdict is
// kept with it in the workspace store (the Datasets view's drift badge; docs/drift.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { keepDrift, versionByContent, type DriftSide } from '../../engine/data/versions/driftVersion';
import { findVersionId, parseVersionRef } from '../../engine/data/versions/read';
import { Hasher } from '../../engine/runner/hash';
import { openStore, type Database } from '../../engine/store/open';
import type { EngineError } from '../../engine/result';
import { compareFiles, type DriftOptions, type DriftReport } from '../../engine/drift/report';
import { DRIFT_TESTS, DriftTestSchema, type DriftTest } from '../../engine/drift/select';
import { describeError } from '../../engine/result';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';
import { layoutOf, STORE_OPTIONS } from '../storeAccess';
import { formatValue } from './runs';

function parseTests(args: ParsedArgs): DriftOptions['test'] {
  const given = args.values.test ?? [];
  if (given.length === 0) return undefined;
  const asTest = (t: string): DriftTest => {
    const parsed = DriftTestSchema.safeParse(t.trim());
    if (!parsed.success) throw new UsageError(`unknown test "${t.trim()}" (the tests: ${DRIFT_TESTS.join(', ')})`);
    return parsed.data;
  };
  const perColumn: Record<string, DriftTest> = {};
  let all: DriftTest | undefined;
  for (const item of given.flatMap((g) => g.split(','))) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (all) throw new UsageError('give one test for every column (--test ks), or COLUMN=TEST pairs');
      all = asTest(item);
    } else perColumn[item.slice(0, eq).trim()] = asTest(item.slice(eq + 1));
  }
  if (all && Object.keys(perColumn).length > 0) throw new UsageError('give either one test for every column (--test ks) or COLUMN=TEST pairs, not both');
  return all ?? perColumn;
}

function humanReport(report: DriftReport): string[] {
  const lines: string[] = [];
  const rows = [['column', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drift']];
  for (const c of report.columns) rows.push([c.column, c.type, c.test, formatValue(c.statistic), c.p_value === null ? '-' : formatValue(c.p_value), String(c.threshold), c.drifted ? 'DRIFT' : 'no']);
  if (report.columns.length > 0) {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  }
  for (const n of report.not_tested) lines.push(`not tested: ${n.column}: ${n.reason}`);
  for (const w of report.warnings) lines.push(`${w.file}:${w.line}: warning: ${w.message}`);
  const drifted = report.columns.filter((c) => c.drifted).length;
  lines.push(
    report.columns.length === 0
      ? 'No column could be tested.'
      : `Dataset drift: ${report.dataset_drift ? 'YES' : 'no'} (${drifted} of ${report.columns.length} column${report.columns.length === 1 ? '' : 's'} drifted: ${(report.drift_share * 100).toFixed(1)}%; drift at 50% or more)`,
  );
  return lines;
}


/** A positional: a file, or a registered dataset (`NAME`, `NAME@VERSION`) read from its file. */
interface Side {
  file: string;
  /** Given as a dataset name: that dataset, and the version its file holds (checked against @VERSION). */
  dataset?: string;
  versionId?: number;
}

/** The store of the workspace, opened for writing when it exists (drift never creates one). */
function existingStore(args: ParsedArgs, io: CliIo): { root: string; db?: Database; error?: EngineError } {
  const layout = layoutOf(args, io);
  if (!existsSync(layout.storePath)) return { root: layout.root };
  const opened = openStore(layout.storePath);
  return opened.ok ? { root: layout.root, db: opened.value } : { root: layout.root, error: opened.error };
}

async function resolveSide(given: string, io: CliIo, store: { root: string; db?: Database }, hasher: Hasher): Promise<{ ok: true; side: Side } | { ok: false; error: EngineError }> {
  const asFile = resolve(io.cwd, given);
  if (existsSync(asFile)) return { ok: true, side: { file: asFile } };
  const ref = parseVersionRef(given);
  if (!ref.ok || !store.db) return { ok: true, side: { file: asFile } };
  const known = store.db.prepare('SELECT path FROM datasets WHERE name = ?').get(ref.value.name) as { path: string | null } | undefined;
  if (!known) return { ok: true, side: { file: asFile } };
  if (known.path === null) return { ok: false, error: { code: 'dataset-no-path', message: `Dataset "${ref.value.name}" has no file recorded.` } };
  const file = resolve(store.root, known.path);
  if (!existsSync(file)) return { ok: false, error: { code: 'data-missing', file, message: `Dataset "${ref.value.name}": its file is gone.` } };
  const sha256 = (await hasher.file(file)).sha256;
  const held = versionByContent(store.db, sha256, { preferred: ref.value.name });
  if (ref.value.version !== undefined) {
    const wanted = findVersionId(store.db, ref.value.name, ref.value.version);
    if (!wanted.ok) return wanted;
    if (held !== wanted.value) {
      const now = held === undefined ? 'content not registered yet' : `v${store.db.prepare('SELECT version FROM dataset_versions WHERE id = ?').pluck().get(held) as number}`;
      return {
        ok: false,
        error: { code: 'dataset-version-not-on-disk', file, message: `Dataset "${ref.value.name}": its file holds other content now (${now}) than v${ref.value.version}. The store keeps a version's hash and profile, not its rows.`, fix: `Compare the file as it is (sextant drift … ${ref.value.name}), or restore v${ref.value.version}'s content to ${known.path} first.` },
      };
    }
  }
  return { ok: true, side: { file, dataset: ref.value.name, ...(held !== undefined ? { versionId: held } : {}) } };
}

/** The version a side is, when registered: named, or found by its file's content. */
async function versionOf(side: Side, store: { root: string; db: Database }, hasher: Hasher): Promise<number | undefined> {
  if (side.dataset !== undefined) return side.versionId;
  const sha256 = (await hasher.file(side.file)).sha256;
  return versionByContent(store.db, sha256, { file: side.file, root: store.root });
}

export const driftCommand: CliCommand = {
  name: 'drift',
  summary: 'Compare a current dataset with a reference, column by column (Evidently\'s tests); exit 1 when the dataset drifts.',
  usage: 'sextant drift REFERENCE CURRENT [--test T | --test COLUMN=T,...] [--columns a,b] [--no-record] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'test', type: 'string', multiple: true, description: `Test for every column, or COLUMN=TEST pairs (${DRIFT_TESTS.join(', ')}); default: chosen by type and size.` },
    { name: 'columns', type: 'string', description: 'Only these columns, comma-separated.' },
    { name: 'no-record', type: 'boolean', description: 'Do not keep the verdict with the current dataset\'s version in the store.' },
    ...STORE_OPTIONS,
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give two files: REFERENCE CURRENT');
    const test = parseTests(args);
    const columnsArg = value(args, 'columns');
    const columns = columnsArg?.split(',').map((c) => c.trim()).filter((c) => c !== '');
    if (columnsArg !== undefined && columns!.length === 0) throw new UsageError('--columns needs at least one column name');
    const failure = (error: EngineError): number => {
      if (args.flags.json) io.json({ ok: false, error });
      else io.err(`sextant drift: ${describeError(error)}`);
      return EXIT_FAILURE;
    };
    const store = existingStore(args, io);
    try {
      const hasher = new Hasher();
      const sides: Side[] = [];
      for (const given of args.positionals) {
        const side = await resolveSide(given, io, store, hasher);
        if (!side.ok) return failure(side.error);
        sides.push(side.side);
      }
      const [reference, current] = sides as [Side, Side];
      const result = compareFiles(reference.file, current.file, { ...(test ? { test } : {}), ...(columns ? { columns } : {}) });
      if (!result.ok) {
        if (result.error.code === 'drift-column') throw new UsageError(result.error.message);
        return failure(result.error);
      }
      const report = result.value;
      let recorded: { dataset: string; version: number; reference: { dataset: string; version: number } | null; summary: string } | undefined;
      if (store.error && !args.flags['no-record']) io.err(`sextant drift: warning: the verdict was not kept in the store: ${describeError(store.error)}`);
      if (store.db && !args.flags['no-record']) {
        const db = store.db;
        const currentId = await versionOf(current, { root: store.root, db }, hasher);
        if (currentId !== undefined) {
          const referenceId = await versionOf(reference, { root: store.root, db }, hasher);
          const currentSide: DriftSide = { versionId: currentId };
          const kept = await keepDrift(db, { current: currentSide, ...(referenceId !== undefined ? { reference: { versionId: referenceId } } : {}), report });
          if (!kept.ok) io.err(`sextant drift: warning: the verdict was not kept in the store: ${describeError(kept.error)}`);
          else recorded = { dataset: kept.value.version.dataset, version: kept.value.version.version, reference: kept.value.reference ? { dataset: kept.value.reference.dataset, version: kept.value.reference.version } : null, summary: kept.value.summary };
        }
      }
      if (args.flags.json) io.json(recorded ? { ...report, recorded } : report);
      else {
        for (const line of humanReport(report)) io.out(line);
        if (recorded) io.out(`Kept with ${recorded.dataset} v${recorded.version}${recorded.reference ? ` (vs ${recorded.reference.dataset}@${recorded.reference.version})` : ''}: ${recorded.summary}.`);
      }
      if (report.columns.length === 0) {
        io.err('sextant drift: no column could be tested (see not_tested).');
        return EXIT_FAILURE;
      }
      return report.dataset_drift ? EXIT_FAILURE : EXIT_OK;
    } finally {
      store.db?.close();
    }
  },
};
