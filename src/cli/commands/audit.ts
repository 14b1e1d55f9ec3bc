// `sextant audit list` and `sextant audit verify`: the store's audit log (src/engine/audit). verify walks the
// hash chain and exits 1 naming each entry that was edited, reordered or removed; --expect-head checks a head
// hash kept outside the store (the only way to catch a rewritten log whose head record was rewritten too).
import { AUDIT_KINDS, listAudit } from '../../engine/audit/log';
import { verifyAudit } from '../../engine/audit/verify';
import { canonicalJson } from '../../engine/audit/canonical';
import { UsageError, value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';
import { commandFailure, openWorkspaceStore, STORE_OPTIONS, table, when } from '../storeAccess';

export const auditListCommand: CliCommand = {
  name: 'audit list',
  summary: 'List the audit log: registrations, alias moves, blocked promotions, deletions, serving starts and token use, oldest first.',
  usage: 'sextant audit list [--subject model:NAME] [--kind KIND] [--limit N] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'subject', type: 'string', description: 'Only entries about this subject and its versions (model:churn takes model:churn@3).' },
    { name: 'kind', type: 'string', description: `Only entries of this kind: ${AUDIT_KINDS.join(', ')}.` },
    { name: 'limit', type: 'string', description: 'Only the last N entries.' },
    ...STORE_OPTIONS,
  ],
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('audit list takes no arguments');
    const limitText = value(args, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit takes a whole number from 1');
    const kind = value(args, 'kind');
    if (kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind: one of ${AUDIT_KINDS.join(', ')}`);
    const store = openWorkspaceStore(args, io, 'read');
    if (!store.ok) return commandFailure(io, args, 'audit list', store.error);
    try {
      const subject = value(args, 'subject');
      const entries = listAudit(store.db, { ...(subject ? { subject } : {}), ...(kind ? { kind } : {}), ...(limit ? { limit } : {}) });
      if (args.flags.json) io.json({ entries });
      else if (entries.length === 0) io.err('The audit log has no entries yet.');
      else io.out(table([['#', 'WHEN', 'KIND', 'SUBJECT', 'WHO', 'FROM', 'DETAIL'], ...entries.map((e) => [String(e.seq), when(e.at), e.kind, e.subject, e.actor, e.source, canonicalJson(e.detail)])]));
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};

export const auditVerifyCommand: CliCommand = {
  name: 'audit verify',
  summary: "Check the audit log's hash chain: exit 1 naming every entry that was edited, reordered or removed (and a removed tail, against the recorded head or --expect-head).",
  usage: 'sextant audit verify [--expect-head HASH] [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'expect-head', type: 'string', description: 'A head hash recorded earlier outside the store (from `audit verify`): it must still be in the log.' }, ...STORE_OPTIONS],
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('audit verify takes no arguments');
    const expectHead = value(args, 'expect-head');
    if (expectHead !== undefined && !/^[0-9a-fA-F]{12,64}$/.test(expectHead.trim())) throw new UsageError('--expect-head takes a hash (hex, at least 12 characters)');
    const store = openWorkspaceStore(args, io, 'read');
    if (!store.ok) return commandFailure(io, args, 'audit verify', store.error);
    try {
      const verdict = verifyAudit(store.db, expectHead !== undefined ? { expectHead } : {});
      if (args.flags.json) io.json(verdict);
      else {
        for (const p of verdict.problems) io.err(`entry ${p.entry}: ${p.kind}: ${p.message}`);
        if (verdict.ok) io.out(verdict.head ? `ok: ${verdict.entries} entries, chain intact; head #${verdict.head.seq} ${verdict.head.hash}` : 'ok: the audit log has no entries yet.');
        else io.out(`TAMPERED: ${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'} in ${verdict.entries} entries.`);
      }
      return verdict.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      store.db.close();
    }
  },
};
