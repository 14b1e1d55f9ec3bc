// A metrics file a stage declares (`metrics: [metrics.json]`), JSON or YAML, in any of these shapes:
//   {"accuracy": 0.91, "val": {"f1": 0.88}}        one value per key at `step` (default 0); nested keys join with "."
//   {"loss": [0.9, 0.5, 0.3]}                      a history: steps 0, 1, 2
//   [{"step": 1, "loss": 0.5}, {"step": 2, ...}]    records, each with an optional step (default: its index)
// Values are numbers or the strings "NaN", "inf", "-inf"; anything else is rejected by key with the
// reason, and the rest of the file still counts.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { fail, ok, type Result } from '../result';
import { parseMetricNumber } from './protocol';
import type { MetricPointInput, Rejection } from './schemas';
import { checkKey } from './validate';

interface MetricsFileContent {
  points: MetricPointInput[];
  rejected: Rejection[];
}

export function readMetricsFile(file: string, options: { step?: number } = {}): Result<MetricsFileContent> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail({ code: 'metrics-file-unreadable', file, message: `Cannot read the metrics file: ${(err as Error).message}`, fix: 'Check that the stage writes this file (its path is relative to the workspace).' });
  }
  const parsed = parseText(file, text);
  if (!parsed.ok) return parsed;
  return ok(metricsFromValue(parsed.value, options.step ?? 0));
}

function parseText(file: string, text: string): Result<unknown> {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return ok(JSON.parse(text));
    } catch (err) {
      // Python's json.dump writes bare NaN / Infinity / -Infinity: accept them as what they mean.
      const pythonic = text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1"$2"');
      if (pythonic !== text) {
        try {
          return ok(JSON.parse(pythonic));
        } catch {
          /* report the original error */
        }
      }
      const message = (err as Error).message;
      const pos = /position (\d+)/.exec(message);
      const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
      return fail({ code: 'metrics-file-invalid', file, ...(line !== undefined ? { line } : {}), message: `The metrics file is not valid JSON: ${message}`, fix: 'Write it with json.dump (NaN is allowed as the string "NaN").' });
    }
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return fail({ code: 'metrics-file-invalid', file, line: e.linePos?.[0]?.line, message: `The metrics file is not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON or YAML'}: ${e.message.split('\n')[0]}` });
  }
  return ok(doc.toJS());
}

function metricsFromValue(value: unknown, step = 0): MetricsFileContent {
  const points: MetricPointInput[] = [];
  const rejected: Rejection[] = [];
  const add = (key: string, v: unknown, at: number): void => {
    const k = checkKey(key);
    if (!k.ok) {
      rejected.push({ key, reason: k.reason });
      return;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' ? parseMetricNumber(v) : undefined;
    if (n === undefined) {
      rejected.push({ key: k.key, reason: `${JSON.stringify(v)?.slice(0, 40)} is not a number` });
      return;
    }
    points.push({ key: k.key, value: n, step: at });
  };
  const walk = (prefix: string, v: unknown, at: number): void => {
    if (Array.isArray(v)) {
      if (!prefix) {
        v.forEach((record, i) => {
          if (record === null || typeof record !== 'object' || Array.isArray(record)) {
            rejected.push({ key: `[${i}]`, reason: 'a list at the top must hold records like {"step": 1, "loss": 0.5}' });
            return;
          }
          const r = record as Record<string, unknown>;
          const s = r.step === undefined ? i : Number(r.step);
          if (!Number.isSafeInteger(s)) {
            rejected.push({ key: `[${i}].step`, reason: `the step must be a whole number, not ${JSON.stringify(r.step)}` });
            return;
          }
          for (const [k, x] of Object.entries(r)) if (k !== 'step') walk(k, x, s);
        });
        return;
      }
      v.forEach((x, i) => add(prefix, x, i));
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x, at);
      return;
    }
    if (!prefix) {
      rejected.push({ key: '(file)', reason: 'the file must hold an object or a list of records' });
      return;
    }
    add(prefix, v, at);
  };
  walk('', value, step);
  return { points, rejected };
}
