// One definition of what a pipeline file is (src/engine/workspace/layout.ts), used by the views, the runner, the language client and the CLI.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPipelineFileName, PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE } from '../../src/engine/workspace/layout';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('pipeline files: one pattern', () => {
  it('the glob, the file-name check and the manifest (package.json) agree', () => {
    assert.equal(PIPELINE_GLOB, '**/{sextant.yaml,*.sextant.yaml}');
    assert.match(PIPELINE_SEARCH_EXCLUDE, /^\*\*\/\{.*node_modules.*\.git.*\.sextant.*\}\/\*\*$/);
    for (const name of ['sextant.yaml', 'train.sextant.yaml']) assert.ok(isPipelineFileName(name), name);
    for (const name of ['.sextant.yaml', 'sextant.yml', 'sextant.yaml.bak', 'mysextant.yaml']) assert.ok(!isPipelineFileName(name), name);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { activationEvents: string[]; contributes: { languages: Array<{ filenames: string[]; filenamePatterns: string[] }>; yamlValidation: Array<{ fileMatch: string[] }> } };
    assert.deepEqual(manifest.activationEvents.filter((e) => e.startsWith('workspaceContains:')), ['workspaceContains:**/sextant.yaml', 'workspaceContains:**/*.sextant.yaml']);
    assert.deepEqual([...manifest.contributes.languages[0]!.filenames, ...manifest.contributes.languages[0]!.filenamePatterns], ['sextant.yaml', '*.sextant.yaml']);
    assert.deepEqual(manifest.contributes.yamlValidation[0]!.fileMatch, ['sextant.yaml', '*.sextant.yaml']);
  });

  it('no source file outside layout.ts spells the glob or a pipeline-file regex of its own', () => {
    const copies = sourceFiles('src')
      .filter((f) => !f.endsWith(join('workspace', 'layout.ts')))
      .filter((f) => /sextant\.yaml,\*\.sextant\.yaml|sextant\\\\?\.yaml/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(copies, []);
  });
});
