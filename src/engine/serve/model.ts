// The model a server answers with: found by `NAME@ALIAS`, `NAME@N` (the registered file in the artifact
// store) or a path to an `.onnx` file; its signature read and checked for serving, its onnxruntime
// session created, all before the server listens, so a missing, truncated or unservable file is an error
// at start, never a failing request. `predict` feeds validated rows and returns each row's outputs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxRuntime } from '../native/load';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { blobPath } from '../tracking/artifacts';
import { METADATA_KEY } from '../train/onnx/export';
import { readOnnxMetadata } from '../train/onnx/metadata';
import { readOnnxSignature } from '../train/onnx/signature';
import { FittedModelSchema } from '../train/model';
import type { Value } from './request';
import { servingSpec, type ServingSpec } from './spec';

export interface ModelRef {
  /** The model's name (a file's name without `.onnx`). */
  name: string;
  /** The registered version, null for a file. */
  version: number | null;
  /** `@staging` when found by alias. */
  alias: string | null;
  file: string;
}

const REF = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@([A-Za-z0-9_.-]+)$/;

/** Whether the argument names a registered model (`name@alias`, `name@3`) rather than a file. */
export function isModelRef(text: string): boolean {
  return REF.test(text) && !text.endsWith('.onnx');
}

/** Finds the file of `NAME@ALIAS`, `NAME@N` in the store, or of a `.onnx` path relative to `cwd`. */
export function resolveModel(text: string, cwd: string, store: { db: Database | undefined; file: string; artifactsDir: string }): Result<ModelRef> {
  const m = REF.exec(text);
  if (!m || text.endsWith('.onnx')) {
    const file = resolve(cwd, text);
    if (!existsSync(file)) return fail({ code: 'model-missing', file, message: `No such model file${m ? '' : ` (and "${text}" is not NAME@ALIAS or NAME@VERSION)`}.` });
    return ok({ name: basename(file, extname(file)), version: null, alias: null, file });
  }
  const [, name, which] = m as unknown as [string, string, string];
  if (!store.db) return fail({ code: 'registry-unavailable', file: store.file, message: `${text} names a registered model, but this workspace has no store yet.`, fix: 'Run the pipeline that registers it, or give a path to an .onnx file.' });
  const byVersion = /^\d+$/.test(which);
  const row = (byVersion
    ? store.db.prepare('SELECT v.version, v.artifact_sha256 AS sha FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.version = ?').get(name, Number(which))
    : store.db.prepare('SELECT v.version, v.artifact_sha256 AS sha FROM model_aliases a JOIN models m ON m.id = a.model_id JOIN model_versions v ON v.id = a.model_version_id WHERE m.name = ? AND a.alias = ?').get(name, which)) as { version: number; sha: string | null } | undefined;
  if (!row) {
    const known = store.db.prepare('SELECT 1 FROM models WHERE name = ?').get(name) !== undefined;
    return fail({ code: 'model-version-unknown', file: store.file, message: known ? `Model "${name}" has no ${byVersion ? `version ${which}` : `alias "${which}"`}.` : `No model named "${name}" is registered.`, fix: 'See `sextant models list` or the Models view.' });
  }
  if (!row.sha) return fail({ code: 'model-no-file', file: store.file, message: `${text} (version ${row.version}) has no stored file.` });
  const file = blobPath(store.artifactsDir, row.sha);
  if (!existsSync(file)) return fail({ code: 'model-missing', file, message: `The stored file of ${text} (version ${row.version}) is missing from the artifact store.` });
  return ok({ name, version: row.version, alias: byVersion ? null : which, file });
}

export interface ServedModel {
  ref: ModelRef;
  sha256: string;
  spec: ServingSpec;
  /** The outputs of each row: output name → that row's value (a number, a string, or an array of them). */
  predict(rows: Value[][]): Promise<Record<string, unknown>[]>;
  release(): Promise<void>;
}

type Ort = typeof import('onnxruntime-node');

