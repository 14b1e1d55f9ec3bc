// `sextant data profile` and `sextant data validate` through the CLI's main(): exit codes, the JSON
// shapes of docs/cli.md, per-line messages, and no raw personal data in anything printed.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { DatasetProfileSchema } from '../../src/engine/data/profile/schema';
import { ValidationReportSchema } from '../../src/engine/data/validate/report';
import { tempDir } from './tempDir';

function capture(cwd: string, env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[]; all(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, all: () => [...stdout, ...stderr].join('\n'), out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env };
}

const RAW = ['ann@example.com', 'bob@example.org', '123-45-6789', '234-56-7890', '4111111111111111'];

function workspace(): string {
  const dir = tempDir('sextant-data-cli-');
  writeFileSync(
    join(dir, 'people.csv'),
    ['id,age,email,ssn,card', `1,34,${RAW[0]},${RAW[2]},${RAW[4]}`, `2,abc,${RAW[1]},${RAW[3]},5500005555555559`, '3,51,cy@example.net,345-67-8901,4012888888881881'].join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'sextant.yaml'),
    [
      'version: 1',
      'datasets:',
      '  people: { path: people.csv }',
      'expectations:',
      '  people:',
      '    - { column: age, type: integer, between: [0, 120] }',
      "    - { column: email, regex: '[a-z]+@example\\.com' }",
      '    - { column: ssn, pii: hash }',
      '    - { rows: { min: 1 } }',
      'stages:',
      '  v: { uses: sextant/validate, with: { dataset: people } }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('sextant data', () => {
  it('profile --json prints the documented shape; raw personal data appears nowhere', async () => {
    const dir = workspace();
    const io = capture(dir);
    assert.equal(await main(['data', 'profile', 'people.csv', '--json'], io), 0);
    const profile = DatasetProfileSchema.parse(JSON.parse(io.stdout.join('')));
    assert.equal(profile.file, 'people.csv');
    assert.equal(profile.rows, 3);
    assert.deepEqual(profile.columns.find((c) => c.name === 'age')!.strays, { count: 1, examples: [{ line: 3, value: 'abc' }] });
    assert.equal(profile.columns.find((c) => c.name === 'ssn')!.pii!.rule, 'hash');
    for (const raw of RAW) assert.ok(!io.all().includes(raw), `${raw} in the JSON`);
    const human = capture(dir);
    assert.equal(await main(['data', 'profile', 'people.csv'], human), 0);
    assert.match(human.all(), /age\s+integer\s+0\.0%\s+3\s+.*1 value not integer \(line 3: "abc"\)/);
    for (const raw of RAW) assert.ok(!human.all().includes(raw), `${raw} in the table`);
  });

  it('validate NAME exits 1 with the failing lines; --json prints the report; raw personal data appears nowhere', async () => {
    const dir = workspace();
    const io = capture(dir);
    assert.equal(await main(['data', 'validate', 'people'], io), 1);
    const text = io.all();
    assert.match(text, /✗ people\.csv:3: age: type integer: 1 row fails \(line 3\)/);
    assert.match(text, /✗ people\.csv:3: email: regex .*: 2 rows fail \(lines 3, 4\)/);
    assert.match(text, /line 3: b\*\*\*@\*\*\*\.org/);
    for (const raw of RAW) assert.ok(!text.includes(raw), `${raw} in the output`);
    const json = capture(dir);
    assert.equal(await main(['data', 'validate', 'people', '--json'], json), 1);
    const report = ValidationReportSchema.parse(JSON.parse(json.stdout.join('')));
    assert.equal(report.dataset, 'people');
    assert.equal(report.passed, false);
    for (const raw of RAW) assert.ok(!json.all().includes(raw), `${raw} in the JSON`);
  });

  it('validate PATH finds the dataset that reads it, and exits 0 when everything holds', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'people.csv'), 'id,age,email,ssn,card\n1,34,ann@example.com,123-45-6789,\n');
    const io = capture(dir);
    assert.equal(await main(['data', 'validate', 'people.csv', '--json'], io), 0, io.all());
    assert.equal(ValidationReportSchema.parse(JSON.parse(io.stdout.join(''))).dataset, 'people');
  });

  it('exits 2 on bad usage, 1 on a file it cannot read with the file and line', async () => {
    const dir = workspace();
    for (const argv of [['data', 'validate'], ['data', 'validate', 'nobody'], ['data', 'profile', 'people.csv', '--format', 'xlsx'], ['data', 'profile', 'a', 'b'], ['data', 'profile', 'people.csv', '--delimiter', ';;'], ['data', 'profile', 'people.csv', '--delimiter', '§']]) {
      const io = capture(dir);
      assert.equal(await main(argv, io), 2, argv.join(' '));
    }
    const io = capture(dir);
    assert.equal(await main(['data', 'validate', 'nobody'], io), 2);
    assert.match(io.all(), /"nobody" is neither a data file nor a dataset of the pipeline \(datasets: people\)/);
    writeFileSync(join(dir, 'bad.csv'), Buffer.concat([Buffer.from('a\nok\n'), Buffer.from([0xff, 0x0a])]));
    const bad = capture(dir);
    assert.equal(await main(['data', 'profile', 'bad.csv'], bad), 1);
    assert.match(bad.all(), /bad\.csv:3: Invalid UTF-8 at byte 5/);
    const badJson = capture(dir);
    assert.equal(await main(['data', 'validate', 'bad.csv', '--json'], badJson), 1);
    assert.equal(JSON.parse(badJson.stdout.join('')).error.line, 3);
  });
});
