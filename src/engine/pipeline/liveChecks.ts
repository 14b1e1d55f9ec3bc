// Checks against things outside the file, slower than the per-keystroke ones, run after them (the
// language server a moment after typing stops; `sextant lint` before printing):
//  - an ONNX model read by `sextant/evaluate` whose input does not fit the dataset's feature columns
//    (onnxruntime-node reads the input signature; Sextant-trained models also name their features);
//  - a registered model `name@alias` that the workspace store does not have;
//  - a dataset pinned to a version the store does not have, or whose file changed since (versionPins.ts);
//  - a `sextant/train` model that cannot do the task its dataset's label points to (trainTask.ts).
// Native modules are loaded lazily (src/engine/native/load.ts); when one cannot load, its check is
// skipped, never failed.
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { loadBetterSqlite3, loadOnnxRuntime } from '../native/load';
import { METADATA_KEY } from '../train/onnx/export';
import { readOnnxMetadata } from '../train/onnx/metadata';
import { workspaceLayout } from '../workspace/layout';
import type { Analysis } from './analyze';
import type { Finding } from './diagnostics';
import type { PipelineHost } from './host';
import { versionPinFindings } from './versionPins';
import { trainTaskGuess } from './trainTask';

interface LiveCheckOptions {
  /** The workspace store (default: `.sextant/sextant.db` in the pipeline's folder). */
  storePath?: string;
}

interface Signature {
  inputs: { name: string; shape: readonly (number | string)[] }[];
  features?: string[];
}

const signatureCache = new Map<string, { mtimeMs: number; value: Signature | { error: string } }>();

async function onnxSignature(file: string): Promise<Signature | { error: string } | undefined> {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const hit = signatureCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.value;
  const ort = loadOnnxRuntime();
  if (!ort.ok) return undefined;
  let value: Signature | { error: string };
  try {
    const session = await ort.value.InferenceSession.create(file);
    const inputs = session.inputMetadata.map((m) => ({ name: m.name, shape: m.isTensor ? m.shape : [] }));
    await session.release();
    let features: string[] | undefined;
    try {
      const { readFileSync } = await import('node:fs');
      const raw = readOnnxMetadata(readFileSync(file))[METADATA_KEY];
      const parsed = raw ? (JSON.parse(raw) as { features?: unknown }) : undefined;
      if (Array.isArray(parsed?.features) && parsed.features.every((f) => typeof f === 'string')) features = parsed.features as string[];
    } catch {
      features = undefined;
    }
    value = { inputs, ...(features ? { features } : {}) };
  } catch (err) {
    value = { error: (err as Error).message.split('\n')[0] ?? 'unreadable' };
  }
  signatureCache.set(file, { mtimeMs, value });
  return value;
}

