// Validation on real files: every kind of expectation, with the failing rows' count, lines and values;
// stray values, problems of the file itself, personal data masked in the examples.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileDataFile } from '../../src/engine/data/profile/profile';
import type { Expectation } from '../../src/engine/data/validate/expectation';
import type { ValidationReport, ValidationResult } from '../../src/engine/data/validate/report';
import { ValidationReportSchema } from '../../src/engine/data/validate/report';
import { validateDataFile } from '../../src/engine/data/validate/validate';
import { tempDir } from './tempDir';

const CSV = ['id,x,label,email,when', '1,0.5,a,ann@example.com,2024-01-01', '2,1.5,b,bob@example.org,2024-01-02', '3,,a,cy@example.net,2024-01-03', '2,9,c,dee@example.io,soon', '5,abc,a,eve@example.com,2024-01-05'].join('\n');

async function validate(expectations: Expectation[], content = CSV, name = 'd.csv'): Promise<{ report: ValidationReport; dir: string }> {
  const dir = tempDir('sextant-data-validate-');
  writeFileSync(join(dir, name), content);
  const r = await validateDataFile(join(dir, name), expectations, { baseDir: dir, dataset: 'd' });
  if (!r.ok) throw new Error(r.error.message);
  return { report: ValidationReportSchema.parse(r.value), dir };
}

const find = (r: ValidationReport, check: string, column: string | null = null): ValidationResult => {
  const found = r.results.find((x) => x.check.startsWith(check) && x.column === column);
  assert.ok(found, `no ${check} result for ${column}: ${r.results.map((x) => `${x.column}/${x.check}`).join(', ')}`);
  return found;
};

