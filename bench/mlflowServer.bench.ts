// `sextant server` (the MLflow-compatible tracking server) under load: POST /api/2.0/mlflow/runs/log-batch
// with 1000 metric points per request (MLflow's largest batch), sent by autocannon in its own process (10
// connections, 10 s; SEXTANT_BENCH_QUICK=1: 3 s), each request with its own steps so no point repeats one
// already stored. Reported: requests/s, points/s, p50/p99 latency, non-2xx; next to the direct store ingest
// rate (Tracker.logMetrics + flush of the same 1000-point batches in this process, no HTTP), and a check
// that the store holds every point the server answered 200 for, in whole batches.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer } from '../src/engine/mlflowServer/server';
import { Tracker } from '../src/engine/tracking/tracking';
import { workspaceLayout } from '../src/engine/workspace/layout';
import type { Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const SECONDS = QUICK ? 3 : 10;
const CONNECTIONS = 10;
const POINTS = 1000;
const AUTOCANNON_DIR = join(__dirname, '..', 'node_modules', 'autocannon');

/** Runs autocannon's API in a child process; each request's body logs POINTS new steps of `loss`. */
const DRIVER = `
const autocannon = require(process.argv[1]);
const [url, runId, seconds, connections, points] = process.argv.slice(2);
let n = 0;
autocannon({
  url, connections: Number(connections), duration: Number(seconds), method: 'POST', headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest(req) {
    const base = (n++) * Number(points);
    const metrics = [];
    for (let i = 0; i < Number(points); i++) metrics.push({ key: 'loss', value: Math.random(), timestamp: 1700000000000 + base + i, step: base + i });
    return { ...req, body: JSON.stringify({ run_id: runId, metrics }) };
  } }],
}, (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(JSON.stringify({ rps: r.requests.average, total: r.requests.total, ok: r['2xx'], p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));
});`;

interface Figures {
  rps: number;
  total: number;
  ok: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function load(url: string, runId: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', DRIVER, AUTOCANNON_DIR, url, runId, String(SECONDS), String(CONNECTIONS), String(POINTS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Figures) : reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`))));
  });
}

export const mlflowServerBench: Bench = {
  name: 'mlflowServer',
  async run(print) {
    const root = mkdtempSync(join(tmpdir(), 'sextant-bench-mlflow-server-'));
    try {
      const opened = Tracker.open(workspaceLayout(root), { create: true });
      if (!opened.ok) throw new Error(opened.error.message);
      const tracker = opened.value;
      print(`log-batch of ${POINTS} points per request; autocannon ${CONNECTIONS} connections × ${SECONDS} s, loopback, Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the start`);

      // The direct store ingest rate: the same batches through the Tracker, no HTTP.
      const direct = tracker.startRun({ experiment: 'bench', name: 'direct' });
      if (!direct.ok) throw new Error(direct.error.message);
      let written = 0;
      const until = performance.now() + SECONDS * 1000;
      const began = performance.now();
      while (performance.now() < until) {
        const points = Array.from({ length: POINTS }, (_, i) => ({ key: 'loss', value: Math.random(), step: written + i, timestamp: 1700000000000 + written + i }));
        const logged = tracker.logMetrics(direct.value.id, points);
        if (!logged.ok) throw new Error(logged.error.message);
        tracker.flush();
        written += POINTS;
      }
      const directSeconds = (performance.now() - began) / 1000;

      const server = await startMlflowServer({ tracker, host: '127.0.0.1', port: 0 });
      if (!server.ok) throw new Error(server.error.message);
      const run = tracker.startRun({ experiment: 'bench', name: 'http' });
      if (!run.ok) throw new Error(run.error.message);
      const f = await load(`${server.value.url}/api/2.0/mlflow/runs/log-batch`, run.value.id);
      await server.value.close();
      const stored = tracker.getRun(run.value.id);
      const count = stored.ok ? (stored.value.metrics.loss?.count ?? 0) : -1;
      print('| path | requests/s | points/s | p50 ms | p99 ms | non-2xx |');
      print('|---|---:|---:|---:|---:|---:|');
      print(`| POST runs/log-batch (HTTP) | ${Math.round(f.rps)} | ${Math.round(f.rps * POINTS)} | ${f.p50} | ${f.p99} | ${f.non2xx + f.errors} |`);
      print(`| Tracker.logMetrics + flush (direct) | ${Math.round(written / POINTS / directSeconds)} | ${Math.round(written / directSeconds)} | | | |`);
      // Requests still in flight when autocannon stops (at most one per connection) are written but not counted as answered.
      const whole = count % POINTS === 0 && count >= f.ok * POINTS && count <= (f.ok + CONNECTIONS) * POINTS;
      print(`(store holds ${count} points of the HTTP run; autocannon counted ${f.ok} answers of 200 = ${f.ok * POINTS} points, plus at most ${CONNECTIONS} requests in flight at the stop: ${whole ? 'none lost, no batch half-written' : 'MISMATCH'})`);
      tracker.close(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
