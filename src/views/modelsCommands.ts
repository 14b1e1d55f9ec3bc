// The Models view's commands (and the model card's actions, which run them): open a version's card, point an
// alias at a version (after a modal confirmation naming the model, the version, the alias and where it points
// now; one transaction in the engine), reveal the version's file, open its source run, copy a model's name,
// delete a version or a model and remove an alias (after a modal, through the engine's deletion functions that the
// CLI uses, recorded with source "VS Code": src/views/modelsDeletion.ts).
// A command takes the tree node it was invoked on, or { model, version } from the model card.
import { relative } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { loadEngine } from '../engineLoader';
import { openModelCard } from '../webviews/register';
import { experimentsState } from './experimentsState';
import { aliasRemovalQuestion, deletionAnswer, modelDeletionQuestion, performDeletion, versionDeletionQuestion, type DeletionQuestion } from './modelsDeletion';
import type { ModelNode } from './modelsTree';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node); unknown[] would reject them
type Handler = (...args: any[]) => unknown;

/** A model version, from a tree node or the model card; an alias move may name the alias and where the card showed it. */
interface VersionArg {
  model: string;
  version: number;
  alias?: string;
  expectedFrom?: number | null;
}

function versionOf(arg: unknown): VersionArg | undefined {
  const a = arg as (Partial<ModelNode> & Partial<VersionArg>) | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (a.kind === 'version' && typeof a.model === 'string' && typeof (a as { version?: { version?: unknown } }).version?.version === 'number') {
    return { model: a.model, version: (a as { version: { version: number } }).version.version };
  }
  if (typeof a.model === 'string' && typeof a.version === 'number') return a as VersionArg;
  return undefined;
}

