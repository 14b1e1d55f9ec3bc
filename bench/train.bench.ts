// The built-in trainer against scikit-learn on the same data in the same run: /usr/bin/python3 writes a
// 200,000 × 20 make_classification (seed 7, 3 of 4 rows to train, the last quarter to test) and a
// make_regression of the same size to CSV files in a temp folder (removed after); each side reads the
// CSV and fits, timed together ("read + fit"). scikit-learn runs single-threaded (OMP_NUM_THREADS=1):
// LogisticRegression (after StandardScaler, as ours standardises), HistGradientBoostingClassifier and
// LinearRegression, all defaults. Ours: logistic-regression, gbt and linear with their defaults, in this
// thread. Figures: accuracy or R² on the test rows, wall seconds (and of them reading), ratio, CPU
// seconds (on a shared machine they say more than wall time), peak RSS (this process's
// maxRSS after our fits, before Python runs; Python's from its own resource.getrusage). Skipped when
// python3-sklearn is absent. SEXTANT_BENCH_TRAIN_ROWS sets the row count (default 200000).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelClasses, labeledRows, readTrainingTable, regressionRows } from '../src/engine/train/dataset';
import { fitModelSteps } from '../src/engine/train/fitModel';
import { argmaxRows, predictProba, type FitTarget, type ModelKind } from '../src/engine/train/model';
import { runSteps } from '../src/engine/train/steps';
import type { Bench } from './util';

const PYTHON = '/usr/bin/python3';
const ROWS = Number(process.env.SEXTANT_BENCH_TRAIN_ROWS ?? 200_000);

