// didChange → publishDiagnostics latency on a 1,000-stage pipeline (~10k lines), over stdio, for our
// server (all checks, no debounce) and for yaml-language-server 1.25 validating the same file against
// our generated JSON Schema (it waits a fixed 200 ms before validating: reported with and without).
// Then a burst of 500 edits sent at once (SEXTANT_BENCH_BURST): the time from the last edit to its
// diagnostics, how many versions the server analysed, and its memory before and after.
// SEXTANT_BENCH_STAGES and SEXTANT_BENCH_EDITS make it smaller while developing; SEXTANT_BENCH_ONLY_OURS=1
// skips yaml-language-server.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from '../test/support/lspClient';
import { fmt, median, percentile, timeMsAsync, type Bench } from './util';

const YLS_DELAY_MS = 200;
/** Edits before the measured ones (both servers), so that timings are of warmed-up code. */
const WARMUP = 10;

function bigPipeline(stages: number, broken = false): string {
  const lines = [
    'version: 1',
    'name: big',
    'params:',
    '  lr: 0.1',
    '  epochs: 10',
    '  seed: 7',
    'datasets:',
    '  train:',
    '    path: data/train.csv',
    '    label: y',
    'stages:',
  ];
  for (let i = 0; i < stages; i++) {
    lines.push(`  s${i}:`);
    const needs = i === 0 ? [] : i > 5 ? [`s${i - 1}`, `s${i - 5}`] : [`s${i - 1}`];
    if (needs.length) lines.push(`    needs: [${needs.join(', ')}]`);
    if (i % 10 === 3) {
      lines.push('    uses: sextant/train', '    with:', '      dataset: train', '      model: logistic-regression', '      lr: ${{ params.lr }}', `      out: models/m${i}.onnx`);
    } else if (i % 10 === 4) {
      lines.push('    uses: sextant/evaluate', '    with:', `      model: models/m${i - 1}.onnx`, '      dataset: train', '      seed: ${{ params.seed }}', '      split: 0.2');
    } else {
      lines.push(`    run: python step.py --lr \${{ params.${broken && i % 10 === 0 ? 'lrate' : 'lr'} }} --epochs \${{ params.epochs }} --i ${i}`, '    deps:', '      - step.py', '    outs:', `      - out/s${i}.csv`, '    env:', `      STAGE: s${i}`, '    resources: { cpu: 1 }');
    }
  }
  return `${lines.join('\n')}\n`;
}

interface Published {
  uri: string;
  version?: number;
  diagnostics: unknown[];
}

/** Opens the file, then times `edits` sequential one-character edits until diagnostics come back. */
async function measure(client: LspClient, uri: string, text: string, languageId: string, edits: number): Promise<{ samples: number[]; first: number; count: number; lines: string[]; next: number }> {
  const lines = text.split('\n');
  const t0 = performance.now();
  const opened = client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri, 60_000);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  let count = (await opened).diagnostics.length;
  const first = performance.now() - t0;
  const samples: number[] = [];
  const stageLines = lines.map((l, i) => (/--i \d+$/.test(l) ? i : -1)).filter((i) => i >= 0);
  for (let k = 0; k < WARMUP + edits; k++) {
    const line = stageLines[(k * 37) % stageLines.length]!;
    const character = lines[line]!.length;
    const version = k + 2;
    const published = client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri && (p.version === undefined || p.version === version), 60_000);
    const start = performance.now();
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: '0' }] });
    count = (await published).diagnostics.length;
    if (k >= WARMUP) samples.push(performance.now() - start);
    lines[line] += '0';
  }
  return { samples, first, count, lines, next: WARMUP + edits + 2 };
}

