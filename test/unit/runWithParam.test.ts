// "Run with lr = 0.05": the language server offers the CodeLens only to a client that has the command;
// the extension declares it (package.json) and sets the value in the pipeline file with one edit
// (inlineParamEdit) before running the pipeline task.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { inlineParamEdit } from '../../src/engine/pipeline/setParam';
import { RUN_WITH_PARAM_COMMAND } from '../../src/lsp/protocol';

const ROOT = join(__dirname, '..', '..');

function apply(text: string, name: string, value: unknown): string {
  const edit = inlineParamEdit(text, name, value);
  assert.ok(edit.ok, edit.ok ? '' : edit.error.message);
  return text.slice(0, edit.value.start) + edit.value.text + text.slice(edit.value.end);
}

describe('run with a param value (sextant.runWithParam)', () => {
  it('the extension declares the command the CodeLens invokes, hidden from the palette (it needs its arguments)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[]; menus: { commandPalette: { command: string; when: string }[] } } };
    assert.ok(manifest.contributes.commands.some((c) => c.command === RUN_WITH_PARAM_COMMAND));
    assert.equal(manifest.contributes.menus.commandPalette.find((c) => c.command === RUN_WITH_PARAM_COMMAND)?.when, 'false');
    assert.match(readFileSync(join(ROOT, 'src/runner/register.ts'), 'utf8'), /\[RUN_WITH_PARAM_COMMAND\]: async/);
  });

  it('sets an inline param and changes no other byte (comments, flow and block style kept)', () => {
    const demo = readFileSync(join(ROOT, 'media/demo/sextant.yaml'), 'utf8');
    const changed = apply(demo, 'lr', 0.05);
    assert.equal(changed, demo.replace('  lr: 0.1\n', '  lr: 0.05\n'));
    const text = 'version: 1\nparams: { lr: 0.1, opt: adam }  # tuned\nstages: {}\n';
    assert.equal(apply(text, 'opt', 'sgd'), 'version: 1\nparams: { lr: 0.1, opt: "sgd" }  # tuned\nstages: {}\n');
    const block = 'params:\n  layers:\n    - 8\n    - 4\n  on: true # keep\n';
    assert.deepEqual(parse(apply(block, 'layers', [16, 8])), { params: { layers: [16, 8], on: true } });
    assert.equal(apply(block, 'on', false), 'params:\n  layers:\n    - 8\n    - 4\n  on: false # keep\n');
    assert.deepEqual(parse(apply('params:\n  msg: hi\n', 'msg', 'a "quoted" #value: x')), { params: { msg: 'a "quoted" #value: x' } });
  });

  it('refuses, with a reason, a params file, a missing param, or a file with YAML errors', () => {
    const cases: [string, RegExp][] = [
      ['params: params.yaml\n', /no inline `params:` mapping/],
      ['params:\n  lr: 0.1\n', /no inline param "epochs"/],
      ['params:\n  epochs: [1\n', /YAML errors/],
    ];
    for (const [text, message] of cases) {
      const edit = inlineParamEdit(text, 'epochs', 3, 'sextant.yaml');
      assert.ok(!edit.ok);
      assert.match(edit.error.message, message);
      assert.equal(edit.error.file, 'sextant.yaml');
    }
  });
});
