import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/engine/pipeline/analyze';
import { BUILTINS, parseBuiltinWith, parseRequirement } from '../../src/engine/pipeline/builtins';
import { PipelineParser } from '../../src/engine/pipeline/document';
import { resolveString, resolveValue } from '../../src/engine/pipeline/expressions';
import { FsHost, memoryHost } from '../../src/engine/pipeline/host';
import { pipelineJsonSchemaText } from '../../src/engine/pipeline/jsonSchema';
import { withReference } from '../../src/engine/pipeline/reference';
import { parsePipelineText } from '../../src/engine/pipeline/read';

const DIR = '/ws';
const host = (files: Record<string, string> = {}) => memoryHost(DIR, { 'data/train.csv': 'y\n1\n', ...files });

function lint(text: string, files: Record<string, string> = {}) {
  return analyzeText(text, host(files)).diagnostics;
}

/** "line:char-line:char code" for each diagnostic. */
function brief(text: string, files: Record<string, string> = {}): string[] {
  return lint(text, files).map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code}`);
}

const HEAD = 'version: 1\nparams:\n  lr: 0.1\ndatasets:\n  train: { path: data/train.csv, label: y }\nstages:\n';

describe('pipeline analysis', () => {
  it('the demo pipeline lints clean (against its data folder)', () => {
    const text = readFileSync('media/demo/sextant.yaml', 'utf8');
    const a = analyzeText(text, new FsHost(join(process.cwd(), 'media/demo')));
    assert.deepEqual(a.diagnostics, []);
    assert.equal(a.parsed.mode, 'segmented');
    assert.ok(parsePipelineText(text, 'sextant.yaml').ok);
  });

  it('reports an unknown stage in needs at its exact range, with the nearest name', () => {
    const text = `${HEAD}  prepare:\n    run: echo\n  train:\n    needs: [prepar]\n    run: echo\n`;
    const [d, ...rest] = lint(text);
    assert.equal(rest.length, 0);
    assert.equal(d!.code, 'unknown-stage');
    assert.deepEqual(d!.range, { start: { line: 9, character: 12 }, end: { line: 9, character: 18 } });
    assert.match(d!.message, /Did you mean "prepare"\?/);
    assert.equal(d!.data?.replace, 'prepare');
  });

  it('reports a cycle on each of its edges, with its path in run order (issue 12)', () => {
    const text = `${HEAD}  a:\n    needs: [c]\n    run: echo\n  b:\n    needs: [a]\n    run: echo\n  c:\n    needs:\n      - b\n    run: echo\n`;
    const ds = lint(text).filter((d) => d.code === 'cycle');
    assert.equal(ds.length, 3);
    for (const d of ds) {
      assert.match(d.message, /a → b → c → a/);
      assert.deepEqual(d.data?.cycle, ['a', 'b', 'c', 'a']);
    }
    assert.deepEqual(ds.map((d) => [d.data?.stage, d.data?.need]), [['a', 'c'], ['b', 'a'], ['c', 'b']]);
  });

  it('reports duplicate outputs, including a built-in `out`', () => {
    const text = `${HEAD}  a:\n    run: echo\n    outs: [models/m.onnx]\n  b:\n    uses: sextant/train\n    with: { dataset: train, model: mlp, out: ./models/m.onnx }\n`;
    assert.deepEqual(brief(text), ['11:45-11:60 duplicate-output']);
  });

  it('checks ${{ }}: undefined params, unknown contexts and functions, syntax', () => {
    const text = `${HEAD}  a:\n    run: x \${{ params.lrr }} \${{ parms.lr }} \${{ upcase(params.lr) }} \${{ params.lr == }}\n`;
    const ds = lint(text);
    assert.deepEqual(
      ds.map((d) => d.code),
      ['unknown-param', 'unknown-context', 'unknown-function', 'expression-syntax'],
    );
    assert.deepEqual(ds[0]!.range, { start: { line: 7, character: 22 }, end: { line: 7, character: 25 } });
    assert.equal(ds[0]!.data?.replace, 'lr');
    assert.equal(ds[1]!.data?.replace, 'params');
  });

  it('reads params from a params file, and reports a missing one', () => {
    const text = 'version: 1\nparams: params.yaml\nstages:\n  a:\n    run: x ${{ params.lr }} ${{ params.opt.beta }} ${{ params.nope }}\n';
    assert.deepEqual(lint(text, { 'params.yaml': 'lr: 1\nopt:\n  beta: 0.9\n' }).map((d) => d.code), ['unknown-param']);
    assert.deepEqual(brief(text), ['1:8-1:19 params-file']);
  });

  it('checks uses and with against the built-in registry', () => {
    const text = `${HEAD}  a:\n    uses: sextant/trian\n  b:\n    uses: sextant/train\n    with: { dataset: trian, model: mlpp, epochs: ten, lr: "\${{ params.lr }}", foo: 1 }\n`;
    const ds = lint(text);
    assert.deepEqual(
      ds.map((d) => d.code),
      ['unknown-builtin', 'missing-with-key', 'unknown-dataset', 'invalid-with-value', 'invalid-with-value', 'unknown-with-key'],
    );
    assert.equal(ds[0]!.data?.replace, 'sextant/train');
    assert.deepEqual(ds[1]!.data?.keys, ['out']);
    assert.match(ds[3]!.message, /one of logistic-regression, linear, mlp, gbt.*Did you mean "mlp"/);
    assert.match(ds[4]!.message, /whole number/);
  });

  it('warns about missing deps unless a stage writes them, and checks dataset files', () => {
    const text = `${HEAD}  a:\n    run: x\n    deps: [a.py, gone.py, out/x.csv, folder/deep/y.csv]\n  b:\n    run: y\n    outs: [out/x.csv, ./folder/]\n`;
    const ds = lint(text, { 'a.py': '' });
    assert.deepEqual(ds.map((d) => `${d.code}:${d.severity}`), ['missing-dep:warning']);
    assert.match(ds[0]!.message, /"gone\.py" does not exist/);
  });

  it('reports a gate on a metric no stage before it produces', () => {
    const text = `${HEAD}  ev:\n    uses: sextant/evaluate\n    with: { model: m.onnx, dataset: train }\n  gate:\n    needs: [ev]\n    uses: sextant/gate\n    with: { require: { f1: ">= 0.8", f2: ">= 0.1" } }\n`;
    const ds = lint(text, { 'm.onnx': '', 'data/train.csv': '' });
    assert.deepEqual(ds.map((d) => d.code), ['unknown-metric']);
    assert.match(ds[0]!.message, /"f2".*Did you mean "f1"/);
  });

  it('warns about a GPU on a CPU-only built-in', () => {
    const text = `${HEAD}  v:\n    uses: sextant/validate\n    with: { dataset: train }\n    resources: { gpu: 1 }\n`;
    assert.deepEqual(lint(text, { 'data/train.csv': '' }).map((d) => `${d.code}:${d.severity}`), ['gpu-unused:warning']);
  });

  it('reports undeclared datasets in with, expectations and monitor', () => {
    const text = `${HEAD}  v:\n    uses: sextant/validate\n    with: { dataset: tran }\nexpectations:\n  live: []\nmonitor: { reference: train, current: live, on_drift: { run: vv } }\n`;
    assert.deepEqual(lint(text, { 'data/train.csv': '' }).map((d) => d.code), ['unknown-dataset', 'unknown-dataset', 'unknown-dataset', 'unknown-stage']);
  });

  it('structural errors say what to write instead, at the key or value', () => {
    const text = 'version: 2\nstages:\n  a:\n    run: x\n    needz: [b]\n    resources: { gpu: lots }\n';
    const ds = lint(text);
    assert.deepEqual(ds.map((d) => d.code), ['invalid-value', 'unknown-key', 'wrong-type']);
    assert.match(ds[1]!.message, /Did you mean "needs"\?/);
    assert.deepEqual(ds[1]!.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 9 } });
    assert.match(ds[2]!.message, /gpu.*must be/);
  });

  it('a suppression comment hides one code on the next line', () => {
    const text = `${HEAD}  a:\n    # sextant-ignore: unknown-stage\n    needs: [nope]\n    run: x \${{ params.nope }}\n`;
    assert.deepEqual(lint(text).map((d) => d.code), ['unknown-param']);
  });

  it('explains an unquoted ${{ }} inside a flow mapping', () => {
    const text = `${HEAD}  a:\n    uses: sextant/evaluate\n    with: { model: m.onnx, seed: \${{ params.lr }}, dataset: train }\n`;
    const ds = lint(text, { 'm.onnx': '' });
    assert.deepEqual(brief(text, { 'm.onnx': '' }), ['8:33-8:49 yaml-syntax']);
    assert.match(ds[0]!.message, /quote it \("\$\{\{ params\.lr \}\}"\)/);
  });

  it('reports YAML syntax errors and still checks the rest', () => {
    const text = `${HEAD}  a:\n    run: "unterminated\n  b:\n    needs: [zz]\n    run: x\n`;
    const codes = lint(text).map((d) => d.code);
    assert.ok(codes.includes('yaml-syntax'), codes.join());
    assert.ok(codes.includes('unknown-stage'), codes.join());
  });

  it('gives the same findings segmented and whole (an anchor forces whole)', () => {
    const body = `${HEAD}  a:\n    needs: [b, q]\n    run: x \${{ params.zz }}\n  b:\n    needs: [a]\n    uses: sextant/gate\n    with: {}\n`;
    const seg = analyzeText(body, host());
    const whole = analyzeText(`${body}x-anchor: &k demo\nname: *k\n`.replace('version: 1', '%YAML 1.2\n---\nversion: 1'), host());
    assert.equal(seg.parsed.mode, 'segmented');
    assert.equal(whole.parsed.mode, 'whole');
    const codes = (a: typeof seg) => a.diagnostics.map((d) => d.code).filter((c) => c !== 'unknown-key');
    assert.deepEqual(codes(whole), codes(seg));
  });

  it('re-parses only the edited stage', () => {
    const stages = Array.from({ length: 50 }, (_, i) => `  s${i}:\n    run: echo ${i}\n`).join('');
    const parser = new PipelineParser();
    const first = parser.parse(`${HEAD}${stages}`);
    assert.equal(first.parsedSegments, 54); // 4 top-level keys and 50 stages
    const second = parser.parse(`${HEAD}${stages.replace('echo 20', 'echo twenty')}`);
    assert.equal(second.parsedSegments, 1);
    assert.equal(second.stages.length, 50);
  });

  it('incremental analysis (kept segments and results) equals a fresh one after every edit', () => {
    let text = readFileSync('test/fixtures/pipelines/broken.sextant.yaml', 'utf8') + `  extra:\n    needs: [gate]\n    run: echo \${{ params.lr }} \${{ datasets.train.path }}\n    outs: [out/e.csv]\n`;
    const parser = new PipelineParser();
    const h = host();
    // a pseudo-random but fixed sequence of edits: typing, renames, new references, deletions
    const edits: ((t: string) => string)[] = [
      (t) => t.replace('echo', 'echo 1'),
      (t) => t.replace('needs: [prepar]', 'needs: [prepare]'),
      (t) => t.replace('  gate:\n', '  gates:\n'),
      (t) => t.replace('needs: [gate]', 'needs: [gates]'),
      (t) => t.replace('params.lr }}', 'params.lx }}'),
      (t) => t.replace('lr: 0.01', 'lx: 0.01'),
      (t) => t.replace('out/e.csv', 'data/train.csv'),
      (t) => t.replace('datasets.train.path', 'datasets.trn.path'),
      (t) => t.replace('  train: { path', '  trn: { path'),
      (t) => `${t}  late:\n    run: x\n`,
      (t) => t.replace('  late:\n    run: x\n', ''),
      (t) => t.replace('version: 1', 'version: 1\n'),
      (t) => t.replace('    uses: sextant/evaluate\n', ''),
    ];
    for (let i = 0; i < edits.length; i++) {
      text = edits[i]!(text);
      const incremental = analyzeText(text, h, parser).diagnostics;
      const fresh = analyzeText(text, h).diagnostics;
      assert.deepEqual(incremental, fresh, `after edit ${i}`);
    }
  });

  describe('bad input never throws and says what is wrong', () => {
    const cases: Record<string, string> = {
      empty: '',
      comments: '# nothing\n',
      'not a pipeline': '- just\n- a list\n',
      binary: '\u0000\u0001\u0002ELF\u0000\u0000',
      tabs: 'version: 1\nstages:\n\ta:\n\t\trun: x\n',
      'duplicate keys': 'version: 1\nstages:\n  a: { run: x }\n  a: { run: y }\nversion: 1\n',
      'billion laughs': `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`,
      'deep nesting': `version: 1\nstages:\n  a: ${'['.repeat(500)}${']'.repeat(500)}\n`,
      'very deep nesting': `version: 1\nstages:\n  a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      it(name, () => {
        const start = Date.now();
        const ds = lint(text);
        assert.ok(Date.now() - start < 2000, 'within 2 s');
        assert.ok(ds.length > 0, 'at least one diagnostic');
        for (const d of ds) assert.ok(d.message.length > 10);
      });
    }
    it('billion laughs reports the alias limit', () => {
      assert.ok(lint(cases['billion laughs']!).some((d) => d.code === 'alias-limit'));
    });
    it('a 5 MB file is refused quickly with one diagnostic', () => {
      const big = `version: 1\nstages:\n${'  # padding padding padding padding padding padding padding padding\n'.repeat(80_000)}`;
      const start = Date.now();
      const ds = lint(big);
      assert.ok(Date.now() - start < 1000);
      assert.deepEqual(ds.map((d) => d.code), ['file-too-large']);
    });
  });
});

describe('pipeline expressions and built-ins (runner contract)', () => {
  it('resolves a whole expression to the param with its type, and substitutes inside text', () => {
    const scope = { params: { lr: 0.01, name: 'x' }, datasets: { train: { path: 'd.csv' } } };
    assert.equal(resolveString('${{ params.lr }}', scope), 0.01);
    assert.equal(resolveString("--lr ${{ params.lr }} ${{ upper(params.name) }} ${{ datasets.train.path }}", scope), '--lr 0.01 X d.csv');
    assert.deepEqual(resolveValue({ lr: '${{ params.lr }}', out: 'm.onnx' }, scope), { lr: 0.01, out: 'm.onnx' });
    assert.throws(() => resolveString('${{ params.nope }}', scope), /not defined/);
  });

  it('the registry has the six built-ins and parses resolved with', () => {
    assert.deepEqual(Object.keys(BUILTINS), ['sextant/train', 'sextant/evaluate', 'sextant/gate', 'sextant/register', 'sextant/validate', 'sextant/drift']);
    assert.ok(parseBuiltinWith('sextant/train', { dataset: 'd', model: 'gbt', out: 'm.onnx', hidden: [8] }).success);
    assert.ok(!parseBuiltinWith('sextant/train', { dataset: 'd', model: 'gbt' }).success);
    assert.deepEqual(parseRequirement('>= 0.85'), { op: '>=', value: 0.85 });
    assert.equal(parseRequirement('about 3'), undefined);
  });
});

describe('JSON Schema', () => {
  it('schemas/sextant-pipeline.schema.json is up to date (npx tsx scripts/gen-schema.ts)', () => {
    assert.equal(readFileSync('schemas/sextant-pipeline.schema.json', 'utf8'), pipelineJsonSchemaText());
  });
  it('the reference in docs/pipeline.md is up to date (npx tsx scripts/gen-schema.ts)', () => {
    const doc = readFileSync('docs/pipeline.md', 'utf8');
    assert.equal(doc, withReference(doc));
  });
});
