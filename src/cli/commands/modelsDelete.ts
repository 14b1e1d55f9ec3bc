// `sextant models unalias NAME --alias A` and `sextant models delete NAME[@VERSION] [--with-aliases]`: the
// registry's deletions, each one transaction with its audit entry (src/engine/registry/deletion.ts).
import { deleteModel, deleteModelVersion, removeAlias } from '../../engine/registry/deletion';
import { parseModelRef } from '../../engine/registry/refs';
import { UsageError, value } from '../args';
import { EXIT_OK, type CliCommand } from '../command';
import { commandFailure, openWorkspaceStore, STORE_OPTIONS } from '../storeAccess';

const WHO = { source: 'CLI' };

export const modelsUnaliasCommand: CliCommand = {
  name: 'models unalias',
  summary: 'Remove an alias of a model (recorded in the alias history and the audit log); the version stays.',
  usage: 'sextant models unalias NAME --alias ALIAS [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'alias', alias: 'a', type: 'string', description: 'The alias to remove, e.g. staging.' }, ...STORE_OPTIONS],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one model name');
    const ref = parseModelRef(args.positionals[0]!);
    if (!ref.ok) throw new UsageError(ref.error.message);
    if (ref.value.which !== undefined) throw new UsageError('give the model name alone, and the alias with --alias');
    const alias = value(args, 'alias');
    if (!alias) throw new UsageError('--alias is required');
    const store = openWorkspaceStore(args, io, 'write');
    if (!store.ok) return commandFailure(io, args, 'models unalias', store.error);
    try {
      const removed = removeAlias(store.db, store.layout.storePath, { name: ref.value.name, alias, who: WHO });
      if (!removed.ok) return commandFailure(io, args, 'models unalias', removed.error);
      if (args.flags.json) io.json(removed.value);
      else io.out(`${removed.value.model}@${removed.value.alias}: v${removed.value.from} → removed`);
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};

export const modelsDeleteCommand: CliCommand = {
  name: 'models delete',
  summary: 'Delete a model version (NAME@VERSION) or a whole model (NAME), recorded in the audit log; refused while an alias points there unless --with-aliases.',
  usage: 'sextant models delete NAME[@VERSION] [--with-aliases] [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'with-aliases', type: 'boolean', description: 'Also remove the aliases that point there (each recorded).' }, ...STORE_OPTIONS],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one model (NAME) or model version (NAME@VERSION)');
    const ref = parseModelRef(args.positionals[0]!);
    if (!ref.ok) throw new UsageError(ref.error.message);
    if (typeof ref.value.which === 'string') throw new UsageError('name the version by number (NAME@VERSION), not by alias: an alias moves');
    const withAliases = args.flags['with-aliases'] === true;
    const store = openWorkspaceStore(args, io, 'write');
    if (!store.ok) return commandFailure(io, args, 'models delete', store.error);
    try {
      const { name, which } = ref.value;
      if (which === undefined) {
        const gone = deleteModel(store.db, store.layout.storePath, { name, withAliases, who: WHO });
        if (!gone.ok) return commandFailure(io, args, 'models delete', gone.error);
        if (args.flags.json) io.json(gone.value);
        else io.out(`deleted model ${name} (${gone.value.versions.length === 0 ? 'no versions' : gone.value.versions.map((v) => `v${v}`).join(', ')})${gone.value.aliasesRemoved.length ? `; aliases removed: ${gone.value.aliasesRemoved.join(', ')}` : ''}`);
        return EXIT_OK;
      }
      const gone = deleteModelVersion(store.db, store.layout.storePath, { name, version: which, withAliases, who: WHO });
      if (!gone.ok) return commandFailure(io, args, 'models delete', gone.error);
      if (args.flags.json) io.json(gone.value);
      else io.out(`deleted ${name} v${which}${gone.value.aliasesRemoved.length ? `; aliases removed: ${gone.value.aliasesRemoved.join(', ')}` : ''}`);
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};
