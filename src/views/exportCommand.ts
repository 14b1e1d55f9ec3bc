// "Sextant: Export Pipeline…": the palette's way to `sextant export github-actions|argo|kubeflow`
// (src/engine/export/): pick the pipeline and the target (and the image for the cluster targets), write
// the file whole (a temp file renamed), open it, and log the renamed stages and what the target cannot
// express, each with its line in the pipeline file. A pipeline with errors is refused with the lint list.
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { loadEngine } from '../engineLoader';
import type { WorkspaceState } from './workspaceState';

type Target = 'github-actions' | 'argo' | 'kubeflow';

const TARGETS: (vscode.QuickPickItem & { target: Target })[] = [
  { label: 'GitHub Actions', description: '.github/workflows/sextant.yml', detail: 'Lint, run with the cache kept, gates, metrics against production on the job summary, artifacts', target: 'github-actions' },
  { label: 'Argo Workflows', description: 'argo-workflow.yaml', detail: 'One DAG task per stage running `sextant run STAGE` in an image', target: 'argo' },
  { label: 'Kubeflow Pipelines', description: 'kubeflow-pipeline.yaml', detail: 'A v2 pipeline spec (IR YAML), one task per stage', target: 'kubeflow' },
];

export function exportCommands(ctx: Ctx, state: WorkspaceState): Record<string, () => Promise<void>> {
  return {
    'sextant.exportPipeline': async () => {
      const entries = state.entries;
      if (entries.length === 0) {
        void vscode.window.showInformationMessage('This workspace has no pipeline (sextant.yaml) to export.');
        return;
      }
      const uri = entries.length === 1 ? entries[0]!.uri : (await vscode.window.showQuickPick(entries.map((e) => ({ label: vscode.workspace.asRelativePath(e.uri), uri: e.uri })), { placeHolder: 'Export which pipeline?' }))?.uri;
      if (!uri) return;
      const picked = await vscode.window.showQuickPick(TARGETS, { title: 'Export the pipeline to…' });
      if (!picked) return;
      let image = 'sextant-pipeline:latest';
      if (picked.target !== 'github-actions') {
        const given = await vscode.window.showInputBox({ title: 'Image holding Sextant and the project at /workspace', value: image, validateInput: (v) => (v.trim() === '' || /\s/.test(v) ? 'An image reference, e.g. registry.example.com/team/pipeline:1' : undefined) });
        if (given === undefined) return;
        image = given.trim();
      }
      const engine = await loadEngine();
      const file = uri.fsPath;
      const root = ctx.workspaceRoot() ?? dirname(file);
      const shown = relative(root, file) || file;
      const plan = await ctx.log.time(`export ${picked.target} ${shown}`, () => engine.exportPlan(file, shown));
      if (!plan.ok) {
        ctx.log.error(engine.describeError(plan.error));
        const choice = await vscode.window.showErrorMessage(`Sextant: ${plan.error.message.split('\n')[0]} (the list is in the Sextant output).`, 'Show Output');
        if (choice) ctx.log.show();
        return;
      }
      const fileName = file.slice(dirname(file).length + 1);
      let out: string;
      let built;
      if (picked.target === 'github-actions') {
        const dir = relative(root, dirname(file));
        if (isAbsolute(dir) || dir === '..' || dir.startsWith(`..${sep}`)) {
          void vscode.window.showErrorMessage(`Sextant: ${shown} is outside the workspace folder; GitHub Actions runs from the repository root.`);
          return;
        }
        out = join(root, '.github', 'workflows', 'sextant.yml');
        built = engine.githubActionsWorkflow(plan.value, { dir: dir.split(sep).join('/'), fileName });
      } else {
        out = join(dirname(file), picked.target === 'argo' ? 'argo-workflow.yaml' : 'kubeflow-pipeline.yaml');
        built = picked.target === 'argo' ? engine.argoWorkflow(plan.value, { image, template: false, fileName }) : engine.kubeflowPipeline(plan.value, { image, fileName });
      }
      const written = engine.writeAtomically(out, built.text);
      if (!written.ok) {
        void vscode.window.showErrorMessage(`Sextant: ${engine.describeError(written.error)}`);
        return;
      }
      for (const n of built.names) ctx.log.info(`export ${picked.target}: stage ${n.stage} is named ${n.as}`);
      for (const n of built.notes) ctx.log.warn(`export ${picked.target}: ${engine.noteText(shown, n)}`);
      await vscode.window.showTextDocument(vscode.Uri.file(out));
      const said = built.names.length + built.notes.length;
      if (said > 0) {
        const choice = await vscode.window.showInformationMessage(`Sextant: exported to ${relative(root, out)}; ${built.names.length} stage name(s) changed, ${built.notes.length} thing(s) the target cannot express.`, 'Show Output');
        if (choice) ctx.log.show();
      }
    },
  };
}
