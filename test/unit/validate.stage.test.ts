// The `sextant/validate` stage runs the validation engine: the same results as `sextant data validate`
// on the same file (lines, failing-row counts, metrics), stray values named by file and line, and no raw
// personal data in the stage's log, the store's bytes or any JSON.
import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { ValidationReportSchema, type ValidationReport } from '../../src/engine/data/validate/report';
import type { Pipeline } from '../../src/engine/pipeline/schema';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import type { RunTracker } from '../../src/engine/runner/tracker';
import type { PipelineResult, RunnerEvent } from '../../src/engine/runner/types';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[]; all(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, all: () => [...stdout, ...stderr].join('\n'), out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

function workspace(expectations: NonNullable<Pipeline['expectations']>[string], csv: string): string {
  const dir = tempDir('sextant-validate-stage-');
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, datasets: { d: { path: 'data/d.csv' } }, expectations: { d: expectations }, stages: { v: { uses: 'sextant/validate', with: { dataset: 'd' } } } }));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'd.csv'), csv);
  return dir;
}

async function runStage(dir: string, tracker?: RunTracker): Promise<{ result: PipelineResult; log: string[]; events: RunnerEvent[] }> {
  const events: RunnerEvent[] = [];
  const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], ...(tracker ? { tracker } : {}), onEvent: (e) => events.push(e) });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  const log = events.flatMap((e) => (e.type === 'stage-log' && e.stage === 'v' ? [e.line] : []));
  return { result: r.value, log, events };
}

async function cli(dir: string, json: boolean): Promise<{ code: number; io: ReturnType<typeof capture> }> {
  const io = capture(dir);
  const code = await main(['data', 'validate', 'd', ...(json ? ['--json'] : [])], io);
  return { code, io };
}

const CSV = ['id,amount,label,code', '1,10,a,AB-1', '2,12,b,AB-2', '2,,z,AB-3', '4,abc,a,xx', '5,900,b,AB-5', '6,14,,AB-6'].join('\n') + '\n';
const EXPECTATIONS = [
  { column: 'id', unique: true },
  { column: 'amount', not_null: true, between: [0, 100] as [number, number] },
  { column: 'label', in: ['a', 'b'], max_missing: 0.1 },
  { column: 'code', regex: 'AB-\\d' },
  { rows: { min: 10 } },
];

