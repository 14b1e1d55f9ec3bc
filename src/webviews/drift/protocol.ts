// The drift report panel's message contract, imported by both sides: the extension host
// (src/webviews/drift/panel.ts) checks what the page posts, the page (src/webviews/app/drift.ts) checks what
// it is sent. The host runs the drift engine on the two files (src/engine/drift/histograms.ts:
// compareWithHistograms) and sends its report with each tested column's histograms; the page only draws.
// The column and histogram shapes are the engine's (DriftReport, ColumnHistogram): data.ts maps them, so
// the compiler checks the two agree.
import { z } from 'zod';

export { DRIFT_VIEW_TYPE } from '../viewTypes';

export const DRIFT_TEST_IDS = ['ks', 'chi2', 'ztest', 'psi', 'wasserstein', 'jensenshannon'] as const;

export const DriftColumnSchema = z.object({
  column: z.string(),
  type: z.enum(['numeric', 'categorical']),
  test: z.enum(DRIFT_TEST_IDS),
  statistic: z.number(),
  /** The p-value of ks, chi2 and ztest; null for the distances (statistic is the distance). */
  p_value: z.number().nullable(),
  threshold: z.number(),
  drifted: z.boolean(),
  /** Why this test (the engine's sentence). */
  why: z.string(),
});
export type DriftColumn = z.infer<typeof DriftColumnSchema>;

export const HistogramSchema = z.discriminatedUnion('kind', [
  /** Numbers: shares of each side's values over the same bins. */
  z.object({ column: z.string(), kind: z.literal('bins'), edges: z.array(z.number()).min(2), reference: z.array(z.number()), current: z.array(z.number()) }),
  /** Categories (or a few distinct numbers): shares per label, the most frequent first, "other" last when `otherCount` > 0. */
  z.object({ column: z.string(), kind: z.literal('categories'), labels: z.array(z.string()), reference: z.array(z.number()), current: z.array(z.number()), otherCount: z.number().int() }),
]);
export type Histogram = z.infer<typeof HistogramSchema>;

const SideSchema = z.object({
  /** What the user knows it as: the dataset's name, or the file's name. */
  label: z.string(),
  file: z.string(),
  rows: z.number().int(),
});

export const DriftPanelDataSchema = z.object({
  reference: SideSchema,
  current: SideSchema,
  datasetDrift: z.boolean(),
  /** Drifted / tested columns, and the share at which the dataset drifts. */
  driftShare: z.number(),
  shareThreshold: z.number(),
  columns: z.array(DriftColumnSchema),
  histograms: z.array(HistogramSchema),
  /** Columns that could not be tested, and why (one side only, all missing, a 1-row reference, …). */
  notTested: z.array(z.object({ column: z.string(), reason: z.string() })),
  warnings: z.array(z.object({ column: z.string(), file: z.string(), line: z.number().int(), message: z.string() })),
  /** How long the comparison took on the host, for the footer. */
  elapsedMs: z.number(),
});
export type DriftPanelData = z.infer<typeof DriftPanelDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: DriftPanelDataSchema }),
  /** The files could not be compared (the message names the file and line). */
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Page → extension host. */
export const PageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('invalid'), message: z.string() }),
  /** Read the files again and compare. */
  z.object({ type: z.literal('refresh') }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;

export const SORT_KEYS = ['column', 'type', 'test', 'statistic', 'p_value', 'threshold', 'drifted'] as const;
export const SortSchema = z.object({ key: z.enum(SORT_KEYS), descending: z.boolean() });
export type Sort = z.infer<typeof SortSchema>;

/** What the page keeps with setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  reference: z.object({ file: z.string(), label: z.string() }),
  current: z.object({ file: z.string(), label: z.string() }),
  sort: SortSchema.optional(),
  driftedOnly: z.boolean().optional(),
  data: DriftPanelDataSchema.optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;
