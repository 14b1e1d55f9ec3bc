// Dataset profiles: `sextant data profile` on a generated CSV (8 columns: integers, floats, a small
// integer, a category, a boolean, a date-time, text with quoted commas, one stray "abc"), streamed.
// Figures: MB/s and peak RSS (process.resourceUsage().maxRSS), against an anchor in the same run: a bare
// fs.createReadStream of the same file counting newlines. The file is written to a temp folder and
// removed after. SEXTANT_BENCH_DATA_MB sets its size (default 1024); SEXTANT_BENCH_QUICK=1 makes it 64 MB.
// CPU seconds (all threads) are printed beside wall time: on a shared machine they say more about the code.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { partCount } from '../src/engine/data/profile/parallel';
import { profileDataFile } from '../src/engine/data/profile/profile';
import type { Bench } from './util';

const MB = 1 << 20;
const SIZE_MB = Number(process.env.SEXTANT_BENCH_DATA_MB ?? (process.env.SEXTANT_BENCH_QUICK ? 64 : 1024));
const CATEGORIES = ['adelie', 'gentoo', 'chinstrap', 'emperor', 'king', 'macaroni', 'rockhopper', 'little'];

/** Writes about `bytes` of CSV; returns the row count. */
export async function writeBenchCsv(path: string, bytes: number): Promise<number> {
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
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++, row++) {
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

export const dataBench: Bench = {
  name: 'data',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-data-'));
    try {
      const file = join(dir, 'bench.csv');
      const rows = await writeBenchCsv(file, SIZE_MB * MB);
      const size = statSync(file).size;
      print(`file: ${(size / MB).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows × 8 columns`);
      const rssBefore = process.resourceUsage().maxRSS / 1024;
      let start = process.hrtime.bigint();
      const newlines = await countNewlines(file);
      const anchorS = Number(process.hrtime.bigint() - start) / 1e9;
      print(`anchor: fs.createReadStream counting newlines: ${(size / MB / anchorS).toFixed(0)} MB/s (${anchorS.toFixed(2)} s, ${newlines.toLocaleString('en-US')} lines)`);
      print(`profile: ${partCount(size)} part(s) in parallel (${availableParallelism()} cores; SEXTANT_PROFILE_PARTS=1 profiles serially)`);
      start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const profile = await profileDataFile(file);
      const s = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      const cpuS = (used.user + used.system) / 1e6;
      if (!profile.ok) throw new Error(profile.error.message);
      const rss = process.resourceUsage().maxRSS / 1024;
      const x = profile.value.columns[1]!;
      print(`profile: ${(size / MB / s).toFixed(0)} MB/s (${s.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU: ${(size / MB / cpuS).toFixed(0)} MB per CPU-second), ${(anchorS / s).toFixed(2)}× the anchor's speed; peak RSS ${rss.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before)`);
      print(`check: ${profile.value.rows.toLocaleString('en-US')} rows; x is ${x.type} with ${x.strays?.count ?? 0} stray value(s) at line ${x.strays?.examples[0]?.line ?? '-'}; species distinct ${profile.value.columns[4]!.distinct.value}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
