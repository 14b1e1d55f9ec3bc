// The server's Prometheus metrics (prom-client, a registry of its own, GET /metrics in the text
// exposition format): requests by route, method and status; latency by route; predict errors by reason;
// rows predicted; the model served (an info gauge at 1 with its name, version and file hash); the
// prediction log's backlog.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoggedModel } from './predictionLog';

const ERROR_REASONS = ['bad_input', 'unauthorized', 'forbidden', 'too_large', 'model_error', 'not_found'] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  errors: Counter<'reason'>;
  rows: Counter;
  logBacklog: Gauge;
}

export function serverMetrics(model: LoggedModel, backlog: () => number): ServerMetrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'sextant_http_requests_total', help: 'HTTP requests answered, by route, method and status code.', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'sextant_http_request_duration_seconds',
    help: 'Time from the request to the response, by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({ name: 'sextant_predict_errors_total', help: 'Requests refused or failed, by reason.', labelNames: ['reason'] as const, registers: [registry] });
  for (const r of ERROR_REASONS) errors.inc({ reason: r }, 0);
  const rows = new Counter({ name: 'sextant_predicted_rows_total', help: 'Rows predicted.', registers: [registry] });
  const info = new Gauge({ name: 'sextant_model_info', help: 'The model served (always 1): its name, registered version and file hash.', labelNames: ['model', 'version', 'sha256'] as const, registers: [registry] });
  info.set({ model: model.name, version: model.version === null ? '' : String(model.version), sha256: model.sha256 }, 1);
  const logBacklog = new Gauge({ name: 'sextant_prediction_log_pending', help: 'Predictions waiting to be written to the store.', registers: [registry], collect() { this.set(backlog()); } });
  return { registry, requests, latency, errors, rows, logBacklog };
}
