// Runs inside desktop VS Code's extension host (see ../run.mjs).
const assert = require('node:assert/strict');
const vscode = require('vscode');

exports.run = async function run() {
  const ext = vscode.extensions.getExtension('sextant.sextant');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['sextant.refresh', 'sextant.doctor', 'sextant.openPipeline', 'sextant.initPipeline']) {
    assert.ok(commands.includes(id), `${id} is registered`);
  }
  await vscode.commands.executeCommand('workbench.view.extension.sextant');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, 'sextant.yaml'));
  assert.equal(doc.languageId, 'sextant-pipeline');
  console.log('electron suite: 3 checks passed');
};