describe('data validation', () => {
  it('reports each failed check with the failing rows: count, lines and values', async () => {
    const { report } = await validate([
      { column: 'id', unique: true, not_null: true },
      { column: 'x', not_null: true, between: [0, 2] },
      { column: 'label', in: ['a', 'b'] },
      { column: 'when', type: 'datetime' },
      { column: 'x', max_missing: 0.1 },
    ]);
    assert.equal(report.passed, false);
    assert.equal(report.rows, 5);
    assert.deepEqual(find(report, 'unique', 'id').examples, [{ line: 5, value: '2' }]);
    assert.equal(find(report, 'not_null', 'id').passed, true);
    const notNull = find(report, 'not_null', 'x');
    assert.deepEqual([notNull.failed, notNull.examples], [1, [{ line: 4, value: '(missing)' }]]);
    const between = find(report, 'between', 'x');
    assert.deepEqual([between.failed, between.examples], [2, [{ line: 5, value: '9' }, { line: 6, value: 'abc' }]]);
    assert.match(between.message, /2 rows fail \(lines 5, 6\)/);
    assert.deepEqual(find(report, 'in', 'label').examples, [{ line: 5, value: 'c' }]);
    assert.deepEqual(find(report, 'type datetime', 'when').examples, [{ line: 5, value: 'soon' }]);
    const missing = find(report, 'max_missing', 'x');
    assert.equal(missing.passed, false);
    assert.match(missing.message, /20\.00% of the values are missing \(1 of 5\)/);
  });

  it('passes when every expectation holds, and checks row-count bounds', async () => {
    const ok = await validate([{ column: 'id', not_null: true }, { column: 'label', in: ['a', 'b', 'c'] }, { rows: { min: 5, max: 5 } }]);
    assert.equal(ok.report.passed, true, JSON.stringify(ok.report.results));
    const few = await validate([{ rows: { min: 10 } }]);
    assert.equal(few.report.passed, false);
    assert.match(find(few.report, 'rows').message, /5 rows; at least 10 expected/);
  });

  it('reports a stray "abc" in a numeric column as a warning naming its line (an error with type:)', async () => {
    const { report } = await validate([]);
    const strays = find(report, 'strays', 'x');
    assert.equal(strays.severity, 'warning');
    assert.deepEqual(strays.examples, [{ line: 6, value: 'abc' }]);
    assert.match(strays.message, /mostly float, but 1 value is not \(line 6\)/);
    const typed = await validate([{ column: 'x', type: 'number' }]);
    assert.equal(typed.report.passed, false);
    assert.deepEqual(find(typed.report, 'type number', 'x').examples, [{ line: 6, value: 'abc' }]);
  });

  it('compares the schema with a reference profile: columns gone, new, or of another type', async () => {
    const dir = tempDir('sextant-data-validate-');
    writeFileSync(join(dir, 'old.csv'), 'id,x,gone\n1,2,a\n2,3,b\n');
    const ref = await profileDataFile(join(dir, 'old.csv'));
    assert.ok(ref.ok);
    writeFileSync(join(dir, 'ref.json'), JSON.stringify(ref.value));
    writeFileSync(join(dir, 'new.csv'), 'id,x,extra\n1,2.5,z\n2,3,y\n');
    const r = await validateDataFile(join(dir, 'new.csv'), [{ schema_unchanged: 'ref.json' }], { baseDir: dir });
    assert.ok(r.ok);
    const s = find(r.value, 'schema_unchanged');
    assert.equal(s.passed, false);
    assert.equal(s.failed, 3);
    assert.match(s.message, /column "x" was integer, is float; column "gone" \(string\) is gone; column "extra" \(string\) is new/);
    const same = await validateDataFile(join(dir, 'old.csv'), [{ schema_unchanged: 'ref.json' }], { baseDir: dir });
    assert.ok(same.ok && same.value.passed);
    const missing = await validateDataFile(join(dir, 'old.csv'), [{ schema_unchanged: 'nope.json' }], { baseDir: dir });
    assert.ok(missing.ok && !missing.value.passed);
    assert.match(find(missing.value, 'schema_unchanged').message, /Cannot read the reference profile/);
  });

  it('says what is wrong with an expectation itself, and names a column the file lacks', async () => {
    const { report } = await validate([{ not_null: true }, { column: 'id', rows: { min: 1 } }, { column: 'x', regex: '(' }, { column: 'nope', not_null: true }]);
    const config = report.results.filter((r) => r.check === 'expectation').map((r) => r.message);
    assert.ok(config.some((m) => /not_null checks a column: add `column:`/.test(m)));
    assert.ok(config.some((m) => /rows checks the whole dataset/.test(m)));
    assert.ok(config.some((m) => /regex \( is not a valid regular expression/.test(m)));
    assert.match(find(report, 'column', 'nope').message, /no column "nope" \(its columns: id, x, label, email, when\)/);
  });

  it('masks personal data in the examples, hashes with pii: hash, and fails pii: forbid', async () => {
    const { report } = await validate([{ column: 'email', regex: '[a-z]+@example\\.com' }]);
    const regex = find(report, 'regex', 'email');
    assert.deepEqual(regex.examples.map((e) => e.line), [3, 4, 5]);
    assert.deepEqual(regex.examples.map((e) => e.value), ['b***@***.org', 'c***@***.net', 'd***@***.io']);
    assert.equal(find(report, 'pii', 'email').severity, 'warning');
    const json = JSON.stringify(report);
    for (const raw of ['bob@example.org', 'cy@example.net', 'dee@example.io', 'ann@']) assert.ok(!json.includes(raw), raw);
    const hashed = await validate([{ column: 'email', regex: 'x', pii: 'hash' }]);
    assert.ok(find(hashed.report, 'regex', 'email').examples.every((e) => /^h:[0-9a-f]{16}$/.test(e.value)));
    const forbid = await validate([{ column: 'email', pii: 'forbid' }]);
    assert.equal(forbid.report.passed, false);
    assert.match(find(forbid.report, 'pii', 'email').message, /forbidden here, and 100% of the sampled values look like email/);
  });

  it('fails on ragged rows, naming their lines', async () => {
    const { report } = await validate([], 'a,b\n1,2\n3\n4,5\n');
    assert.equal(report.passed, false);
    const ragged = find(report, 'format:ragged-row');
    assert.equal(ragged.failed, 1);
    assert.match(ragged.message, /line 3/);
  });
});
