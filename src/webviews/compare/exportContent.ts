// What an export the page asks for writes (no vscode: the panel asks where, src/webviews/compare/panel.ts):
// CSV built from the store (the runs' table, or every point of every curve: read whole, not downsampled),
// the chart as SVG drawn from the same data the page got, or the PNG the page drew.
import { buildCompareData, type CompareSource } from './data';
import { curvesCsv, runsCsv } from './csv';
import type { ExportRequest } from './protocol';
import { chartSvg } from './svg';

export interface ExportContent {
  bytes: Uint8Array;
  /** A file name to offer: compare-runs.csv, compare-loss.svg, … */
  fileName: string;
  /** For the save dialog's filter: "CSV" → ["csv"]. */
  filters: Record<string, string[]>;
}

export function exportContent(tracker: CompareSource, runIds: string[], request: ExportRequest): { ok: true; value: ExportContent } | { ok: false; message: string } {
  const safe = (name: string): string => name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'chart';
  if (request.format === 'png') return { ok: true, value: { bytes: Buffer.from(request.base64, 'base64'), fileName: `compare-${safe(request.key)}.png`, filters: { PNG: ['png'] } } };
  const built = buildCompareData(tracker, runIds, request.format === 'csv' ? (request.table === 'runs' ? { curves: false } : { maxPoints: Number.MAX_SAFE_INTEGER }) : {});
  if (!built.ok) return built;
  if (request.format === 'csv') {
    const text = request.table === 'runs' ? runsCsv(built.value) : curvesCsv(built.value);
    return { ok: true, value: { bytes: Buffer.from(text, 'utf8'), fileName: `compare-${request.table}.csv`, filters: { CSV: ['csv'] } } };
  }
  if (!built.value.series.some((s) => s.key === request.key)) return { ok: false, message: `No run logged ${request.key}: there is no chart to export.` };
  const { svg } = chartSvg(built.value, request.key, request.view, request.colors, request.range);
  return { ok: true, value: { bytes: Buffer.from(svg, 'utf8'), fileName: `compare-${safe(request.key)}.svg`, filters: { SVG: ['svg'] } } };
}
