// The CLI's command table (src/cli/commands/index.ts) names every command of every command module, and a
// command loads only its own module: `sextant runs list` must not load the trainer, the model server, the
// registry or the other commands (in the built CLI each module is a bundle of its own, dist/cli-<module>.js).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../../src/cli/command';
import { allCommands, COMMAND_TABLE } from '../../src/cli/commands';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
const TSX = require.resolve('tsx/cjs');

function isCommand(v: unknown): v is CliCommand {
  return typeof v === 'object' && v !== null && typeof (v as CliCommand).name === 'string' && typeof (v as CliCommand).run === 'function';
}

/** The modules under src/ that a `sextant ARGS` process (run from the sources) has loaded when it ends. */
function loadedBy(args: string[]): { status: number | null; stderr: string; loaded: string[]; zod: boolean } {
  const script = `
    const { main } = require(${JSON.stringify(MAIN)});
    const io = { out: () => {}, err: (t) => process.stderr.write(t + '\\n'), json: () => {}, isTty: false, cwd: process.cwd(), env: process.env };
    main(${JSON.stringify(args)}, io).then((code) => {
      const src = ${JSON.stringify(join(ROOT, 'src'))};
      const files = Object.keys(require.cache);
      process.stdout.write(JSON.stringify({ loaded: files.filter((f) => f.startsWith(src)).map((f) => f.slice(src.length + 1).replace(/\\\\/g, '/')), zod: files.some((f) => /[\\\\/]node_modules[\\\\/]zod[\\\\/]/.test(f)) }));
      process.exitCode = code;
    });`;
  const r = spawnSync(process.execPath, ['--require', TSX, '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const out = r.stdout ? (JSON.parse(r.stdout) as { loaded: string[]; zod: boolean }) : { loaded: [], zod: false };
  return { status: r.status, stderr: r.stderr, ...out };
}

describe('sextant command table: every command listed, each loading only its own module', function () {
  this.timeout(60_000);

  it('lists exactly the commands the modules define, each name once, and each entry loads the command of its name', () => {
    const names = COMMAND_TABLE.map((e) => e.name);
    assert.equal(new Set(names).size, names.length, `a name is listed twice: ${names.join(', ')}`);
    assert.deepEqual(allCommands().map((c) => c.name), names);
    const dir = join(ROOT, 'src/cli/commands');
    const defined = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const v of Object.values(require(join(dir, file)) as Record<string, unknown>)) {
        for (const c of Array.isArray(v) ? v : [v]) if (isCommand(c)) defined.add(c.name);
      }
    }
    assert.deepEqual([...defined].sort(), [...names].sort());
  });

  it('`runs list --json` loads the run store and its own module, not zod, the trainer, the server, the registry or other commands', () => {
    const dir = tempDir('sextant-table-');
    const opened = Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 });
    assert.ok(opened.ok);
    opened.value.close(true);
    const r = loadedBy(['runs', 'list', '--json', '--workspace', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.loaded.includes('engine/tracking/runListText.ts'), `the run store was not loaded: ${r.loaded.join(', ')}`);
    const foreign = r.loaded.filter((f) => /^engine\/(train|serve|registry|pipeline|data|drift|export|mlflow(?!\/noEnd))\//.test(f) || (f.startsWith('cli/commands/') && !['cli/commands/index.ts', 'cli/commands/runsList.ts'].includes(f)));
    assert.deepEqual(foreign, []);
    // zod alone took 60 ms of the command's 350 (issue 17: `runs list --json` < 200 ms).
    assert.equal(r.zod, false, `zod was loaded; the modules loaded: ${r.loaded.join(', ')}`);
  });

  it('a UsageError from another copy of src/cli/args.ts (another bundle) is still a UsageError', () => {
    const file = require.resolve('../../src/cli/args');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mine = require(file) as typeof import('../../src/cli/args');
    const saved = require.cache[file];
    delete require.cache[file];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require(file) as typeof import('../../src/cli/args');
      assert.notEqual(copy.UsageError, mine.UsageError);
      assert.ok(new copy.UsageError('x') instanceof mine.UsageError);
      assert.ok(!(new Error('x') instanceof mine.UsageError));
    } finally {
      require.cache[file] = saved;
    }
  });

  it('a usage error thrown inside a command module is still exit 2 with the usage text', () => {
    const r = loadedBy(['runs', 'list', '--limit', 'x', '--workspace', tempDir('sextant-table-')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^sextant runs list: --limit must be a positive whole number/);
  });
});
