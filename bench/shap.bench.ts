// Kernel SHAP of one prediction against onnxruntime alone: the penguins-sized case (a linear ONNX model, one
// input per feature as `sextant eval` maps them) with 10 features (exact: 1022 coalitions) and 14 (sampled:
// 2·14 + 2048 draws), 100 background rows. "shap" is kernelShap with the model called as shapVersion calls it
// (coalition rows built in float64, converted per input by its feeds()); "bare" is session.run over pre-built
// float32 tensors of the same number of rows in the same chunk sizes (outputs dropped): the floor. Alternated,
// 7 passes each (3 with SEXTANT_BENCH_QUICK=1): medians and the median of the per-pair ratios.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelShap } from '../src/engine/explain/kernelShap';
import { feeds } from '../src/engine/explain/shapVersion';
import type { FeatureMapping } from '../src/engine/evaluate/mapping';
import { loadOnnxRuntime } from '../src/engine/native/load';
import { Rng } from '../src/engine/train/rng';
import { linearOnnx } from '../test/support/linearOnnx';
import { fmt, median, timeMsAsync, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const PASSES = QUICK ? 3 : 7;
const B = 100;

export const shapBench: Bench = {
  name: 'shap',
  async run(print) {
    const ort = loadOnnxRuntime();
    if (!ort.ok) throw new Error(ort.error.message);
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-shap-'));
    try {
      for (const F of [10, 14]) {
        const rng = new Rng(F);
        const names = Array.from({ length: F }, (_, i) => `x${i}`);
        const file = join(dir, `linear${F}.onnx`);
        writeFileSync(file, linearOnnx({ weights: names.map(() => rng.normal()), bias: [0.5], task: 'regression', inputs: { perFeature: names } }));
        const session = await ort.value.InferenceSession.create(file);
        const output = session.outputNames[0]!;
        const mapping: FeatureMapping = { by: 'name', inputs: names.map((name) => ({ input: { name, type: 'float32', width: 1, rank: 2 }, columns: [name] })) };
        const background = Float64Array.from({ length: B * F }, () => rng.normal());
        const x = Array.from({ length: F }, () => rng.normal());
        const chunks: number[] = [];
        const f = async (z: Float64Array, rows: number): Promise<Float64Array> => {
          chunks.push(rows);
          const out = (await session.run(feeds(ort.value, mapping, z, rows, F), [output]))[output]!;
          return Float64Array.from(out.data as Float32Array);
        };
        const shap = async (): Promise<void> => void (await kernelShap({ f, x, background, features: F, seed: 1 }));
        await shap();
        const sizes = chunks.splice(0);
        const rows = sizes.reduce((s, n) => s + n, 0);
        const prebuilt = sizes.map((n) => Object.fromEntries(names.map((name) => [name, new ort.value.Tensor('float32', Float32Array.from({ length: n }, () => rng.normal()), [n, 1])])));
        const bare = async (): Promise<void> => {
          for (const t of prebuilt) await session.run(t, [output]);
        };
        const shapMs: number[] = [];
        const bareMs: number[] = [];
        for (let p = 0; p < PASSES; p++) {
          bareMs.push(await timeMsAsync(bare));
          shapMs.push(await timeMsAsync(shap));
          chunks.length = 0;
        }
        const ratios = shapMs.map((s, i) => s / bareMs[i]!);
        print(`${F} features (${F <= 11 ? 'exact' : 'sampled'}), ${B} background rows: ${rows.toLocaleString('en')} model rows in ${sizes.length} calls; shap ${fmt(median(shapMs))}, bare session.run ${fmt(median(bareMs))}; shap/bare ${median(ratios).toFixed(2)}× (median of ${PASSES} pairs)`);
        await session.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
