// `sextant models list|show|promote|rollback|compare|tag|describe|explain|unalias|delete`: the model registry of the workspace store.
// Promote and rollback move an alias in one transaction with its history row and audit entry
// (src/engine/registry/aliases.ts); promote checks the version's promotion gates first and, when one blocks,
// leaves the alias, records the block and exits 1 naming the gate.
import { resolve } from 'node:path';
import { explainVersion } from '../../engine/explain/explainVersion';
import { IMPORTANCE_METRICS, type ImportanceMetric } from '../../engine/explain/permutation';
import { moveAlias, rollbackAlias, type AliasMove } from '../../engine/registry/aliases';
import { modelCard } from '../../engine/registry/card';
import { compareVersions } from '../../engine/registry/compare';
import { describeGate } from '../../engine/registry/gates';
import { listModels } from '../../engine/registry/list';
import { parseModelRef, resolveModelRef } from '../../engine/registry/refs';
import { describeVersion, tagVersion, versionEvents, versionNotes } from '../../engine/registry/versionNotes';
import type { Database } from '../../engine/store/open';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_OK, type CliCommand, type CliIo } from '../command';
import { modelsDeleteCommand, modelsUnaliasCommand } from './modelsDelete';
import { formatValue } from './runs';
import { runShapExplain, SHAP_OPTIONS } from './modelsShap';
import { commandFailure, openWorkspaceStore, STORE_OPTIONS, table, when } from '../storeAccess';

const WHO = { source: 'CLI' };

function refOf(text: string) {
  const ref = parseModelRef(text);
  if (!ref.ok) throw new UsageError(ref.error.message);
  return ref.value;
}

/** Runs `body` on the open store and closes it; a store that cannot be opened is the command's failure. */
async function withStore(args: ParsedArgs, io: CliIo, command: string, mode: 'read' | 'write', body: (db: Database, storePath: string, artifactsDir: string) => number): Promise<number> {
  const store = openWorkspaceStore(args, io, mode);
  if (!store.ok) return commandFailure(io, args, command, store.error);
  try {
    return body(store.db, store.layout.storePath, store.layout.artifactsDir);
  } finally {
    store.db.close();
  }
}

function printMove(io: CliIo, m: AliasMove, rollback: boolean): void {
  for (const g of m.gates) io.out(`gate passed: ${g.gate}: ${g.reason}`);
  io.out(`${m.model}@${m.alias}: ${m.from === null ? 'not set' : `v${m.from}`} → v${m.to}${rollback ? ' (rolled back)' : ''}`);
}

export const modelsListCommand: CliCommand = {
  name: 'models list',
  summary: 'List registered models with their versions (newest first), aliases and metrics.',
  usage: 'sextant models list [--workspace DIR] [--json]',
  json: true,
  options: STORE_OPTIONS,
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('models list takes no arguments');
    return withStore(args, io, 'models list', 'read', (db) => {
      const models = listModels(db);
      if (args.flags.json) {
        io.json({ models });
        return EXIT_OK;
      }
      if (models.length === 0) {
        io.err('No model is registered yet (a pipeline stage `uses: sextant/register` registers one).');
        return EXIT_OK;
      }
      const rows = [['MODEL', 'VERSION', 'ALIASES', 'REGISTERED', 'RUN', 'METRICS']];
      for (const m of models) {
        for (const v of m.versions) {
          const metrics = Object.entries(v.metrics).filter(([k, x]) => !k.includes('/') && x !== null).slice(0, 4).map(([k, x]) => `${k}=${formatValue(x!)}`).join(' ');
          rows.push([m.name, `v${v.version}`, v.aliases.join(',') || '-', when(v.createdAt), v.runUid?.slice(0, 8) ?? '-', metrics]);
        }
      }
      io.out(table(rows));
      return EXIT_OK;
    });
  },
};

