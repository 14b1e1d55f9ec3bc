// Builds what the model card is sent from the engine's card of a version (src/engine/registry/card.ts):
// JSON-safe (non-finite metrics by name), and the tab's title. The page never reads the store or the file.
import type { ModelCard } from '../../engine/registry/card';
import { toMetricNumber } from '../compare/protocol';
import type { ModelCardData } from './protocol';

export function modelCardData(card: ModelCard): ModelCardData {
  const { signature, metrics, importance, ...rest } = card;
  return {
    ...rest,
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
