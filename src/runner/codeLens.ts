// "▶ Run stage" above each stage of a pipeline file, and "▶ Run pipeline" above `stages:`.
import * as vscode from 'vscode';
import { findStageLines } from './stageLines';

export class StageCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const text = document.getText();
    const stages = findStageLines(text);
    const lenses: vscode.CodeLens[] = [];
    const stagesLine = text.split(/\r?\n/).findIndex((l) => /^stages\s*:/.test(l));
    if (stagesLine >= 0 && stages.length > 0) {
      lenses.push(new vscode.CodeLens(new vscode.Range(stagesLine, 0, stagesLine, 0), { title: '▶ Run pipeline', command: 'sextant.runPipeline', arguments: [document.uri] }));
    }
    for (const s of stages) {
      const range = new vscode.Range(s.line, s.column, s.line, s.column + s.name.length);
      lenses.push(new vscode.CodeLens(range, { title: '▶ Run stage', tooltip: `Run "${s.name}" and the stages it needs`, command: 'sextant.runStage', arguments: [document.uri, s.name] }));
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
