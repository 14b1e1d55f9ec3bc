// The Python helper (media/python/sextant_log.py): points/s into the store through log_metrics (10 keys
// a step) and log_metric (one point a call), against the same points written by the same Python process
// as CSV lines with a flush per call (what a script does without Sextant), measured in the same run.
// SEXTANT_BENCH_PYTHON picks the interpreter (default /usr/bin/python3, else python3 on PATH).
// SEXTANT_BENCH_QUICK=1 runs a quarter of the size.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Tracker } from '../src/engine/tracking/tracking';
import { median, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const POINTS = QUICK ? 50_000 : 200_000;
const KEYS = 10;
const REPEATS = 3;
const PYTHON = process.env.SEXTANT_BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
// bench/ (tsx) and dist/ (npm run bench) are both one level below the repository root.
const HELPER_DIR = resolve(__dirname, '../media/python');

// Times, in one process: log_metrics with KEYS keys a step, log_metric a point a call (each with the
// final flush()), and the same points as CSV lines: a flush after each step's lines, and after each line.
const SCRIPT = `
import sys, time, json
sys.path.insert(0, ${JSON.stringify(HELPER_DIR)})
import sextant_log as sx
points, keys, csv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
names = ["k%d" % k for k in range(keys)]
steps = points // keys
out = {}
sx.log_metric("warm", 0.0, step=0)
sx.flush()

t = time.perf_counter()
for step in range(steps):
    v = step * 0.001
    sx.log_metrics({name: v for name in names}, step=step)
assert sx.flush()
out["log_metrics"] = time.perf_counter() - t

t = time.perf_counter()
for step in range(points):
    sx.log_metric("single", step * 0.001, step=step)
assert sx.flush()
out["log_metric"] = time.perf_counter() - t

t = time.perf_counter()
with open(csv, "w") as f:
    for step in range(steps):
        v = step * 0.001
        for name in names:
            f.write("%s,%d,%d,%r\\n" % (name, step, int(time.time() * 1000), v))
        f.flush()
out["csv_per_step"] = time.perf_counter() - t

t = time.perf_counter()
with open(csv, "w") as f:
    for step in range(points):
        f.write("single,%d,%d,%r\\n" % (step, int(time.time() * 1000), step * 0.001))
        f.flush()
out["csv_per_line"] = time.perf_counter() - t
print(json.dumps(out))
`;

type Timings = Record<'log_metrics' | 'log_metric' | 'csv_per_step' | 'csv_per_line', number>;

function once(): Timings {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-python-'));
  try {
    const storePath = join(dir, 'sextant.db');
    const opened = Tracker.open({ storePath, artifactsDir: join(dir, 'artifacts') }, { create: true });
    if (!opened.ok) throw new Error(opened.error.message);
    const run = opened.value.startRun({ experiment: 'bench', name: 'python' });
    opened.value.close(true);
    if (!run.ok) throw new Error(run.error.message);
    const child = spawnSync(PYTHON, ['-c', SCRIPT, String(POINTS), String(KEYS), join(dir, 'points.csv')], {
      env: { ...process.env, SEXTANT_STORE: storePath, SEXTANT_RUN_ID: run.value.id, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${PYTHON} failed: ${child.stderr || String(child.error)}`);
    return JSON.parse(child.stdout) as Timings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pythonBench: Bench = {
  name: 'python',
  async run(print) {
    const version = spawnSync(PYTHON, ['-c', 'import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)'], { encoding: 'utf8' });
    print(`${PYTHON} (Python ${version.stdout.trim().replace(' ', ', SQLite ')}): ${POINTS.toLocaleString('en')} points, ${REPEATS} repeats, medians${QUICK ? ' (QUICK)' : ''}`);
    const runs = Array.from({ length: REPEATS }, once);
    const rate = (k: keyof Timings): number => POINTS / median(runs.map((r) => r[k]));
    const fmtRate = (n: number): string => `${Math.round(n).toLocaleString('en')} points/s`;
    const many = rate('log_metrics');
    const single = rate('log_metric');
    const csvStep = rate('csv_per_step');
    const csvLine = rate('csv_per_line');
    print(`log_metrics, ${KEYS} keys a step, + flush():  ${fmtRate(many)} (target ≥ 200,000)`);
    print(`CSV, ${KEYS} lines and a flush a step:         ${fmtRate(csvStep)} → sextant_log / CSV ${(many / csvStep).toFixed(2)}×`);
    print(`log_metric, a point a call, + flush():      ${fmtRate(single)}`);
    print(`CSV, a line and a flush a point:            ${fmtRate(csvLine)} → sextant_log / CSV ${(single / csvLine).toFixed(2)}×`);
  },
};
