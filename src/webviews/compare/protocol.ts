// The compare panel's message contract, imported by both sides: the extension host (src/webviews/compare/panel.ts)
// checks what the page posts, the page (src/webviews/app/compare.ts) checks what it is sent. Values cross
// postMessage as JSON, so a metric that is NaN or ±Infinity travels as its name (`MetricNumber`), and a chart
// point that is not finite travels as null (a gap in the line).
import { z } from 'zod';

export { COMPARE_VIEW_TYPE } from '../viewTypes';

/** A metric value: a finite number, or the name of a non-finite one (JSON has no NaN). */
export const MetricNumberSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type MetricNumber = z.infer<typeof MetricNumberSchema>;

export const CompareRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  experiment: z.string(),
  status: z.string(),
  /** Params of the run; for a pipeline run, merged with its stages' params (the run's own win). */
  params: z.record(z.string(), z.string()),
  /** Latest value of each metric; for a pipeline run, its stages' metrics too. */
  metrics: z.record(z.string(), MetricNumberSchema),
});
export type CompareRun = z.infer<typeof CompareRunSchema>;

/** One line of a chart: a run's curve for one metric key, downsampled by the engine. */
export const CompareSeriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  steps: z.array(z.number()),
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
});
export type CompareData = z.infer<typeof CompareDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: CompareDataSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Page → extension host. */
export const PageMessageSchema = z.discriminatedUnion('type', [
  /** The page loaded and listens: send it the data. */
  z.object({ type: z.literal('ready') }),
  /** A message the page could not use (logged by the host). */
  z.object({ type: z.literal('invalid'), message: z.string() }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;

/** What the page keeps with vscode.setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  runIds: z.array(z.string()),
  onlyDiffering: z.boolean().default(false),
  data: CompareDataSchema.optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;

export function toMetricNumber(v: number): MetricNumber {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
