// Dataset profiles: `sextant data profile` on a generated CSV (8 columns: integers, floats, a small
// integer, a category, a boolean, a date-time, text with quoted commas, one stray "abc"), streamed.
// Figures: MB/s wall, MB per CPU-second (all threads: on a shared machine it says more about the code
// than wall time) and peak RSS (process.resourceUsage().maxRSS, threads included), against anchors run
// on the same file in the same run: `wc -l`, and a bare fs.createReadStream counting newlines. The load
// (os.loadavg) is printed before and after. Then dataset version registration (`sextant data add`) of a
// 1M-row CSV of the same shape into a fresh store, split into its parts: the content hash, the profile,
// and the rest (schema and the write). The files are written to a temp folder and removed after.
// SEXTANT_BENCH_DATA_MB sets the profile file's size (default 1024); SEXTANT_BENCH_QUICK=1 makes it 64 MB.
// SEXTANT_BENCH_DATA_SERIAL=1 also profiles the file serially (one thread).
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { partCount } from '../src/engine/data/profile/parallel';
import { profileDataFile } from '../src/engine/data/profile/profile';
import { registerDatasetVersion } from '../src/engine/data/versions/register';
import { Hasher } from '../src/engine/runner/hash';
import { openStore } from '../src/engine/store/open';
import type { Bench } from './util';

const MB = 1 << 20;
const SIZE_MB = Number(process.env.SEXTANT_BENCH_DATA_MB ?? (process.env.SEXTANT_BENCH_QUICK ? 64 : 1024));
const CATEGORIES = ['adelie', 'gentoo', 'chinstrap', 'emperor', 'king', 'macaroni', 'rockhopper', 'little'];

/** Writes about `bytes` of CSV (or exactly `maxRows` rows); returns the row count. */
export async function writeBenchCsv(path: string, bytes: number, maxRows = Infinity): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let row = 0;
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const t0 = Date.UTC(2024, 0, 1);
  written += out.write('id,x,y,count,species,flag,when,name\n') ? 0 : 0;
  while (written < bytes && row < maxRows) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000 && row < maxRows; i++, row++) {
      const x = row === 123_457 ? 'abc' : (rand() * 100 - 50).toFixed(6);
      const name = row % 100 === 0 ? `"Smith, J${row % 977}"` : `user_${Math.floor(rand() * 50_000)}`;
      lines.push(`${row},${x},${(rand() * rand() * 1e4).toFixed(3)},${Math.floor(rand() * 10)},${CATEGORIES[row % 8]},${rand() < 0.5 ? 'true' : 'false'},${new Date(t0 + row * 1000).toISOString()},${name}`);
    }
    const chunk = `${lines.join('\n')}\n`;
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return row;
}

async function countNewlines(path: string): Promise<number> {
  let n = 0;
  for await (const data of createReadStream(path, { highWaterMark: 1 << 22 })) {
    const buf = data as Buffer;
    for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) n++;
  }
  return n;
}

const load = (): string => `load ${loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min) on ${availableParallelism()} cores`;
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

async function profileFigures(file: string, size: number, anchorS: number, print: (line: string) => void, label: string): Promise<void> {
  // The process's peak RSS also holds what writing the file took: the RSS sampled during the profile says what it holds.
  const rssAtStart = process.memoryUsage.rss() / MB;
  let rssMax = rssAtStart;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss() / MB)), 50);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const profile = await profileDataFile(file);
  const s = seconds(start);
  const cpuS = cpuSeconds(cpu);
  clearInterval(sampler);
  if (!profile.ok) throw new Error(profile.error.message);
  const rss = process.resourceUsage().maxRSS / 1024;
  print(`${label}: ${(size / MB / s).toFixed(1)} MB/s wall (${s.toFixed(2)} s), ${(size / MB / cpuS).toFixed(1)} MB per CPU-second (${cpuS.toFixed(2)} s CPU), ${(anchorS / s).toFixed(2)}× the read anchor's speed; RSS during it (sampled every 50 ms) at most ${rssMax.toFixed(0)} MB (${rssAtStart.toFixed(0)} MB at its start); the process's peak RSS so far ${rss.toFixed(0)} MB`);
  const x = profile.value.columns[1]!;
  print(`  check: ${profile.value.rows.toLocaleString('en-US')} rows; x is ${x.type} with ${x.strays?.count ?? 0} stray value(s) at line ${x.strays?.examples[0]?.line ?? '-'}; species distinct ${profile.value.columns[4]!.distinct.value}`);
}