const SCRIPT = String.raw`
import sys, json, time, resource, numpy as np
from sklearn import datasets
mode, dir, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
train = rows * 3 // 4
if mode == 'write':
    X, y = datasets.make_classification(n_samples=rows, n_features=20, n_informative=10, n_redundant=4, random_state=7)
    np.savetxt(dir + '/classification.csv', np.c_[X, y], delimiter=',', header=','.join(['f%d' % i for i in range(20)] + ['label']), comments='', fmt='%.9g')
    X, y = datasets.make_regression(n_samples=rows, n_features=20, n_informative=10, noise=10.0, random_state=7)
    np.savetxt(dir + '/regression.csv', np.c_[X, y], delimiter=',', header=','.join(['f%d' % i for i in range(20)] + ['label']), comments='', fmt='%.9g')
    sys.exit(0)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.ensemble import HistGradientBoostingClassifier
def read(name):
    try:
        import pandas
        return pandas.read_csv(dir + '/' + name).to_numpy()
    except ImportError:
        return np.loadtxt(dir + '/' + name, delimiter=',', skiprows=1)
out = {}
for key, file, make in [('logistic-regression', 'classification.csv', lambda: make_pipeline(StandardScaler(), LogisticRegression())),
                        ('gbt', 'classification.csv', lambda: HistGradientBoostingClassifier()),
                        ('linear', 'regression.csv', lambda: LinearRegression())]:
    t0, c0 = time.perf_counter(), time.process_time()
    d = read(file)
    X, y = d[:, :-1], d[:, -1]
    t1, c1 = time.perf_counter(), time.process_time()
    m = make().fit(X[:train], y[:train])
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    out[key] = {'seconds': s, 'cpu': cpu, 'read': t1 - t0, 'cpuRead': c1 - c0, 'score': float(m.score(X[train:], y[train:]))}
out['rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

interface Ours {
  seconds: number;
  cpu: number;
  cpuRead: number;
  read: number;
  /** Peak RSS (MB) after reading, and after the fit. */
  rssRead: number;
  rssFit: number;
  score: number;
  iterations: number;
}

function ours(file: string, kind: ModelKind, task: FitTarget['task'], train: number): Ours {
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  // The trainer's own path (train/dataset.ts on the shared columnar loader): the label read as text,
  // the features as typed columns, then the row-major matrix of every row.
  const table = readTrainingTable(file, { label: 'label' });
  if (!table.ok) throw new Error(table.error.message);
  const features = table.value.columns.filter((c) => c !== 'label');
  const n = table.value.rowCount;
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  let x: Float64Array;
  let labels: Float64Array | Int32Array;
  if (task === 'regression') {
    const rows = regressionRows(table.value, features, 'label', all);
    if (!rows.ok) throw new Error(rows.error.message);
    x = rows.value.x.data;
    labels = rows.value.y;
  } else {
    const classes = labelClasses(table.value, 'label');
    if (!classes.ok) throw new Error(classes.error.message);
    if (classes.value.join() !== '0,1') throw new Error(`classes ${classes.value.join()}`);
    const rows = labeledRows(table.value, features, 'label', classes.value, all);
    if (!rows.ok) throw new Error(rows.error.message);
    x = rows.value.x.data;
    labels = rows.value.y;
  }
  const read = Number(process.hrtime.bigint() - start) / 1e9;
  const readUsed = process.cpuUsage(cpu0);
  const cpuRead = (readUsed.user + readUsed.system) / 1e6;
  const rssRead = process.resourceUsage().maxRSS / 1024;
  const F = features.length;
  const trainX = { rows: train, cols: F, data: x.subarray(0, train * F) };
  const target: FitTarget = task === 'regression' ? { task, y: (labels as Float64Array).subarray(0, train) } : { task, y: (labels as Int32Array).subarray(0, train), classes: ['0', '1'] };
  const fit = runSteps(fitModelSteps(trainX, target, { kind, label: 'label', features, seed: 0 }));
  if (!fit.ok) throw new Error(fit.error.message);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  const rssFit = process.resourceUsage().maxRSS / 1024;
  const test = { rows: n - train, cols: F, data: x.subarray(train * F) };
  const p = predictProba(fit.value.model, test);
  const yTest = labels.subarray(train);
  let score: number;
  if (task === 'regression') {
    let mean = 0;
    for (const v of yTest) mean += v / yTest.length;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < yTest.length; i++) {
      res += (yTest[i]! - p[i]!) ** 2;
      tot += (yTest[i]! - mean) ** 2;
    }
    score = 1 - res / tot;
  } else {
    const pred = argmaxRows(p, test.rows, 2);
    let right = 0;
    for (let i = 0; i < test.rows; i++) if (pred[i] === yTest[i]) right++;
    score = right / test.rows;
  }
  return { seconds, cpu, cpuRead, read, rssRead, rssFit, score, iterations: fit.value.model.training.iterations ?? 0 };
}

export const trainBench: Bench = {
  name: 'train',
  async run(print) {
    const probe = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      print(`SKIPPED: needs ${PYTHON} with scikit-learn (apt-get install python3-sklearn)`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-train-'));
    try {
      const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
      const written = spawnSync(PYTHON, ['-c', SCRIPT, 'write', dir, String(ROWS)], { encoding: 'utf8', env });
      if (written.status !== 0) throw new Error(written.stderr);
      const train = Math.floor((ROWS * 3) / 4);
      print(`data: ${ROWS.toLocaleString('en-US')} rows × 20 features (make_classification / make_regression, seed 7); train on the first ${train.toLocaleString('en-US')}, score on the rest`);
      const rssBefore = process.resourceUsage().maxRSS / 1024;
      const results: [ModelKind, Ours][] = [];
      for (const [kind, file, task] of [['logistic-regression', 'classification.csv', 'classification'], ['gbt', 'classification.csv', 'classification'], ['linear', 'regression.csv', 'regression']] as const) {
        globalThis.gc?.(); // the previous model's table and matrix are garbage: do not count them against this one
        results.push([kind, ours(join(dir, file), kind, task, train)]);
      }
      const rss = process.resourceUsage().maxRSS / 1024;
      const sk = spawnSync(PYTHON, ['-c', SCRIPT, 'fit', dir, String(ROWS)], { encoding: 'utf8', env, maxBuffer: 1 << 20 });
      if (sk.status !== 0) throw new Error(sk.stderr);
      const ref = JSON.parse(sk.stdout) as Record<string, { seconds: number; cpu: number; cpuRead: number; read: number; score: number }> & { rss_mb: number };
      print('| model | ours | scikit-learn | Δ | wall, read + fit: ours / scikit-learn (ratio) | CPU, read + fit | CPU, fit alone | CPU, read alone | ours: peak RSS after read / fit |');
      print('|---|---|---|---|---|---|---|---|---|');
      const pair = (a: number, b: number): string => `${a.toFixed(2)} / ${b.toFixed(2)} s (${(a / b).toFixed(2)}×)`;
      for (const [kind, o] of results) {
        const r = ref[kind]!;
        const metric = kind === 'linear' ? 'R²' : 'accuracy';
        print(`| ${kind} (${o.iterations} it.) | ${metric} ${o.score.toFixed(4)} | ${r.score.toFixed(4)} | ${(o.score - r.score).toFixed(4)} | ${pair(o.seconds, r.seconds)} | ${pair(o.cpu, r.cpu)} | ${pair(o.cpu - o.cpuRead, r.cpu - r.cpuRead)} | ${pair(o.cpuRead, r.cpuRead)} | ${o.rssRead.toFixed(0)} / ${o.rssFit.toFixed(0)} MB |`);
      }
      print(`peak RSS: ours ${rss.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before reading), scikit-learn ${ref.rss_mb.toFixed(0)} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
