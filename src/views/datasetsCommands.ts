// The Datasets view's actions on a dataset: Register Version (its file's content as the next version, or
// the version it already is), Validate (its expectations, the verdict kept with the version; every failed
// check with its first lines in the Output channel) and Profile (per column: type, missing share, figures,
// in the Output channel). Each runs the engine; the results are also a notification.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { PiiRule } from '../engine/data/pii/protect';
import { loadEngine } from '../engineLoader';
import type { DatasetNode } from './datasetsTree';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node); unknown[] would reject them
type Handler = (...args: any[]) => unknown;

function isDataset(node: unknown): node is DatasetNode {
  return typeof node === 'object' && node !== null && (node as { kind?: unknown }).kind === 'dataset';
}

const piiOf = (node: DatasetNode): Map<string, PiiRule> => new Map((node.pipeline.expectations?.[node.name] ?? []).filter((e) => e.column && e.pii).map((e) => [e.column!, e.pii!]));

export function datasetsCommands(ctx: Ctx, refresh: () => void): Record<string, Handler> {
  const pick = (): void => void vscode.window.showInformationMessage('Choose a dataset in the Datasets view first.');

  /** What every action passes the engine about the node's dataset. */
  const input = (node: DatasetNode) => ({ name: node.name, file: node.file, root: ctx.layout()?.root ?? dirname(node.pipelineFile), pii: piiOf(node), salt: process.env.SEXTANT_PII_SALT ?? '', ...(node.dataset.format ? { format: node.dataset.format } : {}) });

  return {
    'sextant.datasets.registerVersion': async (node?: unknown) => {
      if (!isDataset(node)) return pick();
      const e = await loadEngine();
      const store = ctx.storeForWriting();
      if (!store.ok) return void vscode.window.showErrorMessage(`Sextant: ${e.describeError(store.error)}`);
      const registered = await ctx.log.timeAsync(`datasets: register ${node.name} (${node.file})`, () => e.registerDatasetVersion(store.value, input(node)));
      if (!registered.ok) return void vscode.window.showErrorMessage(`Sextant: ${e.describeError(registered.error)}`);
      const { version, created, note } = registered.value;
      const what = `${node.name} v${version.version}${version.rows === null ? '' : ` (${version.rows.toLocaleString('en-US')} rows)`}`;
      ctx.log.info(`datasets: ${created ? 'registered' : 'unchanged'} ${what}, sha256 ${version.hash}${note ? `; ${note}` : ''}`);
      ctx.notifyStoreChanged();
      refresh();
      void vscode.window.showInformationMessage(created ? `Registered ${what}.` : `${node.name}: the file is already ${what}; nothing registered.`);
    },
    'sextant.datasets.validate': async (node?: unknown) => {
      if (!isDataset(node)) return pick();
      const e = await loadEngine();
      const store = ctx.storeForWriting();
      if (!store.ok) return void vscode.window.showErrorMessage(`Sextant: ${e.describeError(store.error)}`);
      const expectations = node.pipeline.expectations?.[node.name] ?? [];
      const validated = await ctx.log.timeAsync(`datasets: validate ${node.name}`, () => e.validateVersion(store.value, { ...input(node), expectations, baseDir: dirname(node.pipelineFile) }));
      if (!validated.ok) return void vscode.window.showErrorMessage(`Sextant: ${e.describeError(validated.error)}`);
      const { report, version, summary } = validated.value;
      ctx.log.info(`datasets: ${node.name} v${version.version}: ${summary}`);
      for (const r of report.results) {
        const line = `${r.passed ? '✓' : r.severity === 'warning' ? '!' : '✗'} ${node.dataset.path}${!r.passed && r.examples[0] ? `:${r.examples[0].line}` : ''}: ${r.column ? `${r.column}: ` : ''}${r.check}: ${r.message}`;
        if (r.passed) ctx.log.info(line);
        else ctx.log.warn(line);
        if (!r.passed) for (const x of r.examples) ctx.log.warn(`    ${report.position} ${x.line}: ${x.value}`);
      }
      ctx.notifyStoreChanged();
      refresh();
      const text = `${node.name} v${version.version}: ${summary}.`;
      const show = report.passed ? await vscode.window.showInformationMessage(text, 'Show Output') : await vscode.window.showWarningMessage(text, 'Show Output');
      if (show) ctx.log.show();
    },
    'sextant.datasets.profile': async (node?: unknown) => {
      if (!isDataset(node)) return pick();
      const e = await loadEngine();
      const profiled = await ctx.log.timeAsync(`datasets: profile ${node.name}`, () => e.profileDataFile(node.file, { pii: piiOf(node), salt: process.env.SEXTANT_PII_SALT ?? '', ...(node.dataset.format ? { format: node.dataset.format } : {}) }));
      if (!profiled.ok) return void vscode.window.showErrorMessage(`Sextant: ${e.describeError(profiled.error)}`);
      const p = profiled.value;
      ctx.log.info(`datasets: ${node.name} (${node.dataset.path}): ${p.rows.toLocaleString('en-US')} rows, ${p.columns.length} columns, ${p.format}`);
      for (const issue of p.issues) ctx.log.warn(`    ${node.dataset.path}${issue.lines[0] !== undefined ? `:${issue.lines[0]}` : ''}: ${issue.message}`);
      for (const c of e.versionColumns(p)) ctx.log.info(`    ${c.name}: ${c.type}, ${(c.missingShare * 100).toFixed(1)}% missing${c.line ? `; ${c.line}` : ''}`);
      const show = await vscode.window.showInformationMessage(`Profiled ${node.name}: ${p.rows.toLocaleString('en-US')} rows, ${p.columns.length} columns.`, 'Show Output');
      if (show) ctx.log.show();
    },
  };
}