export const dataBench: Bench = {
  name: 'data',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-data-'));
    try {
      print(load());
      const file = join(dir, 'bench.csv');
      const rows = await writeBenchCsv(file, SIZE_MB * MB);
      const size = statSync(file).size;
      print(`file: ${(size / MB).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows × 8 columns`);
      const rssBefore = process.resourceUsage().maxRSS / 1024;
      let start = process.hrtime.bigint();
      const wc = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
      const wcS = seconds(start);
      if (wc.status === 0) print(`anchor: wc -l: ${(size / MB / wcS).toFixed(0)} MB/s (${wcS.toFixed(2)} s, ${wc.stdout.trim().split(/\s+/)[0]} lines)`);
      start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const newlines = await countNewlines(file);
      const anchorS = seconds(start);
      const anchorCpu = cpuSeconds(cpu);
      print(`anchor: fs.createReadStream counting newlines: ${(size / MB / anchorS).toFixed(0)} MB/s (${anchorS.toFixed(2)} s, ${(size / MB / anchorCpu).toFixed(0)} MB per CPU-second, ${newlines.toLocaleString('en-US')} lines)`);
      print(`profile: ${partCount(size)} part(s) in parallel (SEXTANT_PROFILE_PARTS=1 profiles serially); RSS before ${rssBefore.toFixed(0)} MB`);
      await profileFigures(file, size, anchorS, print, 'profile');
      if (process.env.SEXTANT_BENCH_DATA_SERIAL) {
        process.env.SEXTANT_PROFILE_PARTS = '1';
        try {
          await profileFigures(file, size, anchorS, print, 'profile, serial');
        } finally {
          delete process.env.SEXTANT_PROFILE_PARTS;
        }
      }
      print(load());
      rmSync(file);

      // `sextant data add` of a 1M-row CSV: hash, profile, then schema and the write, each timed.
      const million = join(dir, 'million.csv');
      await writeBenchCsv(million, Infinity, 1_000_000);
      const mSize = statSync(million).size;
      print(`register: ${(mSize / MB).toFixed(0)} MB, 1,000,000 rows`);
      start = process.hrtime.bigint();
      await new Hasher().path(million);
      const hashS = seconds(start);
      start = process.hrtime.bigint();
      const profiled = await profileDataFile(million);
      const profileS = seconds(start);
      if (!profiled.ok) throw new Error(profiled.error.message);
      const store = openStore(join(dir, '.sextant', 'sextant.db'), { create: true });
      if (!store.ok) throw new Error(store.error.message);
      try {
        start = process.hrtime.bigint();
        const registered = await registerDatasetVersion(store.value, { name: 'bench', file: million, root: dir });
        const totalS = seconds(start);
        if (!registered.ok) throw new Error(registered.error.message);
        start = process.hrtime.bigint();
        const again = await registerDatasetVersion(store.value, { name: 'bench', file: million, root: dir });
        const againS = seconds(start);
        if (!again.ok || again.value.created) throw new Error('re-registering the same content wrote a version');
        print(`register: ${totalS.toFixed(2)} s in all: hash ${hashS.toFixed(2)} s, profile ${profileS.toFixed(2)} s (each measured alone before), the rest (schema, write) about ${Math.max(0, totalS - hashS - profileS).toFixed(2)} s; again with the same content (a no-op): ${againS.toFixed(2)} s`);
      } finally {
        store.value.close();
      }
      print(load());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
