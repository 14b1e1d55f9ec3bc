// Evaluation throughput against bare onnxruntime: an MLP (20 features → 64 → 32 → 3 classes, random
// weights, exported by Sextant's ONNX writer) on 100k rows of a CSV, fed in batches of 1024. "bare" is
// session.run over pre-built Float32Array batches (tensor views, outputs dropped), once as a plain
// session.run (every output: probabilities, label index and the class names as strings) and once fetching
// only "probabilities", as the evaluation does; "evaluation" is the evaluation pass of `sextant eval`
// (src/engine/evaluate: tensor views of the mapped inputs, the probabilities copied out), all on the same
// session options (CPU here) and the same batches, each pass on a session of its own warmed up with one
// batch (as the evaluation does; one session at a time), alternated, 21 passes (11 QUICK)
// each: the medians, and the median of the ratios of each evaluation pass to the bare pass just before it
// (pairs see the same load on a busy machine). Before every pass the heap is collected (node --expose-gc,
// as `npm run bench` runs): a timed pass lasts only ~20-50 ms, so one major GC of the previous evaluation's
// garbage (its metrics and curves over 100k rows) landing in it halved the figure of whichever evaluation
// followed another one (profiled with --trace-gc: the low passes were the odd ones, where evaluation runs
// right after the previous evaluation). Also printed: the best pass of each (the least disturbed by other
// processes). Target: evaluation ≥ 90% of bare rows/s. Also printed: the whole `evaluateModel` (reading the CSV,
// metrics, curves, latency runs), and the evaluation's batch step alternated batch by batch with bare
// session.run on one session (the ratio of median batch times: the figure load cannot blur).
// SEXTANT_BENCH_QUICK=1 runs 50k rows.
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readEvalData, selectRows } from '../src/engine/evaluate/feed';
import { evaluateData, evaluateModel, evaluationBatch, loadEvalModel } from '../src/engine/evaluate/run';
import { loadOnnxRuntime } from '../src/engine/native/load';
import type { FittedModel } from '../src/engine/train/model';
import { exportOnnx } from '../src/engine/train/onnx/export';
import { Rng } from '../src/engine/train/rng';
import { fmt, median, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const ROWS = QUICK ? 50_000 : 100_000;
const F = 20;
const BATCH = 1024;
const PASSES = QUICK ? 11 : 21;
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

function randomMlp(rng: Rng): FittedModel {
  const dense = (inputs: number, outputs: number, activation: 'relu' | 'softmax') => ({ inputs, outputs, activation, weights: Array.from({ length: inputs * outputs }, () => rng.normal() / Math.sqrt(inputs)), bias: Array.from({ length: outputs }, () => rng.normal() * 0.1) });
  return {
    kind: 'mlp',
    features: Array.from({ length: F }, (_, i) => `x${i}`),
    label: 'y',
    classes: ['a', 'b', 'c'],
    scaler: { mean: new Array<number>(F).fill(0), scale: new Array<number>(F).fill(1) },
    layers: [dense(F, 64, 'relu'), dense(64, 32, 'relu'), dense(32, 3, 'softmax')],
    training: { seed: 0, rows: 0, droppedRows: 0, holdout: null, epochs: 0, lr: 0, batchSize: 0, l2: 0, finalLoss: 0 },
  };
}

async function writeCsv(file: string, rng: Rng): Promise<void> {
  const out = createWriteStream(file);
  let chunk = `${[...Array.from({ length: F }, (_, i) => `x${i}`), 'y'].join(',')}\n`;
  for (let r = 0; r < ROWS; r++) {
    const row = Array.from({ length: F }, () => rng.normal().toFixed(4));
    row.push(['a', 'b', 'c'][Math.floor(rng.next() * 3)]!);
    chunk += `${row.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export const evaluateBench: Bench = {
  name: 'evaluate',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-eval-'));
    try {
      const rng = new Rng(5);
      const modelFile = join(dir, 'mlp.onnx');
      const dataFile = join(dir, 'data.csv');
      writeFileSync(modelFile, exportOnnx(randomMlp(rng)));
      await writeCsv(dataFile, rng);
      print(`MLP ${F} → 64 → 32 → 3 on ${ROWS.toLocaleString('en')} rows, batches of ${BATCH}, CPU${QUICK ? ' (QUICK)' : ''}`);

      const model = loadEvalModel(modelFile);
      if (!model.ok) throw new Error(model.error.message);
      const raw = await readEvalData(model.value, dataFile, 'y');
      if (!raw.ok) throw new Error(raw.error.message);
      const data = selectRows(model.value, raw.value, 'y');
      if (!data.ok) throw new Error(data.error.message);
      const x = data.value.arrays[0] as Float32Array;

      const ort = loadOnnxRuntime();
      if (!ort.ok) throw new Error(ort.error.message);
      // Like the evaluation, each pass opens its own session, warms it up with one batch, runs, releases it.
      const bare = async (fetches?: string[]): Promise<number> => {
        const session = await ort.value.InferenceSession.create(model.value.bytes, { executionProviders: ['cpu'] });
        const batch = (start: number) => ({ input: new ort.value.Tensor('float32', x.subarray(start * F, Math.min(ROWS, start + BATCH) * F), [Math.min(ROWS, start + BATCH) - start, F]) });
        await session.run(batch(0), fetches ?? session.outputNames);
        const t = performance.now();
        for (let start = 0; start < ROWS; start += BATCH) await (fetches ? session.run(batch(start), fetches) : session.run(batch(start)));
        const rate = ROWS / ((performance.now() - t) / 1000);
        await session.release();
        return rate;
      };
      const plainRates: number[] = [];
      const bareRates: number[] = [];
      const evalRates: number[] = [];
      const evaluation = async (): Promise<number> => {
        const ev = await evaluateData(model.value, data.value, 'y', { model: { file: modelFile }, gpus: [], batchSize: BATCH, latencyBatchSizes: [] });
        if (!ev.ok) throw new Error(ev.error.message);
        return ev.value.result.rows_per_second;
      };
      for (let i = 0; i < PASSES; i++) {
        // Alternate which goes first, so neither always follows the other.
        if (i % 2) {
          collect();
          evalRates.push(await evaluation());
        }
        collect();
        plainRates.push(await bare());
        collect();
        bareRates.push(await bare(['probabilities']));
        if (i % 2 === 0) {
          collect();
          evalRates.push(await evaluation());
        }
      }
      const b = median(bareRates);
      const e = median(evalRates);
      const k = (rates: number[]): string => `(median of ${PASSES}: ${rates.map((r) => Math.round(r / 1000)).join(', ')} k)`;
      print(`bare session.run, every output:   ${Math.round(median(plainRates)).toLocaleString('en')} rows/s ${k(plainRates)}`);
      print(`bare session.run, probabilities:  ${Math.round(b).toLocaleString('en')} rows/s ${k(bareRates)}`);
      print(`evaluation pass:                  ${Math.round(e).toLocaleString('en')} rows/s ${k(evalRates)}`);
      const paired = median(evalRates.map((r, i) => r / bareRates[i]!));
      print(`ratio evaluation / bare (probabilities): ${((e / b) * 100).toFixed(1)}% of the medians, ${(paired * 100).toFixed(1)}% paired (target ≥ 90%); / plain session.run: ${((e / median(plainRates)) * 100).toFixed(1)}%`);
      print(`best pass: evaluation ${Math.round(Math.max(...evalRates)).toLocaleString('en')} rows/s, bare (probabilities) ${Math.round(Math.max(...bareRates)).toLocaleString('en')} rows/s: ${((Math.max(...evalRates) / Math.max(...bareRates)) * 100).toFixed(1)}%${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: passes not preceded by a collection)'}`);

      // Batch by batch on one session: the evaluation's own batch step (evaluationBatch: tensor views of the mapped
      // inputs, the scored output) alternated with a bare session.run of the same rows, so both see the same load
      // at the same moment; the ratio of the median batch times is the figure a busy machine cannot blur.
      {
        const session = await ort.value.InferenceSession.create(model.value.bytes, { executionProviders: ['cpu'] });
        const rows = (start: number): number => Math.min(ROWS, start + BATCH) - start;
        await session.run({ input: new ort.value.Tensor('float32', x.subarray(0, BATCH * F), [BATCH, F]) }, ['probabilities']);
        const bareTimes: number[] = [];
        const evalTimes: number[] = [];
        for (let rep = 0; rep < 5; rep++) {
          for (let start = 0, i = 0; start < ROWS; start += BATCH, i++) {
            for (const which of (i + rep) % 2 ? ['bare', 'eval'] : ['eval', 'bare']) {
              const t0 = performance.now();
              if (which === 'bare') await session.run({ input: new ort.value.Tensor('float32', x.subarray(start * F, (start + rows(start)) * F), [rows(start), F]) }, ['probabilities']);
              else await evaluationBatch(ort.value, session, model.value, data.value, start, start + rows(start));
              (which === 'bare' ? bareTimes : evalTimes).push(performance.now() - t0);
            }
          }
        }
        await session.release();
        const mb = median(bareTimes);
        const me = median(evalTimes);
        print(`interleaved batch by batch (${evalTimes.length} batches each): bare ${mb.toFixed(3)} ms, evaluation ${me.toFixed(3)} ms per batch of ${BATCH}: ${((mb / me) * 100).toFixed(1)}% (target ≥ 90%)`);
      }

      const t = performance.now();
      const whole = await evaluateModel({ model: { file: modelFile }, data: dataFile, gpus: [] });
      if (!whole.ok) throw new Error(whole.error.message);
      const total = performance.now() - t;
      const r = whole.value.result;
      print(`whole evaluateModel (read CSV, run, metrics, curves, latency runs): ${fmt(total)}; single-row p50 ${r.latency_ms.p50.toFixed(3)} ms, p99 ${r.latency_ms.p99.toFixed(3)} ms; batch 32 p50 ${r.latency[1]!.p50.toFixed(3)} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
