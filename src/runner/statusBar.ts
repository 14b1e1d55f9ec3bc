// The status bar item while a pipeline runs: the stage and its GPU; hidden when idle.
import * as vscode from 'vscode';

export class RunnerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sextant.runner', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Sextant Runner';
    this.item.command = 'workbench.action.tasks.showTasks';
  }

  running(stage: string, devices?: number[]): void {
    this.item.text = `$(sync~spin) ${stage}${devices?.length ? ` $(circuit-board) GPU ${devices.join(',')}` : ''}`;
    this.item.tooltip = `Sextant is running stage "${stage}"${devices?.length ? ` on GPU ${devices.join(', ')}` : ' on CPU'}. Click to show running tasks.`;
    this.item.show();
  }

  idle(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