/** The server's resident memory (Linux), in MB. */
function rssMb(client: LspClient): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${client.proc.pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends `size` one-character edits as fast as possible; times the last one's diagnostics from when it was
 * sent. `spread`: each edit in another stage (every stage re-parsed), else all typed into one stage's line.
 */
async function burst(client: LspClient, uri: string, lines: string[], firstVersion: number, size: number, spread: boolean): Promise<{ latency: number; analysed: number }> {
  const analyses = (): number => client.stderr.join('').split('\n').filter((l) => l.startsWith('sextant-timing')).length;
  const before = analyses();
  const last = firstVersion + size - 1;
  const published = client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === last, 60_000);
  const stageLines = lines.map((l, i) => (/--i \d+/.test(l) ? i : -1)).filter((i) => i >= 0);
  for (let v = firstVersion; v <= last; v++) {
    const line = stageLines[spread ? (v * 37) % stageLines.length : Math.floor(stageLines.length / 2)]!;
    const character = lines[line]!.length;
    client.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: '0' }] });
    lines[line] += '0';
  }
  const sent = performance.now();
  await published;
  const latency = performance.now() - sent;
  await new Promise((r) => setTimeout(r, 200));
  return { latency, analysed: analyses() - before };
}

/**
 * The editor features on the open file (folding, selection ranges, links, semantic tokens, formatting): the
 * first request after the bursts (each segment read once) and the median of the next `repeats`.
 */
