// Values interpolated into `run:` are quoted for the shell: a param `x; touch pwned` does not run
// `touch`; `$(…)`, backticks, quotes and spaces arrive verbatim as one argument, also inside quotes the
// template writes; `${{ raw(…) }}` inserts the value as is; lint warns where a value could break quoting.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { analyzeText } from '../../src/engine/pipeline/analyze';
import { resolveString } from '../../src/engine/pipeline/expressions';
import { memoryHost } from '../../src/engine/pipeline/host';
import type { Pipeline } from '../../src/engine/pipeline/schema';
import { resolveCommand } from '../../src/engine/pipeline/shell';
import { runPipeline } from '../../src/engine/runner/executor';
import { loadParams, planStage } from '../../src/engine/runner/plan';
import type { PipelineResult, RunnerEvent } from '../../src/engine/runner/types';
import { tempDir } from './tempDir';

const NASTY = [`x; touch pwned`, `$(touch pwned2)`, '`touch pwned3`', `it's "quoted"`, `two  spaces\tand tab`, `a\nnew line`, `back\\slash`, `*`, `~`, `--flag=1 2`, ''];
/** Prints its arguments as a JSON array: one line the test can read back. */
const ARGV = `node -e 'console.log(JSON.stringify(process.argv.slice(1)))'`;

async function runStages(stages: Pipeline['stages'], params: Record<string, unknown>): Promise<{ dir: string; result: PipelineResult; lines: Record<string, string[]> }> {
  const dir = tempDir('sextant-quoting-');
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, params, stages }));
  const lines: Record<string, string[]> = {};
  const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], onEvent: (e: RunnerEvent) => {
    if (e.type === 'stage-log' && e.stream === 'stdout') (lines[e.stage] ??= []).push(e.line);
  } });
  if (!r.ok) throw new Error(r.error.message);
  return { dir, result: r.value, lines };
}

describe('safety: values interpolated into run: are quoted for the shell', function () {
  this.timeout(30_000);

  it('a param "x; touch pwned" does not run touch, and every nasty value arrives as one verbatim argument', async () => {
    const params = Object.fromEntries(NASTY.map((v, i) => [`p${i}`, v]));
    const stages: Pipeline['stages'] = {
      semicolon: { run: 'echo ${{ params.p0 }}' },
      plain: { run: `${ARGV} ${NASTY.map((_, i) => `\${{ params.p${i} }}`).join(' ')}` },
      inDouble: { run: `${ARGV} ${NASTY.map((_, i) => `"<\${{ params.p${i} }}>"`).join(' ')}` },
      inSingle: { run: `${ARGV} ${NASTY.map((_, i) => `'<\${{ params.p${i} }}>'`).join(' ')}` },
      glued: { run: `${ARGV} name=\${{ params.p3 }}/\${{ params.p0 }}` },
      inSubshell: { run: `${ARGV} "$(echo \${{ params.p0 }})"` },
    };
    const { dir, result, lines } = await runStages(stages, params);
    assert.equal(result.status, 'succeeded', JSON.stringify(result.stages));
    for (const f of ['pwned', 'pwned2', 'pwned3']) assert.ok(!existsSync(join(dir, f)), `${f} was created: the value ran as shell code`);
    assert.deepEqual(lines.semicolon, ['x; touch pwned']);
    assert.deepEqual(JSON.parse(lines.plain![0]!), NASTY);
    assert.deepEqual(JSON.parse(lines.inDouble![0]!), NASTY.map((v) => `<${v}>`));
    assert.deepEqual(JSON.parse(lines.inSingle![0]!), NASTY.map((v) => `<${v}>`));
    assert.deepEqual(JSON.parse(lines.glued![0]!), [`name=${NASTY[3]}/${NASTY[0]}`]);
    assert.deepEqual(JSON.parse(lines.inSubshell![0]!), [NASTY[0]]);
  });

  it('raw(...) inserts the value as is', async () => {
    const { result, lines } = await runStages({ a: { run: '${{ raw(params.cmd) }} && echo ${{ raw(params.flags) }}' } }, { cmd: 'echo one && echo two', flags: '--a 1   --b' });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.stages));
    assert.deepEqual(lines.a, ['one', 'two', '--a 1 --b']);
  });

  it('numbers, plain words and paths come out exactly as before; other values are quoted', () => {
    const scope = { params: { lr: 0.01, n: 3, py: 'python3', path: 'data/x.csv', opt: 'a=b,c:d@e%f+g', empty: '', space: 'a b', list: [1, 2], q: "it's", yes: true }, run: { id: 'abc' } };
    const cases: [string, string][] = [
      ['${{ params.py }} t.py --lr ${{ params.lr }} -n ${{ params.n }} ${{ params.path }} ${{ params.opt }} ${{ run.id }} ${{ params.yes }}', 'python3 t.py --lr 0.01 -n 3 data/x.csv a=b,c:d@e%f+g abc true'],
      ['x ${{ params.space }}', "x 'a b'"],
      ['x ${{ params.empty }}', "x ''"],
      ['x ${{ params.q }}', `x 'it'\\''s'`],
      ['x ${{ params.list }}', "x '[1,2]'"],
      ["x '${{ params.q }}'", `x 'it'\\''s'`],
      ['x ${{ raw(params.space) }}', 'x a b'],
      ['x ${{ format(\'{0}-{1}\', params.py, params.space) }}', "x 'python3-a b'"],
    ];
    for (const [template, expected] of cases) assert.equal(resolveCommand(template, scope), expected, template);
    // inside double quotes the value's quoting closes and reopens them: "…" + '…' + "…"
    assert.equal(resolveCommand('x "${{ params.space }}!"', scope), `x ""'a b'"!"`);
  });

  it('a value Sextant cannot quote for its spot (heredoc, backticks, comment, ${…}) stops the stage unless it is plain', () => {
    const scope = { params: { plain: 'ok', bad: 'a b' } };
    for (const t of ['cat <<EOF\n${{ params.X }}\nEOF', 'echo `echo ${{ params.X }}`', 'echo hi # ${{ params.X }}', 'echo ${HOME:-${{ params.X }}}']) {
      assert.equal(typeof resolveCommand(t.replace('X', 'plain'), scope), 'string', t);
      assert.throws(() => resolveCommand(t.replace('X', 'bad'), scope), /cannot be quoted|raw\(/, t);
    }
  });

  it('the example and demo pipelines resolve to the same commands as before', () => {
    for (const file of ['examples/pytorch-gpu/sextant.yaml', 'media/demo/sextant.yaml']) {
      const path = join(process.cwd(), file);
      const pipeline = parseYaml(readFileSync(path, 'utf8')) as Pipeline;
      const params = loadParams(pipeline, join(path, '..'), path);
      assert.ok(params.ok);
      for (const [name, stage] of Object.entries(pipeline.stages)) {
        const plan = planStage(name, stage, pipeline, params.value, join(path, '..'), path, 'RUN');
        assert.ok(plan.ok, file);
        if (stage.run) assert.equal(plan.value.command, resolveString(stage.run, { params: params.value.values, env: process.env }), `${file} ${name}`);
      }
    }
  });
});

