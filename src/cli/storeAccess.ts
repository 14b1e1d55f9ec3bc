// What the registry and audit commands share: the workspace store opened for reading or writing (--workspace,
// --store), an engine error printed the CLI's way (JSON `{ok: false, error}` with --json), and a plain table.
import { resolve } from 'node:path';
import { describeError, type EngineError } from '../engine/result';
import { openStore, type Database } from '../engine/store/open';
import { workspaceLayout, type WorkspaceLayout } from '../engine/workspace/layout';
import { value, type OptionSpec, type ParsedArgs } from './args';
import { EXIT_FAILURE, type CliIo } from './command';

export const STORE_OPTIONS: OptionSpec[] = [
  { name: 'workspace', alias: 'w', type: 'string', description: 'Workspace folder whose store is used (default: the current folder).' },
  { name: 'store', type: 'string', description: 'The store file, relative to the workspace (default .sextant/sextant.db).' },
];

export function layoutOf(args: ParsedArgs, io: CliIo): WorkspaceLayout {
  return workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'), value(args, 'store'));
}

/** The store, read-only (never waits for a writer) or for writing (migrated to this Sextant's schema). */
export function openWorkspaceStore(args: ParsedArgs, io: CliIo, mode: 'read' | 'write'): { layout: WorkspaceLayout } & ({ ok: true; db: Database } | { ok: false; error: EngineError }) {
  const layout = layoutOf(args, io);
  const opened = openStore(layout.storePath, mode === 'read' ? { readonly: true } : {});
  return opened.ok ? { layout, ok: true, db: opened.value } : { layout, ok: false, error: opened.error };
}

export function commandFailure(io: CliIo, args: ParsedArgs, command: string, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant ${command}: ${describeError(error)}`);
  return EXIT_FAILURE;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