async function featureTimes(client: LspClient, uri: string, lines: string[], repeats = 5): Promise<string[]> {
  const middle = Math.floor(lines.length / 2);
  const requests: [string, string, unknown][] = [
    ['folding', 'textDocument/foldingRange', { textDocument: { uri } }],
    ['selection', 'textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: middle, character: 6 }] }],
    ['links', 'textDocument/documentLink', { textDocument: { uri } }],
    ['semantic tokens', 'textDocument/semanticTokens/full', { textDocument: { uri } }],
    ['formatting', 'textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }],
  ];
  const out: string[] = [];
  for (const [name, method, params] of requests) {
    let size = 0;
    const first = await timeMsAsync(async () => {
      const result = await client.request<unknown[] | { data: unknown[] }>(method, params, 60_000);
      size = Array.isArray(result) ? result.length : result.data.length / 5;
    });
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) samples.push(await timeMsAsync(async () => void (await client.request(method, params, 60_000))));
    out.push(`${name} ${fmt(first)} first, ${fmt(median(samples))} median (${size} ${name === 'formatting' ? 'edits' : 'items'})`);
  }
  return out;
}

export const lspBench: Bench = {
  name: 'lsp',
  async run(print) {
    const stages = Number(process.env.SEXTANT_BENCH_STAGES ?? 1000);
    const edits = Number(process.env.SEXTANT_BENCH_EDITS ?? 50);
    const root = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-lsp-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'train.csv'), 'x,y\n1,0\n');
    writeFileSync(join(dir, 'step.py'), '');
    const text = bigPipeline(stages);
    const file = join(dir, 'big.sextant.yaml');
    writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    print(`pipeline: ${stages} stages, ${text.split('\n').length - 1} lines, ${(text.length / 1024).toFixed(0)} KiB; ${edits} one-character edits in different stages, each awaited, after ${WARMUP} warm-up edits; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);

    const ours = LspClient.spawn(process.execPath, [resolve(root, 'dist/server.js'), '--stdio'], undefined, { ...process.env, SEXTANT_LSP_TIMING: '1' });
    await ours.initialize(pathToFileURL(dir).toString());
    const o = await measure(ours, uri, text, 'sextant-pipeline', edits);
    const rssBefore = rssMb(ours);
    const BURST = Number(process.env.SEXTANT_BENCH_BURST ?? 500);
    const bu = await burst(ours, uri, o.lines, o.next, BURST, false);
    const rssAfter = rssMb(ours);
    const bs = await burst(ours, uri, o.lines, o.next + BURST, BURST, true);
    const rssAfterSpread = rssMb(ours);
    const features = await featureTimes(ours, uri, o.lines);
    await ours.stop();
    const op50 = percentile(o.samples, 50);
    const op95 = percentile(o.samples, 95);
    print(`sextant server:      open ${fmt(o.first)}; didChange→diagnostics p50 ${fmt(op50)}, p95 ${fmt(op95)}, max ${fmt(Math.max(...o.samples))} (${o.count} diagnostics; no debounce; target p95 < 30 ms)`);
    print(`burst of ${BURST} edits sent at once, typed into one stage: last edit → its diagnostics ${fmt(bu.latency)} (target ≤ 100 ms), ${bu.analysed} versions analysed${rssBefore !== undefined && rssAfter !== undefined ? `; RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB (${(rssAfter / rssBefore).toFixed(2)}×, target ≤ 1.5×)` : ''}`);
    print(`burst of ${BURST} edits sent at once, each in another stage (all re-parsed): last edit → its diagnostics ${fmt(bs.latency)}, ${bs.analysed} versions analysed${rssBefore !== undefined && rssAfterSpread !== undefined ? `; RSS ${rssAfterSpread.toFixed(0)} MB (${(rssAfterSpread / rssBefore).toFixed(2)}× before the bursts)` : ''}`);
    print(`editor features on the ${stages}-stage file: ${features.join('; ')}`);
    const inServer = ours.stderr
      .join('')
      .split('\n')
      .map((l) => /^sextant-timing .* v(\d+) ([\d.]+) ms/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) > 1 + WARMUP && Number(m[1]) < o.next)
      .map((m) => Number(m[2]));
    // the same with a hundred errors (every tenth stage reads an undefined param), for the cost of publishing them
    const brokenFile = join(dir, 'broken.sextant.yaml');
    const brokenText = bigPipeline(stages, true);
    writeFileSync(brokenFile, brokenText);
    const ours2 = LspClient.spawn(process.execPath, [resolve(root, 'dist/server.js'), '--stdio']);
    await ours2.initialize(pathToFileURL(dir).toString());
    const b = await measure(ours2, pathToFileURL(brokenFile).toString(), brokenText, 'sextant-pipeline', edits);
    await ours2.stop();
    if (inServer.length > 0) print(`  of which parse + checks inside the server: p50 ${fmt(percentile(inServer, 50))}, p95 ${fmt(percentile(inServer, 95))} (the rest is JSON-RPC and process scheduling)`);

    print(`sextant server, ${b.count} errors in the file: p50 ${fmt(percentile(b.samples, 50))}, p95 ${fmt(percentile(b.samples, 95))}`);
    if (process.env.SEXTANT_BENCH_ONLY_OURS) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    const yls = LspClient.spawn(process.execPath, [resolve(root, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio']);
    const schemaUri = pathToFileURL(resolve(root, 'schemas/sextant-pipeline.schema.json')).toString();
    const settings = { yaml: { validate: true, hover: false, completion: false, format: { enable: false }, schemas: { [schemaUri]: ['*.sextant.yaml', 'sextant.yaml'] }, schemaStore: { enable: false } } };
    yls.configuration = settings.yaml;
    await yls.initialize(pathToFileURL(dir).toString(), { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } });
    yls.notify('workspace/didChangeConfiguration', { settings });
    const t = await measure(yls, uri, text, 'yaml', edits);
    await yls.stop();
    const tp50 = percentile(t.samples, 50);
    const tp95 = percentile(t.samples, 95);
    print(`yaml-language-server: open ${fmt(t.first)}; didChange→diagnostics p50 ${fmt(tp50)}, p95 ${fmt(tp95)} (${t.count} diagnostics; includes its fixed ${YLS_DELAY_MS} ms delay)`);
    print(`yaml-language-server without the delay: p50 ${fmt(tp50 - YLS_DELAY_MS)}, p95 ${fmt(tp95 - YLS_DELAY_MS)}`);
    rmSync(dir, { recursive: true, force: true });
    print(`ratio ours/theirs p95: ${(op95 / tp95).toFixed(3)} with their delay, ${(op95 / Math.max(0.001, tp95 - YLS_DELAY_MS)).toFixed(3)} without (target ≤ 0.1; ours p95 target < 30 ms)`);
  },
};
