// `sextant runs list`: the runs recorded in the workspace store, newest first, with their params and last
// metric values. `--json` without --filter or --sort, the form scripts and CI call, loads neither zod nor the
// tracker: SQLite writes the list, or the run list cache holds it (engine/tracking/runListText.ts), so the
// command costs little more than starting `node` (docs/cli.md). Filtering, sorting and the table need the
// runs as objects: ./runsListed.ts, loaded when used.
import { resolve } from 'node:path';
import type { EngineError } from '../../engine/result';
import { openStore } from '../../engine/store/open';
import { storeError } from '../../engine/store/tx';
import { isProcessAlive, reapDeadRuns } from '../../engine/tracking/liveness';
import { readRunListCache, runListCacheFile, writeUnchangedRunList } from '../../engine/tracking/runListCache';
import { writeRunListJson } from '../../engine/tracking/runListText';
import { RUN_STATUSES } from '../../engine/tracking/runStatuses';
import type { RunStatus } from '../../engine/tracking/schemas';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value } from '../args';
import { EXIT_OK, type CliCommand } from '../command';
import { commandFailure } from '../storeAccess';

/** Loaded on first use, with zod (in the built CLI a bundle of its own, dist/cli-runsListed.js: esbuild.mjs):
 * the filtered, sorted or tabled list, and what a run SQLite cannot write needs. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const listed = (): typeof import('./runsListed') => require('./runsListed');

const isStatus = (s: string): s is RunStatus => (RUN_STATUSES as readonly string[]).includes(s);

export const runsListCommand: CliCommand = {
  name: 'runs list',
  summary: 'List recorded runs, newest first, with their params and last metric values.',
  usage: 'sextant runs list [--experiment NAME] [--status STATUS] [--filter EXPR] [--sort KEY] [--limit N] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'experiment', alias: 'e', type: 'string', description: 'Only runs of this experiment.' },
    { name: 'status', alias: 's', type: 'string', multiple: true, description: `Only runs with this status (${RUN_STATUSES.join(', ')}); may be repeated.` },
    { name: 'filter', alias: 'f', type: 'string', description: 'Terms that must all hold, as in the Experiments view: "loss<0.3 lr=0.01 status=failed name~fold".' },
    { name: 'sort', type: 'string', description: 'Sort by a metric (loss: lowest first; -loss: highest first), params.KEY, name or started (default: -started).' },
    { name: 'limit', alias: 'n', type: 'string', description: 'At most N runs (after filtering and sorting).' },
    { name: 'workspace', alias: 'w', type: 'string', description: 'Workspace folder (default: the current folder).' },
  ],
  async run(args, io) {
    const statuses = (args.values.status ?? []).map((s) => {
      if (!isStatus(s)) throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${s}"`);
      return s;
    });
    const limitText = value(args, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const filterText = value(args, 'filter') ?? '';
    const sortText = value(args, 'sort');
    const query = filterText.trim() !== '' || sortText !== undefined || !args.flags.json ? listed().parseQuery(filterText, sortText) : undefined;

    const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'));
    const pieces: Uint8Array[] = [];
    const write = (chunk: Uint8Array): unknown => (io.write ? io.write(chunk) : pieces.push(chunk));
    const flush = (): void => {
      if (!io.write) io.out(Buffer.concat(pieces).toString('utf8').replace(/\n$/, ''));
    };
    const cacheFile = runListCacheFile(layout.storePath);
    // Read once: for the shortcut below, and for what the list renders again when the store changed.
    const cache = query ? undefined : readRunListCache(cacheFile);
    const whole = !query && value(args, 'experiment') === undefined && statuses.length === 0;
    // The whole list (or its first N runs) of a store unchanged since the last whole list, from the cache, without opening SQLite.
    if (cache && whole && writeUnchangedRunList(cache, layout.storePath, write, isProcessAlive, limit)) {
      flush();
      return EXIT_OK;
    }
    // Read-only: listing never writes the store and never waits for a writer.
    const opened = openStore(layout.storePath, { readonly: true });
    if (!opened.ok) {
      if (opened.error.code !== 'store-missing') return commandFailure(io, args, 'runs list', opened.error);
      if (args.flags.json) io.json([]);
      else io.err('No runs yet: this workspace has no store (.sextant/sextant.db). Run a pipeline or a script that logs to Sextant.');
      return EXIT_OK;
    }
    const db = opened.value;
    let error: EngineError | undefined;
    try {
      // Runs whose process died without a word are marked killed before anyone reads them, unless another
      // process holds the write lock right now (then the next look marks them).
      reapDeadRuns(db, layout.storePath, Date.now);
      const options = { experiment: value(args, 'experiment'), status: statuses, limit };
      if (query) {
        listed().printRuns(db, options, query, io, Boolean(args.flags.json));
      } else {
        writeRunListJson(db, {
          ...options,
          cacheFile,
          cache,
          storePath: layout.storePath,
          drop: (run) => listed().isUnchangedAlone(run),
          shape: (run) => listed().runListJson(run),
          write,
        });
        flush();
      }
    } catch (err) {
      error = storeError(err, layout.storePath, 'list runs');
    } finally {
      db.close();
    }
    return error ? commandFailure(io, args, 'runs list', error) : EXIT_OK;
  },
};