export const modelsShowCommand: CliCommand = {
  name: 'models show',
  summary: 'Show one model version (the latest by default): signature, metrics, lineage, aliases and their moves, description, tags, gates and its audit entries.',
  usage: 'sextant models show NAME[@VERSION|@ALIAS] [--workspace DIR] [--json]',
  json: true,
  options: STORE_OPTIONS,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one model: NAME, NAME@VERSION or NAME@ALIAS');
    const ref = refOf(args.positionals[0]!);
    return withStore(args, io, 'models show', 'read', (db, _store, artifactsDir) => {
      const found = resolveModelRef(db, ref);
      if (!found.ok) return commandFailure(io, args, 'models show', found.error);
      const card = modelCard(db, artifactsDir, found.value.name, found.value.version);
      if (!card.ok) return commandFailure(io, args, 'models show', card.error);
      const notes = versionNotes(db, found.value.id);
      const events = versionEvents(db, found.value.name, found.value.version);
      if (args.flags.json) {
        io.json({ card: card.value, notes, events });
        return EXIT_OK;
      }
      const c = card.value;
      io.out(`${c.name} v${c.version}${c.aliases.filter((a) => a.version === c.version).map((a) => ` @${a.alias}`).join('')} · registered ${when(c.createdAt)} · sha256 ${c.sha256?.slice(0, 12) ?? '-'}${c.file.exists ? '' : ' (file missing)'}`);
      if (notes.description) io.out(notes.description);
      if (Object.keys(notes.tags).length) io.out(`tags: ${Object.entries(notes.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      if (c.signature.ok) for (const i of c.signature.value.inputs) io.out(`input ${i.name}: ${i.type} [${i.shape?.join(', ') ?? '?'}]${c.features ? ` (${c.features.join(', ')})` : ''}`);
      else io.out(`signature: ${c.signature.message}`);
      if (c.source.kind === 'run') io.out(`source: ${c.source.name} (${c.source.id.slice(0, 8)}, ${c.source.status})${c.source.gitCommit ? ` at ${c.source.gitCommit.slice(0, 8)}${c.source.gitDirty ? '+dirty' : ''}` : ''}`);
      const metrics = Object.entries(c.metrics).filter(([k]) => !k.includes('/'));
      if (metrics.length) io.out(`metrics: ${metrics.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ')}`);
      if (notes.gates.length) io.out(`gates: ${notes.gates.map(describeGate).join('; ')}`);
      if (c.aliases.length) io.out(`aliases: ${c.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ')}`);
      if (events.length) {
        io.out('');
        for (const e of events) io.out(`#${e.seq} ${when(e.at)} ${e.kind} by ${e.actor} (${e.source})${e.kind === 'promotion-blocked' ? `: ${String(e.detail.alias)}: ${String(e.detail.reason)}` : e.kind === 'alias-moved' ? `: ${String(e.detail.alias)} ${e.detail.from === null ? 'set' : `v${String(e.detail.from)}`} → v${String(e.detail.to)}` : ''}`);
      }
      return EXIT_OK;
    });
  },
};

export const modelsPromoteCommand: CliCommand = {
  name: 'models promote',
  summary: "Point an alias at a version, after checking the version's promotion gates; a blocked promotion leaves the alias, is recorded in the audit log and exits 1.",
  usage: 'sextant models promote NAME@VERSION --alias ALIAS [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'alias', alias: 'a', type: 'string', description: 'The alias to move, e.g. production.' }, ...STORE_OPTIONS],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one model version: NAME@VERSION (or NAME@ALIAS)');
    const ref = refOf(args.positionals[0]!);
    if (ref.which === undefined) throw new UsageError('name the version to promote: NAME@VERSION');
    const alias = value(args, 'alias');
    if (!alias) throw new UsageError('--alias is required');
    return withStore(args, io, 'models promote', 'write', (db, storePath) => {
      const found = resolveModelRef(db, ref);
      if (!found.ok) return commandFailure(io, args, 'models promote', found.error);
      const moved = moveAlias(db, storePath, { name: found.value.name, alias, version: found.value.version, who: WHO });
      if (!moved.ok) return commandFailure(io, args, 'models promote', moved.error);
      if (args.flags.json) io.json(moved.value);
      else printMove(io, moved.value, false);
      return EXIT_OK;
    });
  },
};

export const modelsRollbackCommand: CliCommand = {
  name: 'models rollback',
  summary: 'Move an alias back to the version it pointed at before its last move (one alias move, recorded as a rollback; gates are not checked).',
  usage: 'sextant models rollback NAME --alias ALIAS [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'alias', alias: 'a', type: 'string', description: 'The alias to move back, e.g. production.' }, ...STORE_OPTIONS],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one model name');
    const ref = refOf(args.positionals[0]!);
    if (ref.which !== undefined) throw new UsageError('give the model name alone, and the alias with --alias');
    const alias = value(args, 'alias');
    if (!alias) throw new UsageError('--alias is required');
    return withStore(args, io, 'models rollback', 'write', (db, storePath) => {
      const moved = rollbackAlias(db, storePath, { name: ref.name, alias, who: { source: 'CLI (rollback)' } });
      if (!moved.ok) return commandFailure(io, args, 'models rollback', moved.error);
      if (args.flags.json) io.json(moved.value);
      else printMove(io, moved.value, true);
      return EXIT_OK;
    });
  },
};

