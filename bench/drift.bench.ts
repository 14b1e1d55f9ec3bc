// Drift on 1M rows × 20 columns (14 numeric, 6 categorical) in a reference and a current CSV: reading the
// two files into columns, then the drift report (Evidently's defaults for a large reference: normed
// Wasserstein and Jensen–Shannon; and KS forced on every numeric column, asymptotic). The same
// statistics by NumPy/SciPy in /usr/bin/python3 on the same files, in the same run, when python3-scipy is
// installed (read with the csv module and numpy, as there is no pandas in Debian's base), and the ratios.
// Target: the default drift under 2 s. SEXTANT_BENCH_QUICK=1 runs 200k rows.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTables } from '../src/engine/drift/report';
import { readColumns } from '../src/engine/data/read/columnTable';
import { Rng } from '../src/engine/train/rng';
import { fmt, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const ROWS = QUICK ? 200_000 : 1_000_000;
const NUMERIC = 14;
const CATEGORICAL = 6;
const PYTHON = process.env.SEXTANT_BENCH_PYTHON ?? '/usr/bin/python3';

async function writeCsv(file: string, seed: number, shift: number): Promise<void> {
  const rng = new Rng(seed);
  const out = createWriteStream(file);
  const header = [...Array.from({ length: NUMERIC }, (_, i) => `n${i}`), ...Array.from({ length: CATEGORICAL }, (_, i) => `c${i}`)];
  let chunk = `${header.join(',')}\n`;
  for (let r = 0; r < ROWS; r++) {
    const fields: string[] = [];
    for (let i = 0; i < NUMERIC; i++) fields.push((rng.normal() * (1 + i) + (i < 5 ? shift : 0)).toFixed(4));
    for (let i = 0; i < CATEGORICAL; i++) fields.push(`k${Math.floor(rng.next() * (3 + 5 * i) + (i < 2 ? shift * 2 : 0))}`);
    chunk += `${fields.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const SCRIPT = `
import csv, json, sys, time
import numpy as np
from scipy.stats import wasserstein_distance, ks_2samp
from scipy.spatial import distance
ref_file, cur_file, numeric = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {}
t = time.perf_counter()
def read(p):
    with open(p, newline='') as f:
        rows = csv.reader(f)
        header = next(rows)
        cols = list(zip(*rows))
    return [np.array(c, dtype=float) if i < numeric else np.array(c) for i, c in enumerate(cols)]
ref, cur = read(ref_file), read(cur_file)
out['load'] = time.perf_counter() - t
t = time.perf_counter()
for i in range(len(ref)):
    r, c = ref[i], cur[i]
    if i < numeric:
        wasserstein_distance(r, c) / max(np.std(r), 0.001)
    else:
        keys = np.union1d(r, c)
        rc = np.array([0] * len(keys)); cc = np.array([0] * len(keys))
        u, n = np.unique(r, return_counts=True); rc[np.searchsorted(keys, u)] = n
        u, n = np.unique(c, return_counts=True); cc[np.searchsorted(keys, u)] = n
        distance.jensenshannon(rc / len(r), cc / len(c))
out['default'] = time.perf_counter() - t
t = time.perf_counter()
for i in range(numeric):
    ks_2samp(ref[i], cur[i])
out['ks'] = time.perf_counter() - t
x = np.random.default_rng(1).standard_normal(1000000)
t = time.perf_counter()
np.sort(x)
out['sort1m'] = time.perf_counter() - t
print(json.dumps(out))
`;

export const driftBench: Bench = {
  name: 'drift',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-drift-'));
    try {
      const refFile = join(dir, 'reference.csv');
      const curFile = join(dir, 'current.csv');
      await writeCsv(refFile, 1, 0);
      await writeCsv(curFile, 2, 0.05);
      print(`${ROWS.toLocaleString('en')} rows × ${NUMERIC + CATEGORICAL} columns (${NUMERIC} numeric, ${CATEGORICAL} categorical) in each of reference and current${QUICK ? ' (QUICK)' : ''}`);
      let start = performance.now();
      const ref = readColumns(refFile);
      const cur = readColumns(curFile);
      const load = performance.now() - start;
      if (!ref.ok || !cur.ok) throw new Error('could not read the bench files');
      start = performance.now();
      const report = compareTables(ref.value, cur.value);
      const compute = performance.now() - start;
      if (!report.ok) throw new Error(report.error.message);
      start = performance.now();
      const ks = compareTables(ref.value, cur.value, { test: Object.fromEntries(ref.value.columns.slice(0, NUMERIC).map((c) => [c, 'ks' as const])), columns: ref.value.columns.slice(0, NUMERIC) });
      const ksTime = performance.now() - start;
      if (!ks.ok) throw new Error(ks.error.message);
      const tests = [...new Set(report.value.columns.map((c) => c.test))].join(' + ');
      print(`read both CSVs into columns:           ${fmt(load)}`);
      print(`drift, default tests (${tests}):  ${fmt(compute)} (target < 2 s; with reading: ${fmt(load + compute)})`);
      print(`KS on the ${NUMERIC} numeric columns:            ${fmt(ksTime)}`);
      print(`verdict: dataset_drift ${report.value.dataset_drift}, drift_share ${report.value.drift_share.toFixed(3)}`);
      const hasScipy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import scipy'], { encoding: 'utf8' }).status === 0;
      if (!hasScipy) {
        print(`SciPy comparison skipped: python3-scipy is not installed in ${PYTHON} (apt-get install -y python3-scipy)`);
        return;
      }
      const py = spawnSync(PYTHON, ['-c', SCRIPT, refFile, curFile, String(NUMERIC)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (py.status !== 0) throw new Error(`${PYTHON} failed: ${py.stderr}`);
      const t = JSON.parse(py.stdout) as { load: number; default: number; ks: number; sort1m: number };
      const ms = (s: number): number => s * 1000;
      print(`SciPy: read ${fmt(ms(t.load))}, default tests ${fmt(ms(t.default))}, KS ${fmt(ms(t.ks))}`);
      print(`machine check: np.sort of 1M doubles took ${fmt(ms(t.sort1m))} (about 60-80 ms on an idle core; a slower figure means a loaded machine: read the ratios)`);
      print(`ratio SciPy / Sextant: default tests ${(ms(t.default) / compute).toFixed(2)}×, KS ${(ms(t.ks) / ksTime).toFixed(2)}×, reading ${(ms(t.load) / load).toFixed(2)}×, end to end ${(ms(t.load + t.default) / (load + compute)).toFixed(2)}×`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