/** The header and first rows of a CSV (at most 64 KiB read). */
function csvHead(file: string): { columns: string[]; rows: string[][] } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const lines = buf.subarray(0, n).toString('utf8').split(/\r?\n/);
    if (n === buf.length) lines.pop(); // possibly cut
    const split = (l: string): string[] => l.split(file.endsWith('.tsv') ? '\t' : ',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const header = lines.shift();
    if (!header) return undefined;
    return { columns: split(header), rows: lines.filter((l) => l.trim() !== '').slice(0, 50).map(split) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function numericColumns(head: { columns: string[]; rows: string[][] }, exclude: string | undefined): string[] {
  return head.columns.filter((c, i) => c !== exclude && head.rows.length > 0 && head.rows.every((r) => r[i] === undefined || r[i] === '' || r[i] === 'NA' || !Number.isNaN(Number(r[i]))));
}

export async function liveFindings(analysis: Analysis, host: PipelineHost, options: LiveCheckOptions = {}): Promise<Finding[]> {
  const out: Finding[] = [];
  const dir = host.dir;
  if (!dir || analysis.parsed.refused) return out;
  const abs = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  const { model } = analysis;

  // ONNX input signature vs the dataset's columns
  for (const s of model.stages.values()) {
    const f = s.facts;
    if (f.builtin !== 'sextant/evaluate') continue;
    const modelRef = f.inputs[0];
    const datasetRef = f.datasetRefs[0];
    if (!modelRef || !datasetRef) continue;
    const dataset = model.datasets.get(datasetRef.name);
    if (!dataset?.path || !host.exists(abs(dataset.path)) || !host.exists(abs(modelRef.name))) continue;
    const sig = await onnxSignature(abs(modelRef.name));
    const start = s.seg.base + modelRef.start;
    const end = s.seg.base + modelRef.end;
    if (!sig) continue;
    if ('error' in sig) {
      out.push({ start, end, code: 'onnx-unreadable', message: `onnxruntime cannot open "${modelRef.name}": ${sig.error}. Re-export the model, or point \`model\` at an ONNX file.` });
      continue;
    }
    const head = csvHead(abs(dataset.path));
    if (!head) continue;
    if (sig.features) {
      const missing = sig.features.filter((c) => !head.columns.includes(c));
      if (missing.length > 0) {
        out.push({
          start,
          end,
          code: 'onnx-signature',
          message: `"${modelRef.name}" was trained on ${missing.map((c) => `"${c}"`).join(', ')}, which dataset "${dataset.name}" (${dataset.path}) does not have. Its columns: ${head.columns.join(', ')}. Evaluate on a dataset with the same features, or retrain.`,
        });
      }
      continue;
    }
    const input = sig.inputs[0];
    const width = input?.shape[input.shape.length - 1];
    if (sig.inputs.length !== 1 || typeof width !== 'number') continue;
    const numeric = numericColumns(head, dataset.label);
    if (numeric.length !== width) {
      out.push({
        start,
        end,
        code: 'onnx-signature',
        message: `"${modelRef.name}" takes ${width} input feature${width === 1 ? '' : 's'} ("${input!.name}" [${input!.shape.join(', ')}]), but dataset "${dataset.name}" has ${numeric.length} numeric feature column${numeric.length === 1 ? '' : 's'}${dataset.label ? ` besides its label "${dataset.label}"` : ''} (${numeric.join(', ')}). Give \`features\` to the train stage, or evaluate the matching dataset.`,
      });
    }
  }

  // sextant/train without `task`: what the label's first rows point to, against what the model can do
  for (const s of model.stages.values()) {
    const t = s.facts.trainTask;
    const datasetRef = s.facts.datasetRefs[0];
    if (s.facts.builtin !== 'sextant/train' || !t || t.task || !datasetRef) continue;
    const dataset = model.datasets.get(datasetRef.name);
    if (!dataset?.path || !dataset.label || !host.exists(abs(dataset.path))) continue;
    const head = csvHead(abs(dataset.path));
    const at = head?.columns.indexOf(dataset.label) ?? -1;
    if (!head || at < 0) continue;
    const sample = head.rows.map((r) => (r[at] === undefined || ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'].includes(r[at]!) ? null : r[at]!));
    const guess = trainTaskGuess(t, dataset.label, sample, dataset.name);
    if (guess) out.push({ start: s.seg.base + t.model.start, end: s.seg.base + t.model.end, ...guess });
  }

  // name@alias in the registry
  const aliasRefs = [...model.stages.values()].flatMap((s) => s.facts.modelAliases.map((r) => ({ r, base: s.seg.base })));
  if (aliasRefs.length > 0) {
    const storePath = options.storePath ?? workspaceLayout(dir).storePath;
    const sqlite = existsSync(storePath) ? loadBetterSqlite3() : undefined;
    if (sqlite?.ok) {
      let db: import('better-sqlite3').Database | undefined;
      try {
        db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
        const hasModel = db.prepare('SELECT id FROM models WHERE name = ?');
        const hasAlias = db.prepare('SELECT a.alias FROM model_aliases a WHERE a.model_id = ?');
        const hasVersion = db.prepare('SELECT max(version) AS latest, count(*) AS n FROM model_versions WHERE model_id = ?');
        for (const { r, base } of aliasRefs) {
          const at = r.name.lastIndexOf('@');
          const name = r.name.slice(0, at);
          const alias = r.name.slice(at + 1);
          const row = hasModel.get(name) as { id: number } | undefined;
          if (row && /^\d+$/.test(alias)) {
            const v = hasVersion.get(row.id) as { latest: number | null; n: number };
            const exists = (db.prepare('SELECT 1 FROM model_versions WHERE model_id = ? AND version = ?').get(row.id, Number(alias)) as unknown) !== undefined;
            if (!exists) out.push({ start: base + r.start, end: base + r.end, code: 'unknown-model-alias', message: `Model "${name}" has no version ${alias}${v.latest ? ` (versions 1 to ${v.latest})` : ' (no versions yet)'}. Use an existing version or an alias.` });
            continue;
          }
          const aliases = row ? (hasAlias.all(row.id) as { alias: string }[]).map((a) => a.alias) : [];
          if (!row) out.push({ start: base + r.start, end: base + r.end, code: 'unknown-model-alias', message: `No registered model is named "${name}" in this workspace's store. Register it first (a \`sextant/register\` stage), or use a model file path.` });
          else if (!aliases.includes(alias)) out.push({ start: base + r.start, end: base + r.end, code: 'unknown-model-alias', message: `Model "${name}" has no version with alias "${alias}"${aliases.length ? ` (aliases: ${aliases.join(', ')})` : ' (no aliases yet)'}. Set the alias on a version, or use another.` });
        }
      } catch {
        // an old or damaged store: `sextant doctor` reports it; nothing to say here
      } finally {
        db?.close();
      }
    }
  }
  // datasets.<name>.version pins against the store's versions and the files' content
  out.push(...(await versionPinFindings(analysis, dir, options.storePath ?? workspaceLayout(dir).storePath)));
  return out;
}