function feeds(ort: Ort, spec: ServingSpec, rows: Value[][]): Record<string, Tensor> {
  const n = rows.length;
  const tensor = (dtype: ServingSpec['features'][number]['dtype'], values: Value[], dims: number[]): Tensor => {
    switch (dtype) {
      case 'float32':
        return new ort.Tensor('float32', Float32Array.from(values, (v) => (v === null ? NaN : (v as number))), dims);
      case 'float64':
        return new ort.Tensor('float64', Float64Array.from(values, (v) => (v === null ? NaN : (v as number))), dims);
      case 'int32':
        return new ort.Tensor('int32', Int32Array.from(values as number[]), dims);
      case 'int64':
        return new ort.Tensor('int64', BigInt64Array.from(values as number[], (v) => BigInt(v)), dims);
      case 'bool':
        return new ort.Tensor('bool', Uint8Array.from(values as boolean[], (v) => (v ? 1 : 0)), dims);
      case 'string':
        return new ort.Tensor('string', values as string[], dims);
    }
  };
  if (spec.layout === 'matrix') return { [spec.input!]: tensor(spec.features[0]!.dtype, rows.flat(), [n, spec.features.length]) };
  return Object.fromEntries(spec.features.map((f, c) => [f.name, tensor(f.dtype, rows.map((r) => r[c]!), spec.columnRank[c] === 2 ? [n, 1] : [n])]));
}

/** A tensor's values as JSON-able numbers, strings or booleans (int64 as numbers). */
function plain(t: Tensor): unknown[] {
  const data = t.data as ArrayLike<unknown>;
  if (t.type === 'int64' || t.type === 'uint64') return Array.from(data as ArrayLike<bigint>, (v) => Number(v));
  if (t.type === 'bool') return Array.from(data as ArrayLike<number>, (v) => v !== 0);
  return Array.from(data);
}

/** Splits each output along its first axis: one value per row for [N], an array per row for [N, K]. */
function byRow(outputs: Record<string, Tensor>, names: string[], n: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const name of names) {
    const t = outputs[name]!;
    const values = plain(t);
    const per = t.dims.length <= 1 ? 1 : values.length / n;
    for (let r = 0; r < n; r++) rows[r]![name] = t.dims.length <= 1 ? values[r] : values.slice(r * per, (r + 1) * per);
  }
  return rows;
}

/** Loads the model for serving: an error (before any port is opened) when it cannot be read, served or run. */
export async function loadServedModel(ref: ModelRef): Promise<Result<ServedModel>> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(ref.file);
  } catch (err) {
    return fail({ code: 'model-unreadable', file: ref.file, message: `Cannot read the model: ${(err as Error).message}` });
  }
  const signature = readOnnxSignature(bytes);
  if (!signature.ok) return fail({ ...signature.error, file: ref.file, message: `${signature.error.message} (is the file complete? a truncated download reads like this)` });
  let features: string[] | null = null;
  try {
    const raw = readOnnxMetadata(bytes)[METADATA_KEY];
    features = raw ? (FittedModelSchema.safeParse(JSON.parse(raw)).data?.features ?? null) : null;
  } catch {
    features = null;
  }
  const spec = servingSpec(signature.value, features);
  if (!spec.ok) return fail({ ...spec.error, file: ref.file });
  const ort = loadOnnxRuntime();
  if (!ort.ok) return ort;
  let session: InferenceSession;
  try {
    // One thread per run: concurrent requests run side by side on libuv's pool, where a run spreading a
    // small batch over every core would spin threads the other requests need.
    session = await ort.value.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    return fail({ code: 'model-invalid', file: ref.file, message: `onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]}`, fix: 'Check the file is complete (compare its size or hash with the original), or re-export it.' });
  }
  const names = spec.value.outputs.map((o) => o.name);
  const runtime = ort.value;
  return ok({
    ref,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    spec: spec.value,
    async predict(rows) {
      const out = await session.run(feeds(runtime, spec.value, rows), names);
      return byRow(out, names, rows.length);
    },
    release: () => session.release(),
  });
}