describe('sextant/validate stage', () => {
  it('gives the same results as `sextant data validate` on the same file: lines, counts, verdict, metrics', async () => {
    const dir = workspace(EXPECTATIONS, CSV);
    const { result, log } = await runStage(dir);
    const text = await cli(dir, false);
    const json = await cli(dir, true);
    const report: ValidationReport = ValidationReportSchema.parse(JSON.parse(json.io.stdout.join('')));
    // The CLI prints the report to stdout and its summary to stderr; the stage logs both, in that order.
    assert.deepEqual(log.slice(0, text.io.stdout.length + 1), [...text.io.stdout, ...text.io.stderr]);
    assert.equal(text.code, 1);
    assert.equal(json.code, 1);
    const v = result.stages.find((s) => s.name === 'v')!;
    assert.equal(v.status, 'failed');
    assert.equal(report.passed, false);
    // What the engine found (the file's lines: header is line 1).
    const byCheck = Object.fromEntries(report.results.map((r) => [`${r.column ?? ''} ${r.check}`, r]));
    assert.deepEqual(byCheck['id unique']!.examples.map((e) => e.line), [4]);
    assert.deepEqual(byCheck['amount not_null']!.examples.map((e) => e.line), [4]);
    assert.deepEqual(byCheck['amount between [0, 100]']!.examples, [{ line: 5, value: 'abc' }, { line: 6, value: '900' }]);
    assert.deepEqual(byCheck['label in [a, b]']!.examples, [{ line: 4, value: 'z' }]);
    assert.equal(byCheck['label max_missing 0.1']!.passed, false);
    assert.deepEqual(byCheck['code regex AB-\\d']!.examples, [{ line: 5, value: 'xx' }]);
    assert.equal(byCheck[' rows']!.passed, false);
    // The stage's metrics are the report's numbers.
    assert.equal(v.metrics!.rows, report.rows);
    assert.equal(v.metrics!.rows, 6);
    const failedErrors = report.results.filter((r) => !r.passed && r.severity === 'error');
    assert.equal(v.metrics!.violations, failedErrors.reduce((s, r) => s + Math.max(1, r.failed), 0));
    assert.equal(v.metrics!['failed/amount/between'], 2);
    assert.equal(v.metrics!['failed/id/unique'], 1);
    assert.equal(v.metrics!['failed/label/max_missing'], 1);
    assert.equal(v.metrics!['failed/rows'], 0);
    assert.equal(v.metrics!['failed/code/regex'], 1);
    // The failure names each failed expectation with its rows and first line.
    for (const part of [/id unique \(1 rows, first at line 4\)/, /amount between \[0, 100\] \(2 rows, first at line 5\)/, /code regex AB-\\d \(1 rows, first at line 5\)/, /rows \(6 rows; at least 10 expected\.\)/]) assert.match(v.reason!, part);
    // A file that passes: both say so, the stage runs green.
    writeFileSync(join(dir, 'data', 'd.csv'), ['id,amount,label,code', ...Array.from({ length: 10 }, (_, i) => `${i},${i},a,AB-${i}`)].join('\n') + '\n');
    const green = await runStage(dir);
    assert.equal(green.result.stages[0]!.status, 'ran', green.result.stages[0]!.reason);
    assert.equal((await cli(dir, true)).code, 0);
    assert.equal(green.result.stages[0]!.metrics!.violations, 0);
  });

  it('a stray `abc` in a numeric column is a finding naming the file and line (an error with type:)', async () => {
    const csv = 'x,y\n1,a\n2,b\nabc,c\n4,d\n';
    const dir = workspace([{ column: 'y', not_null: true }], csv);
    const warned = await runStage(dir);
    assert.equal(warned.result.stages[0]!.status, 'ran');
    assert.ok(warned.log.some((l) => /^! data\/d\.csv:4: x: strays: The column is mostly integer, but 1 value is not \(line 4\)/.test(l)), warned.log.join('\n'));
    assert.ok(warned.log.includes('    line 4: abc'));
    writeFileSync(join(dir, 'sextant.yaml'), readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace('- column: y', '- column: x\n      type: number\n    - column: y'));
    const failed = await runStage(dir);
    const v = failed.result.stages[0]!;
    assert.equal(v.status, 'failed');
    assert.match(v.reason!, /x type number \(1 rows, first at line 4\)/);
    assert.match(v.reason!, /data\/d\.csv:4/);
    assert.equal(v.metrics!['failed/x/type'], 1);
  });

  it('raw personal data reaches neither the stage log, nor the store (its bytes), nor any JSON', async () => {
    const raw = ['ann@example.com', 'bob@example.org', '123-45-6789', '234-56-7890', '4111111111111111', '5500005555555559'];
    const csv = ['id,email,ssn,card', `1,${raw[0]},${raw[2]},${raw[4]}`, `2,${raw[1]},${raw[3]},${raw[5]}`, `3,${raw[0]},12345,`].join('\n') + '\n';
    const dir = workspace(
      [
        { column: 'email', unique: true, regex: '[a-z]+@example\\.com' },
        { column: 'ssn', pii: 'hash', regex: '\\d{3}-\\d{2}-\\d{4}' },
        { column: 'card', pii: 'mask', not_null: true, in: ['0'] },
      ],
      csv,
    );
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    const { result, log, events } = await runStage(dir, new StoreTracker(opened.value));
    const v = result.stages[0]!;
    assert.equal(v.status, 'failed');
    // The checks did fail on those columns, with masked examples.
    assert.match(log.join('\n'), /✗ data\/d\.csv:4: email: unique: 1 row fails \(line 4\)/);
    assert.ok(log.includes('    line 4: a***@***.com'), log.join('\n'));
    assert.ok(log.some((l) => /^ {4}line 4: h:[0-9a-f]{16}$/.test(l)), 'the bad ssn is shown hashed');
    assert.ok(log.some((l) => /^ {4}line 2: \*{12}1111$/.test(l)), 'the card is shown masked');
    assert.ok(log.some((l) => /^kept with dataset d version 1: /.test(l)), log.join('\n'));
    const kept = opened.value.db.prepare("SELECT c.passed, c.result_json FROM dataset_checks c JOIN runs r ON r.id = c.run_id WHERE c.kind = 'validation'").all() as { passed: number; result_json: string }[];
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.passed, 0);
    assert.equal(ValidationReportSchema.parse(JSON.parse(kept[0]!.result_json)).results.filter((r) => !r.passed).length > 0, true);
    opened.value.close(true);
    const json = await cli(dir, true);
    assert.equal(json.code, 1);
    const texts: [string, string][] = [
      ['stage log', log.join('\n')],
      ['runner events', JSON.stringify(events)],
      ['pipeline result', JSON.stringify(result)],
      ['CLI JSON', json.io.all()],
    ];
    // Every file the run left in the workspace (store, write-ahead log, artifacts, kept logs), as bytes.
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = walk(dir).filter((f) => relative(dir, f) !== join('data', 'd.csv'));
    assert.ok(files.some((f) => f.endsWith('.db')), files.join(', '));
    for (const f of files) texts.push([relative(dir, f), readFileSync(f).toString('latin1')]);
    for (const [where, text] of texts) for (const value of raw) assert.ok(!text.includes(value), `${value} in ${where}`);
  });
});
