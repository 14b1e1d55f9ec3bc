// Serving the demo model (penguin-species, 4 features → 3 classes) on loopback under autocannon (npm, run as
// its own process so the load generator does not share the server's event loop): sustained requests/s and
// latency percentiles for one row per request, a batch of 32 rows, and with the prediction log on and off;
// the anchor, in the same run on the same server, is a fastify hello-world route (what the framework alone
// answers on this machine). 10 connections, 10 s each (SEXTANT_BENCH_QUICK=1: 3 s).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyPolicy } from '../src/engine/data/pii/protect';
import { loadServedModel, resolveModel } from '../src/engine/serve/model';
import { startServer } from '../src/engine/serve/server';
import { openStore } from '../src/engine/store/open';
import { workspaceLayout } from '../src/engine/workspace/layout';
import type { Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const SECONDS = QUICK ? 3 : 10;
const CONNECTIONS = 10;
const AUTOCANNON = join(__dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function autocannon(url: string, body?: string): Promise<Figures> {
  const args = [AUTOCANNON, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  if (body) args.push('-m', 'POST', '-H', 'content-type=application/json', '-b', body);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

/** The demo workspace, its pipeline run by the bundled CLI (dist/cli.js: `npm run bench` builds it first). */
function demo(root: string): void {
  const cli = join(__dirname, 'cli.js');
  for (const args of [['init', root], ['run']]) {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sextant ${args[0]} failed: ${r.stderr.slice(-500)}`);
  }
}

export const serveBench: Bench = {
  name: 'serve',
  async run(print) {
    const root = mkdtempSync(join(tmpdir(), 'sextant-bench-serve-'));
    try {
      demo(root);
      const layout = workspaceLayout(root);
      const opened = openStore(layout.storePath);
      if (!opened.ok) throw new Error(opened.error.message);
      const db = opened.value;
      const ref = resolveModel('penguin-species@staging', root, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
      if (!ref.ok) throw new Error(ref.error.message);
      const [header, ...lines] = readFileSync(join(root, 'data', 'penguins.csv'), 'utf8').trim().split('\n');
      const cols = header!.split(',');
      const features = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
      const rows = lines.map((l) => l.split(',')).filter((c) => features.every((f) => c[cols.indexOf(f)] !== '')).map((c) => features.map((f) => Number(c[cols.indexOf(f)])));
      const one = JSON.stringify({ instances: rows.slice(0, 1) });
      const batch = JSON.stringify({ instances: rows.slice(0, 32) });
      const objects = JSON.stringify({ inputs: rows.slice(0, 1).map((r) => Object.fromEntries(features.map((f, i) => [f, r[i]]))) });
      print(`demo model penguin-species v1; autocannon ${CONNECTIONS} connections × ${SECONDS} s per line, loopback, Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the start`);
      print('| route | requests/s | rows/s | p50 ms | p99 ms | non-2xx |');
      print('|---|---:|---:|---:|---:|---:|');
      const line = (name: string, f: Figures, perRequest: number): void => print(`| ${name} | ${Math.round(f.rps)} | ${Math.round(f.rps * perRequest)} | ${f.p50} | ${f.p99} | ${f.non2xx + f.errors} |`);
      for (const logging of [true, false]) {
        const loaded = await loadServedModel(ref.value);
        if (!loaded.ok) throw new Error(loaded.error.message);
        const server = await startServer({ model: loaded.value, host: '127.0.0.1', port: 0, db, logPredictions: logging, policy: emptyPolicy(), configure: (app) => app.get('/hello', () => ({ hello: 'world' })) });
        if (!server.ok) throw new Error(server.error.message);
        const url = server.value.url;
        await Promise.all([autocannon(`${url}/hello`), autocannon(`${url}/predict`, one)]); // warm-up
        if (logging) line('GET /hello (fastify anchor)', await autocannon(`${url}/hello`), 0);
        const suffix = logging ? '' : ', log off';
        line(`POST /predict, 1 row${suffix}`, await autocannon(`${url}/predict`, one), 1);
        if (logging) line('POST /predict, 1 row as {inputs}', await autocannon(`${url}/predict`, objects), 1);
        line(`POST /predict, 32 rows${suffix}`, await autocannon(`${url}/predict`, batch), 32);
        await server.value.close();
        if (logging) print(`(prediction log: ${server.value.log?.written ?? 0} requests written to the store during the runs above, ${server.value.log?.dropped ?? 0} dropped)`);
      }
      db.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