export const modelsCompareCommand: CliCommand = {
  name: 'models compare',
  summary: 'Compare two model versions: metrics side by side with the difference and which is better, and whether they are the same file.',
  usage: 'sextant models compare NAME@A NAME@B [--workspace DIR] [--json]',
  json: true,
  options: STORE_OPTIONS,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give two model versions, e.g. churn@production churn@4');
    const [a, b] = [refOf(args.positionals[0]!), refOf(args.positionals[1]!)];
    return withStore(args, io, 'models compare', 'read', (db) => {
      const ra = resolveModelRef(db, a);
      if (!ra.ok) return commandFailure(io, args, 'models compare', ra.error);
      const rb = resolveModelRef(db, b);
      if (!rb.ok) return commandFailure(io, args, 'models compare', rb.error);
      const cmp = compareVersions(db, ra.value.id, rb.value.id);
      if (args.flags.json) {
        io.json(cmp);
        return EXIT_OK;
      }
      const label = (s: typeof cmp.a): string => `${s.name} v${s.version}${s.aliases.length ? ` (${s.aliases.join(', ')})` : ''}`;
      io.out(`A: ${label(cmp.a)}  B: ${label(cmp.b)}${cmp.sameArtifact ? '  (the same file)' : ''}`);
      const show = (x: number | null): string => (x === null ? '-' : formatValue(x));
      io.out(table([['METRIC', 'A', 'B', 'B-A', 'BETTER'], ...cmp.metrics.map((m) => [m.metric, show(m.a), show(m.b), m.delta === null ? '-' : `${m.delta > 0 ? '+' : ''}${formatValue(m.delta)}`, m.better ?? '-'])]));
      return EXIT_OK;
    });
  },
};

export const modelsTagCommand: CliCommand = {
  name: 'models tag',
  summary: 'Set (KEY=VALUE) or remove (--remove KEY) tags of a model version; the version itself never changes.',
  usage: 'sextant models tag NAME@VERSION [KEY=VALUE ...] [--remove KEY ...] [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'remove', type: 'string', multiple: true, description: 'A tag to remove.' }, ...STORE_OPTIONS],
  async run(args, io) {
    const [first, ...pairs] = args.positionals;
    if (!first) throw new UsageError('give a model version and KEY=VALUE tags');
    const ref = refOf(first);
    const tags: Record<string, string | null> = {};
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`"${p}" is not KEY=VALUE`);
      tags[p.slice(0, eq)] = p.slice(eq + 1);
    }
    for (const k of args.values.remove ?? []) tags[k] = null;
    if (Object.keys(tags).length === 0) throw new UsageError('give at least one KEY=VALUE or --remove KEY');
    return withStore(args, io, 'models tag', 'write', (db, storePath) => {
      const found = resolveModelRef(db, ref);
      if (!found.ok) return commandFailure(io, args, 'models tag', found.error);
      const done = tagVersion(db, storePath, { ...found.value, versionId: found.value.id, tags, who: WHO });
      if (!done.ok) return commandFailure(io, args, 'models tag', done.error);
      if (args.flags.json) io.json({ model: found.value.name, version: found.value.version, tags: done.value.tags });
      else io.out(`${found.value.name} v${found.value.version}: ${Object.entries(done.value.tags).map(([k, v]) => `${k}=${v}`).join(' ') || 'no tags'}`);
      return EXIT_OK;
    });
  },
};

export const modelsDescribeCommand: CliCommand = {
  name: 'models describe',
  summary: 'Set the description of a model version (an empty text clears it); the version itself never changes.',
  usage: 'sextant models describe NAME@VERSION TEXT [--workspace DIR] [--json]',
  json: true,
  options: STORE_OPTIONS,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give a model version and the description (quoted)');
    const ref = refOf(args.positionals[0]!);
    return withStore(args, io, 'models describe', 'write', (db, storePath) => {
      const found = resolveModelRef(db, ref);
      if (!found.ok) return commandFailure(io, args, 'models describe', found.error);
      const done = describeVersion(db, storePath, { ...found.value, versionId: found.value.id, text: args.positionals[1]!, who: WHO });
      if (!done.ok) return commandFailure(io, args, 'models describe', done.error);
      if (args.flags.json) io.json({ model: found.value.name, version: found.value.version, description: done.value.description });
      else io.out(`${found.value.name} v${found.value.version}: ${done.value.description ?? '(no description)'}`);
      return EXIT_OK;
    });
  },
};

