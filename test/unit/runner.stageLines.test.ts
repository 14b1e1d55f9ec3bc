import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findStageLines } from '../../src/runner/stageLines';

describe('runner (VS Code): stage lines for the CodeLens', () => {
  it('finds each stage of the demo pipeline on its line', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'media', 'demo', 'sextant.yaml'), 'utf8');
    const found = findStageLines(text);
    assert.deepEqual(found.map((s) => s.name), ['validate', 'train', 'evaluate', 'gate', 'register']);
    const lines = text.split('\n');
    for (const s of found) assert.match(lines[s.line]!, new RegExp(`^\\s+${s.name}:`));
  });
  it('ignores nested keys, comments and other sections; reads quoted names', () => {
    const text = ['version: 1', 'params:', '  lr: 1', 'stages:', '  # a comment', '  a:', '    run: x', '    with:', '      b: 1', '', '  "quoted-name":', '    run: y', 'monitor:', '  reference: a'].join('\n');
    assert.deepEqual(findStageLines(text), [
      { name: 'a', line: 5, column: 2 },
      { name: 'quoted-name', line: 10, column: 3 },
    ]);
    assert.deepEqual(findStageLines('version: 1\n'), []);
  });
});
