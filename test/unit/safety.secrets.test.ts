// Secrets are never stored: a real pipeline whose command reads `${{ env.TOKEN }}`, `$TOKEN`, a stage
// `env:` value built from it and a `secret: true` param, run by the built CLI (bin/sextant.js, so
// `npm run build` first) with TOKEN in its environment. Neither value may appear in the store's bytes
// (database and WAL), the logs, the artifacts, the runner events or `sextant runs show --json`; the store
// keeps the command template.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretMasker, MASK } from '../../src/engine/runner/secrets';
import { paramValues } from '../../src/engine/pipeline/params';
import { tempDir } from './tempDir';

const BIN = join(__dirname, '..', '..', 'bin', 'sextant.js');
const TOKEN = 's3cr3tvalue';
const KEY = 'k3y-v4lue-123';

const TEMPLATE = 'echo ${{ env.TOKEN }} && echo $TOKEN && echo "auth: $AUTH" >&2 && echo key ${{ params.api_key }} n=${{ params.n }} && echo "::sextant param seen=${{ env.TOKEN }}" && echo "::sextant tag t=$TOKEN"';

const PIPELINE = `version: 1
name: secrets
params:
  api_key: { value: ${KEY}, secret: true }
  n: 1
stages:
  leak:
    run: '${TEMPLATE.replace(/'/g, "''")}'
    env:
      AUTH: "Bearer \${{ env.TOKEN }}"
`;

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('safety: secrets are never stored', function () {
  this.timeout(60_000);
  before(function () {
    execFileSync('npm', ['run', 'build'], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
  });

  it('env.* values and secret params are masked in the store, the log, artifacts, events and runs show --json; the store keeps the template', () => {
    const dir = tempDir('sextant-secrets-');
    writeFileSync(join(dir, 'sextant.yaml'), PIPELINE);
    const env = { ...process.env, TOKEN };
    const run = spawnSync(process.execPath, [BIN, 'run', '--events', '--cpu'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { type: string; line?: string; result?: { run_id?: string; stages?: { run_id: string; log: string }[] } });
    for (const text of [run.stdout, run.stderr]) {
      assert.ok(!text.includes(TOKEN), `TOKEN in the CLI output:\n${text}`);
      assert.ok(!text.includes(KEY), `the secret param in the CLI output:\n${text}`);
    }
    const logLines = events.filter((e) => e.type === 'stage-log').map((e) => e.line);
    assert.ok(logLines.includes(MASK), `the stage's own echo $TOKEN is masked: ${JSON.stringify(logLines)}`);
    assert.ok(logLines.includes('auth: ***'), `the env: value built from TOKEN is masked whole: ${JSON.stringify(logLines)}`);
    assert.ok(logLines.includes(`key *** n=1`), JSON.stringify(logLines));
    assert.ok(logLines.some((l) => l!.startsWith('$ echo *** && echo $TOKEN')), `the $ command echo is masked: ${JSON.stringify(logLines)}`);

    // Every byte Sextant wrote: the store (database, WAL), logs, artifacts, runner state.
    const written = filesUnder(join(dir, '.sextant'));
    assert.ok(written.some((f) => f.endsWith('.log')), written.join('\n'));
    assert.ok(written.some((f) => f.includes('artifacts')), written.join('\n'));
    for (const f of written) {
      const bytes = readFileSync(f);
      assert.ok(!bytes.includes(TOKEN), `TOKEN in ${f}`);
      assert.ok(!bytes.includes(KEY), `the secret param in ${f}`);
    }
    const log = readFileSync(written.find((f) => f.endsWith('leak.log'))!, 'utf8');
    assert.match(log, /^\[sextant\] \$ echo \*\*\* && echo \$TOKEN/m);

    const end = events.find((e) => e.type === 'pipeline-end')!.result!;
    const show = (id: string): Record<string, unknown> => {
      const r = spawnSync(process.execPath, [BIN, 'runs', 'show', id, '--json'], { cwd: dir, env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!r.stdout.includes(TOKEN) && !r.stdout.includes(KEY), r.stdout);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const pipelineRun = show(end.run_id!);
    assert.equal((pipelineRun.params as Record<string, string>).api_key, MASK);
    assert.equal((pipelineRun.params as Record<string, string>).n, '1');
    const stageRun = show(end.stages![0]!.run_id);
    assert.equal(stageRun.command, TEMPLATE, 'the store keeps the command template');
    assert.deepEqual(stageRun.params, { api_key: MASK, n: '1', seen: MASK });
    assert.equal((stageRun.tags as Record<string, string>).t, MASK);
  });

  it('the masker: only values of 3 characters or more, the longest first, each line of a multi-line value, and its shell-quoted form', () => {
    const m = new SecretMasker(['ab', 'abcd', 'abcdef', 'one\ntwo', "it's"]);
    assert.equal(m.mask('ab abcd abcdefg'), 'ab *** ***g');
    assert.equal(m.mask('one two'), '*** ***');
    assert.equal(m.mask(`x 'it'\\''s' it's`), 'x *** ***');
    assert.deepEqual(m.maskValue({ a: 'xabcdx', b: 3, c: ['abcd'] }), { a: 'x***x', b: 3, c: ['***'] });
    assert.equal(new SecretMasker([]).mask('abc'), 'abc');
  });

  it('params may be declared as { value, secret: true }; other mappings in a params file stay values', () => {
    const p = paramValues({ key: { value: 'v', secret: true }, lr: 0.1, nested: { value: 1, other: 2 }, plain: { value: 1, secret: false } });
    assert.deepEqual(p.values, { key: 'v', lr: 0.1, nested: { value: 1, other: 2 }, plain: 1 });
    assert.deepEqual([...p.secret], ['key']);
  });
});
