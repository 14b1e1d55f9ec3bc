// `sextant models explain NAME@N DATA --row K[,K…] [--class C] [--background N] [--samples N] [--seed S]`:
// Kernel SHAP attributions of single predictions (src/engine/explain/shapVersion.ts), printed as a bar per
// feature (largest |attribution| first) or as JSON, and kept with the version unless --no-save.
import { resolve } from 'node:path';
import { shapVersion } from '../../engine/explain/shapVersion';
import { resolveModelRef, type VersionRef } from '../../engine/registry/refs';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_OK, type CliIo } from '../command';
import { commandFailure, openWorkspaceStore, table } from '../storeAccess';
import { formatValue } from './runs';

export const SHAP_OPTIONS = [
  { name: 'row', type: 'string' as const, description: 'Explain single predictions: data rows counted from 1 after the header, comma-separated (Kernel SHAP).' },
  { name: 'class', type: 'string' as const, description: "With --row: the class whose probability is explained (default: each row's predicted class)." },
  { name: 'background', type: 'string' as const, description: 'With --row: background rows sampled from the file (default 100).' },
  { name: 'samples', type: 'string' as const, description: 'With --row: coalitions drawn when the model has more than 11 varying features (default 2·features + 2048).' },
];

function whole(args: ParsedArgs, name: string, min: number): number | undefined {
  const text = value(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number from ${min}`);
  return n;
}

export async function runShapExplain(args: ParsedArgs, io: CliIo, ref: VersionRef): Promise<number> {
  for (const other of ['metric', 'repeats']) if (value(args, other) !== undefined) throw new UsageError(`--${other} is for permutation importance; --row explains single predictions`);
  const rows = value(args, 'row')!.split(',').map((s) => s.trim());
  const numbers = rows.map((s) => Number(s));
  if (rows.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError('--row takes data row numbers from 1, comma-separated (e.g. --row 3 or --row 3,17)');
  const background = whole(args, 'background', 1);
  const samples = whole(args, 'samples', 2);
  const seed = whole(args, 'seed', 0);
  const cls = value(args, 'class');
  const label = value(args, 'label');
  const data = resolve(io.cwd, args.positionals[1]!);
  const store = openWorkspaceStore(args, io, args.flags['no-save'] ? 'read' : 'write');
  if (!store.ok) return commandFailure(io, args, 'models explain', store.error);
  try {
    const found = resolveModelRef(store.db, ref);
    if (!found.ok) return commandFailure(io, args, 'models explain', found.error);
    const explained = await shapVersion(store.db, {
      storePath: store.layout.storePath,
      artifactsDir: store.layout.artifactsDir,
      root: store.layout.root,
      name: found.value.name,
      version: found.value.version,
      versionId: found.value.id,
      data,
      rows: numbers,
      save: !args.flags['no-save'],
      ...(cls !== undefined ? { class: cls } : {}),
      ...(label ? { label } : {}),
      ...(background ? { background } : {}),
      ...(samples ? { samples } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    if (!explained.ok) return commandFailure(io, args, 'models explain', explained.error);
    const e = explained.value;
    if (args.flags.json) {
      io.json(e);
      return EXIT_OK;
    }
    for (const r of e.rows) {
      const what = r.class === null ? 'prediction' : `P(${r.class})`;
      io.out(`${e.model} v${e.version}, row ${r.row} (line ${r.line}): ${what} ${formatValue(r.prediction)}, base ${formatValue(r.base)} (mean over ${e.background.rows} background rows, seed ${e.background.seed}); Kernel SHAP, ${r.method}${r.method === 'sampled' ? ` (${r.coalitions} coalitions)` : ''}:`);
      const sorted = [...r.features].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution) || a.feature.localeCompare(b.feature));
      const top = Math.max(...sorted.map((f) => Math.abs(f.attribution)), 1e-12);
      io.out(table([['FEATURE', 'VALUE', 'ATTRIBUTION', ''], ...sorted.map((f) => [f.feature, f.value === null ? '–' : formatValue(f.value), `${f.attribution >= 0 ? '+' : ''}${formatValue(f.attribution)}`, (f.attribution >= 0 ? '▶' : '◀').repeat(Math.max(0, Math.round((Math.abs(f.attribution) / top) * 20)))])]));
    }
    return EXIT_OK;
  } finally {
    store.db.close();
  }
}
