// The compare panel's message contract, imported by both sides: the extension host (src/webviews/compare/panel.ts)
// checks what the page posts, the page (src/webviews/app/compare.ts) checks what it is sent. Values cross
// postMessage as JSON, so a metric that is NaN or ±Infinity travels as its name (`MetricNumber`), and a chart
// point that is not finite travels as null (a gap in the line).
import { z } from 'zod';

export { COMPARE_VIEW_TYPE } from '../viewTypes';

/** A metric value: a finite number, or the name of a non-finite one (JSON has no NaN). */
export const MetricNumberSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type MetricNumber = z.infer<typeof MetricNumberSchema>;

/** A metric's range over a run: min and max skip NaN (null when every value was NaN). */
export const ScalarSchema = z.object({ min: MetricNumberSchema.nullable(), max: MetricNumberSchema.nullable(), count: z.number().int() });
export type Scalar = z.infer<typeof ScalarSchema>;

export const CompareRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  experiment: z.string(),
  status: z.string(),
  /** Params of the run; for a pipeline run, merged with its stages' params (the run's own win). */
  params: z.record(z.string(), z.string()),
  /** Latest value of each metric; for a pipeline run, its stages' metrics too. */
  metrics: z.record(z.string(), MetricNumberSchema),
  /** Each metric's lowest and highest value over all its points (kept by the store in SQL, never read point by point), and how many points. */
  scalars: z.record(z.string(), ScalarSchema),
});
export type CompareRun = z.infer<typeof CompareRunSchema>;

/** One line of a chart: a run's curve for one metric key, downsampled by the engine. */
export const CompareSeriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  steps: z.array(z.number()),
  /** When each point was logged (ms since the epoch; a bucket's mean time), for charts by wall-clock time. */
  timestamps: z.array(z.number()),
  values: z.array(z.number().nullable()),
  /** Points in the store (more than steps.length when downsampled). */
  total: z.number().int(),
  downsampled: z.boolean(),
});
export type CompareSeries = z.infer<typeof CompareSeriesSchema>;

export const CompareDataSchema = z.object({
  runs: z.array(CompareRunSchema),
  /** Ids asked for that are no longer in the store. */
  missing: z.array(z.string()),
  series: z.array(CompareSeriesSchema),
  /** Which way each metric improves, where its name tells (src/engine/tracking/direction.ts). */
  directions: z.record(z.string(), z.enum(['lower', 'higher'])),
});
export type CompareData = z.infer<typeof CompareDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: CompareDataSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
  /** The outcome of an export the page asked for: the file written, or why not (cancelled: no file). */
  z.object({ type: z.literal('exported'), file: z.string().optional(), error: z.string().optional() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** How the curves are drawn: x by step, by time since the run's first point, or by wall-clock time; EMA smoothing weight (0: none); log y. */
export const ChartViewSchema = z.object({
  x: z.enum(['step', 'relative', 'wall']),
  smoothing: z.number().min(0).max(0.999),
  log: z.boolean(),
});
export type ChartView = z.infer<typeof ChartViewSchema>;
export const DEFAULT_VIEW: ChartView = { x: 'step', smoothing: 0, log: false };

/** The colours the page drew with (resolved theme colours), so an exported SVG looks like the chart. */
const CssColorSchema = z.string().max(64).regex(/^[#(),.%\w\s-]+$/);
export const ChartColorsSchema = z.object({ background: CssColorSchema, foreground: CssColorSchema, grid: CssColorSchema, runs: z.array(CssColorSchema) });
export type ChartColors = z.infer<typeof ChartColorsSchema>;

/** An export the page asks for: the host asks where to save and writes the file. */
export const ExportRequestSchema = z.discriminatedUnion('format', [
  /** Save the data as CSV: one row per run (params, each metric's last/min/max), or every point of every curve. The host builds it from the store. */
  z.object({ type: z.literal('export'), format: z.literal('csv'), table: z.enum(['runs', 'curves']) }),
  /** Save a chart as drawn: the page's canvas as a PNG (base64, no data: prefix). */
  z.object({ type: z.literal('export'), format: z.literal('png'), key: z.string(), base64: z.string().max(50_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/) }),
  /** Save a chart as SVG: the host draws the lines from its data, as the page shows them. */
  z.object({ type: z.literal('export'), format: z.literal('svg'), key: z.string(), view: ChartViewSchema, range: z.tuple([z.number(), z.number()]).optional(), colors: ChartColorsSchema }),
]);
export type ExportRequest = z.infer<typeof ExportRequestSchema>;

/** Page → extension host. */
export const PageMessageSchema = z.discriminatedUnion('type', [
  /** The page loaded and listens: send it the data. */
  z.object({ type: z.literal('ready') }),
  /** A message the page could not use (logged by the host). */
  z.object({ type: z.literal('invalid'), message: z.string() }),
  ExportRequestSchema,
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;

/** What the page keeps with vscode.setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  runIds: z.array(z.string()),
  onlyDiffering: z.boolean().default(false),
  data: CompareDataSchema.optional(),
  /** The curves' view, and each chart's zoomed x range (none: the whole run). */
  view: ChartViewSchema.optional(),
  zoom: z.record(z.string(), z.tuple([z.number(), z.number()])).optional(),
  /** The scalar table's sort: a metric's last/min/max, or the run's name. */
  sort: z.object({ key: z.string(), stat: z.enum(['last', 'min', 'max', 'name']), descending: z.boolean() }).optional(),
  /** The scatter view's param (x) and metric (y). */
  scatter: z.object({ param: z.string(), metric: z.string() }).optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;

export function toMetricNumber(v: number): MetricNumber {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