const wholeNumber = (args: ParsedArgs, name: string, min: number): number | undefined => {
  const text = value(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number from ${min}`);
  return n;
};

export const modelsExplainCommand: CliCommand = {
  name: 'models explain',
  summary: 'Permutation feature importance of a model version on a CSV/TSV file (how much the metric drops when each feature is shuffled), or with --row Kernel SHAP attributions of single predictions; kept with the version and shown on its model card.',
  usage: 'sextant models explain NAME@VERSION DATA [--metric accuracy|f1|roc_auc|log_loss] [--repeats N] | --row K[,K…] [--class C] [--background N] [--samples N]] [--seed S] [--label COL] [--no-save] [--json]',
  json: true,
  options: [
    { name: 'metric', type: 'string', description: `The score whose drop is measured: ${IMPORTANCE_METRICS.join(', ')} (log_loss: its rise). Default accuracy.` },
    { name: 'repeats', type: 'string', description: 'Shuffles per feature (default 5).' },
    { name: 'seed', type: 'string', description: 'Seed of the shuffles (default 0).' },
    { name: 'label', type: 'string', description: "The label column (default: the model's)." },
    { name: 'no-save', type: 'boolean', description: 'Print only; do not keep it with the version.' },
    ...SHAP_OPTIONS,
    ...STORE_OPTIONS,
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give a model version and a data file: NAME@VERSION DATA');
    const ref = refOf(args.positionals[0]!);
    if (value(args, 'row') !== undefined) return runShapExplain(args, io, ref);
    for (const only of ['class', 'background', 'samples']) if (value(args, only) !== undefined) throw new UsageError(`--${only} goes with --row (Kernel SHAP of single predictions)`);
    const metric = value(args, 'metric');
    if (metric !== undefined && !(IMPORTANCE_METRICS as readonly string[]).includes(metric)) throw new UsageError(`--metric: one of ${IMPORTANCE_METRICS.join(', ')}`);
    const repeats = wholeNumber(args, 'repeats', 1);
    const seed = wholeNumber(args, 'seed', 0);
    const data = resolve(io.cwd, args.positionals[1]!);
    const store = openWorkspaceStore(args, io, args.flags['no-save'] ? 'read' : 'write');
    if (!store.ok) return commandFailure(io, args, 'models explain', store.error);
    try {
      const found = resolveModelRef(store.db, ref);
      if (!found.ok) return commandFailure(io, args, 'models explain', found.error);
      const label = value(args, 'label');
      const explained = await explainVersion(store.db, {
        storePath: store.layout.storePath,
        artifactsDir: store.layout.artifactsDir,
        root: store.layout.root,
        name: found.value.name,
        version: found.value.version,
        versionId: found.value.id,
        data,
        save: !args.flags['no-save'],
        ...(label ? { label } : {}),
        ...(metric ? { metric: metric as ImportanceMetric } : {}),
        ...(repeats ? { repeats } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      if (!explained.ok) return commandFailure(io, args, 'models explain', explained.error);
      const e = explained.value;
      if (args.flags.json) {
        io.json(e);
        return EXIT_OK;
      }
      io.out(`${e.model} v${e.version} on ${e.rows} rows${e.skipped ? ` (${e.skipped} left out)` : ''}: ${e.metric} ${formatValue(e.baseline)}; drop when each feature is shuffled (${e.repeats} repeats, seed ${e.seed}):`);
      const top = Math.max(...e.features.map((f) => f.importance), 1e-12);
      io.out(table([['FEATURE', 'IMPORTANCE', '±STD', ''], ...e.features.map((f) => [f.feature, formatValue(f.importance), formatValue(f.std), '█'.repeat(Math.max(0, Math.round((f.importance / top) * 30)))])]));
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};

export const MODELS_COMMANDS = [modelsListCommand, modelsShowCommand, modelsPromoteCommand, modelsRollbackCommand, modelsCompareCommand, modelsTagCommand, modelsDescribeCommand, modelsExplainCommand, modelsUnaliasCommand, modelsDeleteCommand];