export function modelsCommands(ctx: Ctx): Record<string, Handler> {
  const state = experimentsState(ctx);
  const pickFirst = (): void => void vscode.window.showInformationMessage('Choose a model version in the Models view first.');

  /** The card of a version from the store, or an error shown to the user. */
  const cardOf = async (v: VersionArg) => {
    const got = await state.tracker();
    if (got.kind !== 'ok') {
      void vscode.window.showErrorMessage(got.kind === 'missing' ? 'Sextant: this workspace has no store yet.' : `Sextant: ${got.error.message}`);
      return undefined;
    }
    const { modelCard } = await loadEngine();
    const card = ctx.log.time(`models: card ${v.model} v${v.version}`, () => modelCard(got.tracker.db, got.tracker.artifactsDir, v.model, v.version));
    if (!card.ok) {
      void vscode.window.showErrorMessage(`Sextant: ${card.error.message}`);
      return undefined;
    }
    return { card: card.value, tracker: got.tracker };
  };

  /** The model `name` as the registry holds it now, with the store; or a message shown to the user. */
  const registryModel = async (name: string) => {
    const got = await state.tracker();
    if (got.kind !== 'ok') return void vscode.window.showErrorMessage(got.kind === 'missing' ? 'Sextant: this workspace has no store yet.' : `Sextant: ${got.error.message}`);
    const { listModels } = await loadEngine();
    const model = listModels(got.tracker.db).find((m) => m.name === name);
    if (!model) return void vscode.window.showInformationMessage(`No model named "${name}" is registered any more.`);
    return { model, db: got.tracker.db };
  };

  /** Asks `question` in a modal; on its button, deletes through the engine, then the views refresh. */
  const askAndDelete = async (db: Parameters<typeof performDeletion>[1], question: DeletionQuestion): Promise<void> => {
    const action = deletionAnswer(question, await vscode.window.showWarningMessage(question.message, question.options, ...question.buttons));
    if (!action) return;
    const engine = await loadEngine();
    const done = ctx.log.time(`models: delete ${JSON.stringify(action)}`, () => performDeletion(engine, db, ctx.layout()?.storePath ?? '', action));
    if (!done.ok) {
      ctx.log.error(done.error.message);
      // The store changed since the question (an alias was set or moved meanwhile): show it as it is now.
      ctx.notifyStoreChanged();
      return void vscode.window.showErrorMessage(`Sextant: ${done.error.message}${done.error.fix ? ` ${done.error.fix}` : ''}`);
    }
    ctx.log.info(done.value);
    ctx.notifyStoreChanged();
    vscode.window.setStatusBarMessage(done.value, 5000);
  };

  return {
    'sextant.models.openCard': (arg?: unknown) => {
      const v = versionOf(arg);
      if (!v) return pickFirst();
      openModelCard(ctx, state, v.model, v.version);
    },

    'sextant.models.setAlias': async (arg?: unknown) => {
      const v = versionOf(arg);
      if (!v) return pickFirst();
      const got = await cardOf(v);
      if (!got) return;
      const { card, tracker } = got;
      const { aliasMoveQuestion, aliasProblem, moveAlias } = await loadEngine();
      let alias = v.alias;
      if (alias === undefined) {
        const names = [...new Set([...card.aliases.map((a) => a.alias), 'staging', 'production'])].sort();
        const NEW = '$(add) Another alias…';
        const picked = await vscode.window.showQuickPick(
          [...names.map((n) => ({ label: n, description: ((at) => (at === undefined ? 'not set' : at === card.version ? 'points here' : `now v${at}`))(card.aliases.find((a) => a.alias === n)?.version) })), { label: NEW, description: '' }],
          { title: `Set an alias of ${card.name} to v${card.version}`, placeHolder: 'The alias to point at this version' },
        );
        if (!picked) return;
        alias = picked.label === NEW ? (await vscode.window.showInputBox({ title: `New alias for ${card.name} v${card.version}`, placeHolder: 'champion', validateInput: (s) => aliasProblem(s.trim()) }))?.trim() : picked.label;
        if (!alias) return;
      }
      const problem = aliasProblem(alias);
      if (problem) return void vscode.window.showErrorMessage(`Sextant: ${problem}`);
      const current = card.aliases.find((a) => a.alias === alias)?.version ?? null;
      if (current === card.version) return void vscode.window.showInformationMessage(`"${alias}" of ${card.name} already points at version ${card.version}.`);
      // The card showed the alias elsewhere than it is now: say so rather than confirm a move the user did not see.
      if (v.expectedFrom !== undefined && v.expectedFrom !== current) {
        return void vscode.window.showWarningMessage(`The alias "${alias}" of "${card.name}" was moved meanwhile: it now ${current === null ? 'is not set' : `points at version ${current}`}. Look at the card again.`);
      }
      const go = await vscode.window.showWarningMessage(aliasMoveQuestion(card.name, card.version, alias, current), { modal: true }, 'Move Alias');
      if (go !== 'Move Alias') return;
      const moved = ctx.log.time(`models: move ${card.name}@${alias} to v${card.version}`, () => moveAlias(tracker.db, ctx.layout()?.storePath ?? '', { name: card.name, alias: alias!, version: card.version, expectedFrom: current, who: { source: 'VS Code' } }));
      if (!moved.ok) {
        ctx.log.error(moved.error.message);
        return void vscode.window.showErrorMessage(`Sextant: ${moved.error.message}${moved.error.fix ? ` ${moved.error.fix}` : ''}`);
      }
      ctx.log.info(`alias "${alias}" of ${card.name}: ${moved.value.from === null ? 'set' : `v${moved.value.from}`} → v${moved.value.to}`);
      ctx.notifyStoreChanged();
      vscode.window.setStatusBarMessage(`${card.name}@${alias} → v${card.version}`, 4000);
    },

    // Moves an alias back to the version it pointed at before its last move (from the alias history), after a
    // modal naming both versions. On a version: one of the aliases pointing at it; on a model: any of its aliases.
    'sextant.models.rollbackAlias': async (arg?: unknown) => {
      const node = (arg ?? {}) as { kind?: string; model?: unknown; alias?: unknown };
      const name = node.kind === 'model' ? (node.model as { name: string }).name : versionOf(arg)?.model;
      if (!name) return pickFirst();
      const got = await state.tracker();
      if (got.kind !== 'ok') return void vscode.window.showErrorMessage(got.kind === 'missing' ? 'Sextant: this workspace has no store yet.' : `Sextant: ${got.error.message}`);
      const { listModels, rollbackAlias, rollbackQuestion, rollbackTarget } = await loadEngine();
      const versions = listModels(got.tracker.db).find((m) => m.name === name)?.versions ?? [];
      const at = versionOf(arg)?.version;
      const aliases = typeof node.alias === 'string' ? [node.alias] : versions.filter((v) => node.kind === 'model' || v.version === at).flatMap((v) => v.aliases).sort();
      if (aliases.length === 0) return void vscode.window.showInformationMessage(`No alias of ${name} points ${node.kind === 'model' ? 'anywhere' : `at version ${at}`}: there is nothing to roll back.`);
      const alias = aliases.length === 1 ? aliases[0] : (await vscode.window.showQuickPick(aliases, { title: `Roll back an alias of ${name}`, placeHolder: 'The alias to move back' }));
      if (!alias) return;
      const target = rollbackTarget(got.tracker.db, name, alias);
      if (!target.ok) return void vscode.window.showInformationMessage(`Sextant: ${target.error.message}`);
      const go = await vscode.window.showWarningMessage(rollbackQuestion(name, alias, target.value.current, target.value.previous), { modal: true }, 'Roll Back');
      if (go !== 'Roll Back') return;
      const moved = ctx.log.time(`models: roll back ${name}@${alias} to v${target.value.previous}`, () =>
        rollbackAlias(got.tracker.db, ctx.layout()?.storePath ?? '', { name, alias, expectedFrom: target.value.current, who: { source: 'VS Code (rollback)' } }),
      );
      if (!moved.ok) {
        ctx.log.error(moved.error.message);
        return void vscode.window.showErrorMessage(`Sextant: ${moved.error.message}${moved.error.fix ? ` ${moved.error.fix}` : ''}`);
      }
      ctx.log.info(`alias "${alias}" of ${name} rolled back: v${moved.value.from ?? '-'} → v${moved.value.to}`);
      ctx.notifyStoreChanged();
      vscode.window.setStatusBarMessage(`${name}@${alias} → v${moved.value.to} (rolled back)`, 4000);
    },

    // Deletions: the registry as it is now decides the question (a version an alias points at offers only
    // "Delete with Aliases"); the engine refuses, changing nothing, when the store changed meanwhile.
    'sextant.models.deleteVersion': async (arg?: unknown) => {
      const v = versionOf(arg);
      if (!v) return pickFirst();
      const found = await registryModel(v.model);
      if (!found) return;
      const at = found.model.versions.find((x) => x.version === v.version);
      if (!at) return void vscode.window.showInformationMessage(`${v.model} v${v.version} is no longer in the registry.`);
      await askAndDelete(found.db, versionDeletionQuestion(v.model, v.version, at.aliases));
    },

    'sextant.models.deleteModel': async (arg?: unknown) => {
      const node = (arg ?? {}) as { kind?: string; model?: { name?: unknown } };
      const name = node.kind === 'model' && typeof node.model?.name === 'string' ? node.model.name : typeof (arg as { model?: unknown } | undefined)?.model === 'string' ? (arg as { model: string }).model : undefined;
      if (!name) return void vscode.window.showInformationMessage('Choose a model in the Models view first.');
      const found = await registryModel(name);
      if (found) await askAndDelete(found.db, modelDeletionQuestion(found.model));
    },

    // On a version: one of the aliases pointing at it; on a model: any of its aliases.
    'sextant.models.removeAlias': async (arg?: unknown) => {
      const node = (arg ?? {}) as { kind?: string; model?: unknown; alias?: unknown };
      const name = node.kind === 'model' ? (node.model as { name: string }).name : versionOf(arg)?.model;
      if (!name) return pickFirst();
      const found = await registryModel(name);
      if (!found) return;
      const at = versionOf(arg)?.version;
      const aliases = found.model.versions.filter((v) => node.kind === 'model' || v.version === at).flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version })));
      const named = typeof node.alias === 'string' ? aliases.filter((a) => a.alias === node.alias) : aliases.sort((a, b) => a.alias.localeCompare(b.alias));
      if (named.length === 0) return void vscode.window.showInformationMessage(typeof node.alias === 'string' ? `${name} has no alias "${node.alias}".` : `No alias of ${name} points ${node.kind === 'model' ? 'anywhere' : `at version ${at}`}: there is nothing to remove.`);
      const picked =
        named.length === 1
          ? named[0]
          : (await vscode.window.showQuickPick(named.map((a) => ({ label: a.alias, description: `v${a.version}`, a })), { title: `Remove an alias of ${name}`, placeHolder: 'The alias to remove' }))?.a;
      if (picked) await askAndDelete(found.db, aliasRemovalQuestion(name, picked.alias, picked.version));
    },

    'sextant.models.revealFile': async (arg?: unknown) => {
      const v = versionOf(arg);
      if (!v) return pickFirst();
      const got = await cardOf(v);
      if (!got) return;
      const { file } = got.card;
      if (!file.path || !file.exists) return void vscode.window.showWarningMessage(`The model file of ${v.model} v${v.version} is gone${file.path ? ` (${file.path} was deleted from the artifact store)` : ' (none was recorded)'}.`);
      const root = ctx.workspaceRoot();
      const inside = root !== undefined && !relative(root, file.path).startsWith('..');
      await vscode.commands.executeCommand(inside ? 'revealInExplorer' : 'revealFileInOS', vscode.Uri.file(file.path));
    },

    'sextant.models.openSourceRun': async (arg?: unknown) => {
      const v = versionOf(arg);
      if (!v) return pickFirst();
      const got = await cardOf(v);
      if (!got) return;
      const { source } = got.card;
      if (source.kind === 'none') return void vscode.window.showInformationMessage(`${v.model} v${v.version} has no source run in the store (it was deleted for good, or none was recorded).`);
      if (source.kind === 'deleted') return void vscode.window.showInformationMessage(`The source run of ${v.model} v${v.version}, "${source.name}", was deleted.`);
      const listed = got.tracker.listRuns({ ids: [source.id] });
      const run = listed.ok ? listed.value[0] : undefined;
      if (!run) return void vscode.window.showInformationMessage(`The source run of ${v.model} v${v.version} (${source.id.slice(0, 8)}) is no longer in the store.`);
      // The Experiments view's run details command, given the run as its own tree node.
      await vscode.commands.executeCommand('sextant.experiments.showRun', { kind: 'run', run, children: [], primaryMetric: undefined });
    },

    'sextant.models.copyName': async (node?: ModelNode) => {
      if (node?.kind !== 'model') return void vscode.window.showInformationMessage('Choose a model in the Models view first.');
      await vscode.env.clipboard.writeText(node.model.name);
      vscode.window.setStatusBarMessage(`Copied model name ${node.model.name}`, 3000);
    },
  };
}