describe('safety: lint warns where a value could break quoting', () => {
  const HEAD = 'version: 1\nparams:\n  flags: "--a 1 --b"\n  cmd: "make; rm -rf build"\n  name: plain\nstages:\n';
  const codes = (text: string) =>
    analyzeText(text, memoryHost('/ws', {}))
      .diagnostics.filter((d) => d.code === 'shell-quoting')
      .map((d) => ({ line: d.range.start.line, character: d.range.start.character, message: d.message }));

  it('no warning for ordinary interpolations, quoted or not', () => {
    assert.deepEqual(codes(`${HEAD}  a:\n    run: echo \${{ params.name }} "\${{ params.cmd }}" '\${{ params.flags }}' \${{ raw(params.flags) }} $(echo \${{ params.cmd }})\n`), []);
  });

  it('raw() of a value with shell metacharacters (spaces alone are fine)', () => {
    const found = codes(`${HEAD}  a:\n    run: echo \${{ raw(params.cmd) }}\n`);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.deepEqual([found[0]!.line, found[0]!.character], [7, 14]);
    assert.match(found[0]!.message, /raw\(params\.cmd\).*";"/);
  });

  it('a value that needs quoting in a heredoc, backticks, a comment (not a plain one); raw() inside a larger expression; a whole command from one quoted value', () => {
    const text = `${HEAD}  a:\n    run: |\n      cat <<EOF\n      \${{ params.flags }} \${{ params.name }}\n      EOF\n      echo \`echo \${{ params.flags }}\` # \${{ env.HOME }}\n  b:\n    run: echo \${{ format('{0}', raw(params.flags)) }}\n  c:\n    run: \${{ params.cmd }}\n`;
    const found = codes(text);
    assert.deepEqual(found.map((f) => `${f.line}:${f.character}`), ['9:6', '11:17', '11:40', '13:32', '15:9'], JSON.stringify(found, null, 1));
    assert.match(found[0]!.message, /heredoc/);
    assert.match(found[1]!.message, /backticks/);
    assert.match(found[2]!.message, /comment/);
    assert.match(found[3]!.message, /raw\(\) .*whole/);
    assert.match(found[4]!.message, /one word.*raw\(/);
  });
});
