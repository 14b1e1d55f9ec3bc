// The Models view's deletions: what the modal asks before *Delete Model Version…*, *Delete Registered Model…* and
// *Remove Alias*, what each answer asks for, and the deletion itself through the engine's functions (the same
// ones `sextant models delete|unalias` call, src/engine/registry/deletion.ts), recorded with source "VS Code".
// A version or model an alias points at offers only "Delete with Aliases", naming the aliases: the plain
// deletion would be refused. No `vscode` import: src/views/modelsCommands.ts shows the questions,
// test/unit/models.delete.view.test.ts checks them on a real store.
import type { deleteModel, deleteModelVersion, removeAlias } from '../engine/registry/deletion';
import type { ModelSummary } from '../engine/registry/list';
import type { Result } from '../engine/result';
import type { Database } from '../engine/store/open';

export const DELETE_VERSION = 'Delete Version';
export const DELETE_MODEL = 'Delete Model';
export const DELETE_WITH_ALIASES = 'Delete with Aliases';
export const REMOVE_ALIAS = 'Remove Alias';

/** Who the audit log names for a deletion from the editor. */
export const VS_CODE = { source: 'VS Code' } as const;

export type DeletionAction =
  | { kind: 'version'; name: string; version: number; withAliases: boolean }
  | { kind: 'model'; name: string; withAliases: boolean }
  | { kind: 'alias'; name: string; alias: string; expectedFrom: number };

export interface DeletionQuestion {
  message: string;
  options: { modal: true; detail: string };
  /** The one button that goes ahead (the dialog adds Cancel). */
  buttons: [string];
  /** What pressing it does. */
  action: DeletionAction;
}

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');
const KEPT = 'The model file stays in the artifact store. The deletion is recorded in the audit log; version numbers are never reused.';

/** The question before deleting version `version` of `name`, where `aliases` point now. */
export function versionDeletionQuestion(name: string, version: number, aliases: string[]): DeletionQuestion {
  if (aliases.length === 0) {
    return {
      message: `Delete version ${version} of model "${name}"?`,
      options: { modal: true, detail: `Its registry entry, tags, evaluations and explanations are deleted. ${KEPT}` },
      buttons: [DELETE_VERSION],
      action: { kind: 'version', name, version, withAliases: false },
    };
  }
  const s = aliases.length === 1 ? '' : 'es';
  return {
    message: `Version ${version} of model "${name}" is where the alias${s} ${quoted(aliases)} ${aliases.length === 1 ? 'points' : 'point'}. Delete it with its alias${s}?`,
    options: { modal: true, detail: `${DELETE_WITH_ALIASES} removes ${quoted(aliases)} too (each recorded in the alias history), then deletes the version with its tags, evaluations and explanations. ${KEPT}` },
    buttons: [DELETE_WITH_ALIASES],
    action: { kind: 'version', name, version, withAliases: true },
  };
}

/** The question before deleting model `model` with every version. */
export function modelDeletionQuestion(model: Pick<ModelSummary, 'name' | 'versions'>): DeletionQuestion {
  const versions = model.versions.map((v) => v.version).sort((a, b) => a - b);
  const listed = versions.length === 0 ? 'no versions' : `${versions.length} version${versions.length === 1 ? '' : 's'} (${versions.map((v) => `v${v}`).join(', ')})`;
  const aliases = model.versions.flatMap((v) => v.aliases.map((a) => ({ alias: a, version: v.version }))).sort((a, b) => a.alias.localeCompare(b.alias));
  const detail = `Every version goes with its tags, evaluations and explanations; registering "${model.name}" again continues after the highest version number. The model files stay in the artifact store; the deletion is recorded in the audit log.`;
  if (aliases.length === 0) {
    return { message: versions.length === 0 ? `Delete model "${model.name}"? It has no versions.` : `Delete model "${model.name}" and its ${listed}?`, options: { modal: true, detail }, buttons: [DELETE_MODEL], action: { kind: 'model', name: model.name, withAliases: false } };
  }
  return {
    message: `Model "${model.name}" still has ${aliases.map((a) => `@${a.alias} (v${a.version})`).join(', ')}. Delete it, its ${listed} and its aliases?`,
    options: { modal: true, detail: `${DELETE_WITH_ALIASES} removes the aliases too. ${detail}` },
    buttons: [DELETE_WITH_ALIASES],
    action: { kind: 'model', name: model.name, withAliases: true },
  };
}

/** The question before removing the alias `alias` of `name`, which points at `version`. */
export function aliasRemovalQuestion(name: string, alias: string, version: number): DeletionQuestion {
  return {
    message: `Remove the alias "${alias}" of model "${name}"? It points at version ${version}.`,
    options: { modal: true, detail: `The version stays. The removal is recorded in the alias history and the audit log; Set Alias… points "${alias}" at a version again.` },
    buttons: [REMOVE_ALIAS],
    action: { kind: 'alias', name, alias, expectedFrom: version },
  };
}

/** What the answer asks for: the dialog's Cancel, Escape or closing it is undefined. */
export function deletionAnswer(question: DeletionQuestion, choice: string | undefined): DeletionAction | undefined {
  return choice === question.buttons[0] ? question.action : undefined;
}

export interface DeletionEngine {
  deleteModel: typeof deleteModel;
  deleteModelVersion: typeof deleteModelVersion;
  removeAlias: typeof removeAlias;
}

/** Performs `action` in the store at `file` (one transaction with its audit entry); the line to show when done. */
export function performDeletion(engine: DeletionEngine, db: Database, file: string, action: DeletionAction): Result<string> {
  if (action.kind === 'alias') {
    const r = engine.removeAlias(db, file, { name: action.name, alias: action.alias, expectedFrom: action.expectedFrom, who: VS_CODE });
    return r.ok ? { ok: true, value: `Removed ${r.value.model}@${r.value.alias} (it pointed at v${r.value.from})` } : r;
  }
  const removed = (aliases: string[]): string => (aliases.length ? `; aliases removed: ${aliases.join(', ')}` : '');
  if (action.kind === 'version') {
    const r = engine.deleteModelVersion(db, file, { name: action.name, version: action.version, withAliases: action.withAliases, who: VS_CODE });
    return r.ok ? { ok: true, value: `Deleted ${r.value.model} v${r.value.version}${removed(r.value.aliasesRemoved)}` } : r;
  }
  const r = engine.deleteModel(db, file, { name: action.name, withAliases: action.withAliases, who: VS_CODE });
  return r.ok ? { ok: true, value: `Deleted model ${r.value.model} (${r.value.versions.length === 0 ? 'no versions' : r.value.versions.map((v) => `v${v}`).join(', ')})${removed(r.value.aliasesRemoved)}` } : r;
}
