// Builds what the model card is sent from the engine's card of a version (src/engine/registry/card.ts):
// JSON-safe (non-finite metrics by name), and the tab's title. The page never reads the store or the file.
import type { ModelCard } from '../../engine/registry/card';
import { toMetricNumber } from '../compare/protocol';
import type { ModelCardData } from './protocol';

/** Points kept per drawn curve (evenly thinned, ends kept): a 340-pixel chart shows no more. */
const CURVE_POINTS = 400;

const thin = <T>(points: T[], max = CURVE_POINTS): T[] => {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
};

const datasetName = (d: { name: string; version: number } | null): string | null => (d ? `${d.name} v${d.version}` : null);

function latestEvaluation(card: ModelCard): ModelCardData['latestEvaluation'] {
  const latest = card.latestEvaluation;
  if (!latest || latest.result.task !== 'classification') return null;
  const r = latest.result;
  const row = card.evaluations.find((e) => e.id === latest.id);
  return {
    id: latest.id,
    createdAt: latest.createdAt,
    dataset: datasetName(row?.dataset ?? null),
    data: r.data.file,
    classes: r.classes,
    matrix: r.confusion_matrix,
    roc: r.curves.map((c) => {
      const points = thin(c.roc);
      return { label: c.class, x: points.map((p) => p.fpr), y: points.map((p) => p.tpr) };
    }),
    // Recall decreasing as stored; the chart's x axis wants it increasing.
    pr: r.curves.map((c) => {
      const points = thin(c.pr).slice().reverse();
      return { label: c.class, x: points.map((p) => p.recall), y: points.map((p) => p.precision) };
    }),
  };
}

export function modelCardData(card: ModelCard): ModelCardData {
  const { signature, metrics, importance, evaluations, shap, ...rest } = card;
  return {
    ...rest,
    evaluations: evaluations.map((e) => ({
      id: e.id,
      createdAt: e.createdAt,
      rows: e.rows,
      provider: e.provider,
      dataset: datasetName(e.dataset),
      data: e.data.path,
      metrics: Object.fromEntries(Object.entries(e.metrics).map(([k, v]) => [k, v === null ? 'NaN' : toMetricNumber(v)])),
    })),
    latestEvaluation: latestEvaluation(card),
    shap: shap && {
      data: shap.data.path,
      createdAt: shap.createdAt,
      background: shap.background,
      rows: shap.rows.map(({ row, line, class: cls, prediction, base, method, features }) => ({ row, line, class: cls, prediction, base, method, features })),
    },
    importance: importance && {
      metric: importance.metric,
      baseline: importance.baseline,
      repeats: importance.repeats,
      seed: importance.seed,
      rows: importance.rows,
      data: importance.data,
      createdAt: importance.createdAt,
      features: importance.features.map(({ feature, importance: value, std }) => ({ feature, importance: value, std })),
    },
    signature: signature.ok ? { ok: true, inputs: signature.value.inputs, outputs: signature.value.outputs } : signature,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, toMetricNumber(v)])),
  };
}

/** The tab's title: "Model penguin-species v2". */
export function modelCardTitle(model: string, version: number): string {
  return `Model ${model} v${version}`;
}
