// The JSON the CLI prints for runs (documented in docs/cli.md): snake_case, ISO 8601 times, and
// metric values that JSON cannot hold (NaN, ±Infinity) written as the strings "NaN", "Infinity", "-Infinity".
import { z } from 'zod';
import { RunStatusSchema, type Run, type RunDetail } from './schemas';

const JsonNumberSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
type JsonNumber = z.infer<typeof JsonNumberSchema>;
const IsoTime = z.string().datetime().nullable();

/** One element of `sextant runs list --json`. */
export const RunListJsonSchema = z.object({
  id: z.string(),
  experiment: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), JsonNumberSchema),
  started_at: IsoTime,
  ended_at: IsoTime,
  parent_id: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  git_commit: z.string().nullable(),
  exit_code: z.number().int().nullable(),
});
type RunListJson = z.infer<typeof RunListJsonSchema>;

/** `sextant runs show ID --json`. */
export const RunDetailJsonSchema = RunListJsonSchema.extend({
  created_at: IsoTime,
  duration_ms: z.number().nullable(),
  children: z.array(z.string()),
  git_dirty: z.boolean().nullable(),
  command: z.string().nullable(),
  cwd: z.string().nullable(),
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  python_version: z.string().nullable(),
  node_version: z.string().nullable(),
  gpu: z.string().nullable(),
  log_path: z.string().nullable(),
  metric_summary: z.record(z.string(), z.object({ last: JsonNumberSchema, step: z.number().int(), min: JsonNumberSchema.nullable(), max: JsonNumberSchema.nullable(), count: z.number().int() })),
  history: z.record(z.string(), z.array(z.object({ step: z.number().int(), timestamp: z.number().int(), value: JsonNumberSchema }))),
  artifacts: z.array(z.object({ path: z.string(), sha256: z.string(), size: z.number().int(), media_type: z.string(), file: z.string() })),
});
type RunDetailJson = z.infer<typeof RunDetailJsonSchema>;

function jsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Each metric's last value (a loop, not Object.entries: `runs list --json` shapes thousands of runs once, unoptimized). */
function lastValues(metrics: Run['metrics']): Record<string, JsonNumber> {
  const out: Record<string, JsonNumber> = {};
  for (const key of Object.keys(metrics)) {
    const value = jsonNumber(metrics[key]!.last);
    // A metric may be called "__proto__": assigning it would set the object's prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

export function runListJson(run: Run): RunListJson {
  return {
    id: run.id,
    experiment: run.experiment,
    name: run.name,
    status: run.status,
    params: run.params,
    metrics: lastValues(run.metrics),
    started_at: iso(run.startedAt),
    ended_at: iso(run.endedAt),
    parent_id: run.parentId,
    tags: run.tags,
    git_commit: run.gitCommit,
    exit_code: run.exitCode,
  };
}

export function runDetailJson(run: RunDetail): RunDetailJson {
  return {
    ...runListJson(run),
    created_at: iso(run.createdAt),
    duration_ms: run.startedAt !== null ? (run.endedAt ?? Date.now()) - run.startedAt : null,
    children: run.children,
    git_dirty: run.gitDirty,
    command: run.command,
    cwd: run.cwd,
    host: run.host,
    pid: run.pid,
    python_version: run.pythonVersion,
    node_version: run.nodeVersion,
    gpu: run.gpu,
    log_path: run.logPath,
    metric_summary: Object.fromEntries(
      Object.entries(run.metrics).map(([k, m]) => [k, { last: jsonNumber(m.last), step: m.step, min: m.min === null ? null : jsonNumber(m.min), max: m.max === null ? null : jsonNumber(m.max), count: m.count }]),
    ),
    history: Object.fromEntries(Object.entries(run.history).map(([k, points]) => [k, points.map((p) => ({ step: p.step, timestamp: p.timestamp, value: jsonNumber(p.value) }))])),
    artifacts: run.artifacts.map((a) => ({ path: a.path, sha256: a.sha256, size: a.size, media_type: a.mediaType, file: a.file })),
  };
}
