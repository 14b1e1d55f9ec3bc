// The experiments table's message contract, imported by both sides: the extension host
// (src/webviews/table/panel.ts) checks what the page posts, the page (src/webviews/app/table.ts) checks what it
// is sent. One row per top-level run of one experiment (a pipeline run with its stages' params and metrics
// merged). The filter language is the engine's (src/engine/tracking/runFilter.ts, as `sextant runs list
// --filter`): the page posts the text, the host parses and evaluates it and answers with the matching ids or
// the parser's error, so there is one implementation of it.
import { z } from 'zod';
import { MetricNumberSchema } from '../compare/protocol';

export { TABLE_VIEW_TYPE } from '../viewTypes';

export const TableRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  /** Why a failed or killed run ended, when the store knows (a stage that failed, an exit code). */
  reason: z.string().optional(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Stages of a pipeline run (0 for a plain run). */
  stages: z.number().int(),
  params: z.record(z.string(), z.string()),
  /** Latest value of each metric (a pipeline run's stages' too); NaN and ±Infinity by name. */
  metrics: z.record(z.string(), MetricNumberSchema),
});
export type TableRow = z.infer<typeof TableRowSchema>;

export const TableDataSchema = z.object({
  experiment: z.string(),
  rows: z.array(TableRowSchema),
  /** Every param and metric key of the rows, sorted. */
  params: z.array(z.string()),
  metrics: z.array(z.string()),
  /** When the data was read (ms since the epoch): a running run's duration counts to here. */
  readAt: z.number(),
});
export type TableData = z.infer<typeof TableDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: TableDataSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
  /** The answer to a `filter`: the ids of the rows that match `text`, or why the text is not a filter. */
  z.object({
    type: z.literal('filtered'),
    text: z.string(),
    ids: z.array(z.string()).optional(),
    error: z.object({ message: z.string(), column: z.number().int().optional(), fix: z.string().optional() }).optional(),
  }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** The page's own requests (what PanelHost hands the panel). */
export const TableRequestSchema = z.discriminatedUnion('type', [
  /** Evaluate this filter over the rows (the engine's filter language). */
  z.object({ type: z.literal('filter'), text: z.string().max(2000) }),
  /** Open the compare panel on these runs. */
  z.object({ type: z.literal('compare'), runIds: z.array(z.string()).min(2).max(50) }),
  /** Show this run's details. */
  z.object({ type: z.literal('open'), runId: z.string() }),
]);
export type TableRequest = z.infer<typeof TableRequestSchema>;

/** Page → extension host. */
export const PageMessageSchema = z.union([
  /** The page loaded and listens: send it the data. */
  z.object({ type: z.literal('ready') }),
  /** A message the page could not use (logged by the host). */
  z.object({ type: z.literal('invalid'), message: z.string() }),
  TableRequestSchema,
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;

export const SortSchema = z.object({
  /** `name`, `status`, `started`, `duration`, `params.<key>` or `metrics.<key>`. */
  column: z.string(),
  direction: z.enum(['asc', 'desc']),
});
export type Sort = z.infer<typeof SortSchema>;

/** What the page keeps with vscode.setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  experiment: z.string(),
  filter: z.string().default(''),
  sort: SortSchema.optional(),
  /** Columns the user hid with the column picker (by column id, as in Sort). */
  hidden: z.array(z.string()).default([]),
  selected: z.array(z.string()).default([]),
  data: TableDataSchema.optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;
