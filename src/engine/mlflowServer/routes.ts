// The MLflow REST API's tracking endpoints (experiments, runs, metrics) as fastify routes, registered
// once under each prefix (/api/2.0/mlflow and /ajax-api/2.0/mlflow). Every body is checked against its
// schema (schemas.ts); a handler throws MlflowError for MLflow's error shape (server.ts renders it).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { invalid, notFound } from './errors';
import { compareBy, matches, parseFilter, parseOrderBy, type Lookup } from './filter';
import * as S from './schemas';
import { LIFECYCLE_TAG, type MlflowStore } from './store';
import type { Run } from '../tracking/schemas';

/** MLflow's log-batch limits. */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;
const SEARCH_MAX_RESULTS = 50000;

/** The request's fields (the query string for GET, the JSON body otherwise), checked against a schema. */
function input<T extends z.ZodType>(schema: T, request: FastifyRequest): z.output<T> {
  const raw = request.method === 'GET' ? request.query : (request.body ?? {});
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'body';
    throw invalid(`Invalid value for parameter '${field}' supplied: ${issue.message}`);
  }
  return parsed.data;
}

const runIdOf = (r: { run_id?: string; run_uuid?: string }): string | undefined => r.run_id ?? r.run_uuid;

/** Page tokens are the offset of the next page, base64-encoded (opaque to clients, as MLflow's). */
function pageStart(token: string | undefined): number {
  if (!token) return 0;
  const offset = Number(JSON.parse(Buffer.from(token, 'base64').toString('utf8') || 'null')?.offset);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalid(`Invalid page token '${token}'.`);
  return offset;
}
function safePageStart(token: string | undefined): number {
  try {
    return pageStart(token);
  } catch {
    throw invalid(`Invalid page token '${token}'.`);
  }
}
function page<T>(items: T[], token: string | undefined, maxResults: number): { items: T[]; next?: string } {
  const start = safePageStart(token);
  const end = start + maxResults;
  return { items: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(JSON.stringify({ offset: end })).toString('base64') } : {}) };
}

function maxResultsOf(value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (n <= 0 || n > SEARCH_MAX_RESULTS) throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${SEARCH_MAX_RESULTS}, and at least 1.`);
  return n;
}

function runLookup(store: MlflowStore, run: Run): Lookup {
  const out = store.runOut(run);
  return (entity, key) => {
    if (entity === 'metrics') return run.metrics[key]?.last;
    if (entity === 'params') return run.params[key];
    if (entity === 'tags') return run.tags[key];
    if (entity === 'datasets') {
      return (out.inputs.dataset_inputs as { tags?: { key: string; value: string }[]; dataset?: Record<string, string | undefined> }[]).flatMap((d) => {
        const value = key === 'context' ? d.tags?.find((t) => t.key === 'mlflow.data.context')?.value : d.dataset?.[key];
        return value === undefined ? [] : [value];
      });
    }
    const info = out.info as Record<string, string | number | undefined>;
    return info[key];
  };
}

export function registerTrackingRoutes(app: FastifyInstance, store: MlflowStore): void {
  // ---- experiments
  app.post('/experiments/create', async (request) => {
    const body = input(S.CreateExperimentSchema, request);
    return { experiment_id: store.createExperiment(body.name, body.tags ?? []) };
  });
  app.get('/experiments/get', async (request) => ({ experiment: store.experimentOut(store.experimentRow(input(S.ExperimentIdSchema, request).experiment_id)) }));
  app.get('/experiments/get-by-name', async (request) => {
    const { experiment_name } = input(S.GetByNameSchema, request);
    const row = store.experimentByName(experiment_name);
    if (!row) throw notFound(`Could not find experiment with name '${experiment_name}'`);
    return { experiment: store.experimentOut(row) };
  });
  const searchExperiments = async (request: FastifyRequest) => {
    const body = input(S.SearchExperimentsSchema, request);
    const clauses = parseFilter(body.filter);
    const order = parseOrderBy(body.order_by?.length ? body.order_by : ['last_update_time DESC', 'experiment_id ASC']);
    const view = body.view_type ?? 'ACTIVE_ONLY';
    const all = store.allExperiments().map((row) => store.experimentOut(row));
    const lookupOf = (e: S.ExperimentOut): Lookup => (entity, key) => {
      if (entity === 'tags') return e.tags.find((t) => t.key === key)?.value;
      if (entity !== 'attributes') return undefined;
      return key === 'experiment_id' ? Number(e.experiment_id) : (e as unknown as Record<string, string | number>)[key];
    };
    const chosen = all
      .filter((e) => view === 'ALL' || (view === 'ACTIVE_ONLY') === (e.lifecycle_stage === 'active'))
      .filter((e) => matches(clauses, lookupOf(e)))
      .sort((a, b) => compareBy(order, lookupOf(a), lookupOf(b)));
    const { items, next } = page(chosen, body.page_token, maxResultsOf(body.max_results, 1000));
    return { experiments: items, ...(next ? { next_page_token: next } : {}) };
  };
  app.post('/experiments/search', searchExperiments);
  app.get('/experiments/search', searchExperiments);
  app.post('/experiments/update', async (request) => {
    const body = input(S.UpdateExperimentSchema, request);
    if (body.new_name !== undefined) store.renameExperiment(body.experiment_id, body.new_name);
    else store.experimentRow(body.experiment_id);
    return {};
  });
  app.post('/experiments/delete', async (request) => {
    store.setExperimentLifecycle(input(S.ExperimentIdSchema, request).experiment_id, 'deleted');
    return {};
  });
  app.post('/experiments/restore', async (request) => {
    store.setExperimentLifecycle(input(S.ExperimentIdSchema, request).experiment_id, 'active');
    return {};
  });
  app.post('/experiments/set-experiment-tag', async (request) => {
    const body = input(S.SetExperimentTagSchema, request);
    if (body.key === LIFECYCLE_TAG) throw invalid(`The tag ${LIFECYCLE_TAG} is reserved: delete or restore the experiment instead.`);
    store.setExperimentTag(body.experiment_id, body.key, body.value);
    return {};
  });

  // ---- runs
  app.post('/runs/create', async (request) => {
    const body = input(S.CreateRunSchema, request);
    return { run: store.createRun({ experimentId: body.experiment_id ?? '0', runName: body.run_name, startTime: body.start_time, tags: body.tags ?? [], userId: body.user_id }) };
  });
  app.get('/runs/get', async (request) => ({ run: store.runOut(store.run(runIdOf(input(S.RunIdSchema, request)))) }));
  app.post('/runs/update', async (request) => {
    const body = input(S.UpdateRunSchema, request);
    return { run_info: store.updateRun(runIdOf(body), { status: body.status, endTime: body.end_time, runName: body.run_name }) };
  });
  app.post('/runs/delete', async (request) => {
    store.setRunsDeleted(runIdOf(input(S.RunIdSchema, request)), true);
    return {};
  });
  app.post('/runs/restore', async (request) => {
    store.setRunsDeleted(runIdOf(input(S.RunIdSchema, request)), false);
    return {};
  });
  app.post('/runs/log-metric', async (request) => {
    const body = input(S.LogMetricSchema, request);
    store.logBatch(runIdOf(body), { metrics: [{ key: body.key, value: body.value, timestamp: body.timestamp, step: body.step }], params: [], tags: [] });
    return {};
  });
  app.post('/runs/log-parameter', async (request) => {
    const body = input(S.LogParamSchema, request);
    store.logBatch(runIdOf(body), { metrics: [], params: [{ key: body.key, value: body.value }], tags: [] });
    return {};
  });
  app.post('/runs/set-tag', async (request) => {
    const body = input(S.SetTagSchema, request);
    store.logBatch(runIdOf(body), { metrics: [], params: [], tags: [{ key: body.key, value: body.value }] });
    return {};
  });
  app.post('/runs/delete-tag', async (request) => {
    const body = input(S.DeleteTagSchema, request);
    store.deleteTag(runIdOf(body), body.key);
    return {};
  });
  app.post('/runs/log-batch', async (request) => {
    const body = input(S.LogBatchSchema, request);
    const metrics = body.metrics ?? [];
    const params = body.params ?? [];
    const tags = body.tags ?? [];
    for (const [what, list] of [['metrics', metrics], ['params', params], ['tags', tags]] as const) {
      if (list.length > BATCH_LIMITS[what]) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS[what]} ${what}. Got ${list.length} ${what}. Please split up ${what} across multiple requests and try again.`);
    }
    const total = metrics.length + params.length + tags.length;
    if (total > BATCH_LIMITS.total) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS.total} metrics, params, and tags in total. Got ${total} of them. Please split up across multiple requests and try again.`);
    store.logBatch(runIdOf(body), { metrics, params, tags });
    return {};
  });
  app.post('/runs/log-inputs', async (request) => {
    const body = input(S.LogInputsSchema, request);
    store.logInputs(runIdOf(body), body.datasets ?? []);
    return {};
  });
  app.post('/runs/log-model', async (request) => {
    const body = input(S.LogModelSchema, request);
    store.recordLoggedModel(runIdOf(body), body.model_json);
    return {};
  });
  const searchRuns = async (request: FastifyRequest) => {
    const body = input(S.SearchRunsSchema, request);
    const clauses = parseFilter(body.filter);
    const order = [...parseOrderBy(body.order_by), ...parseOrderBy(['attributes.start_time DESC', 'attributes.run_id ASC'])];
    const view = body.run_view_type ?? 'ACTIVE_ONLY';
    const runs: Run[] = [];
    for (const id of body.experiment_ids ?? []) {
      const exp = store.experimentRow(id);
      const listed = store.tracker.listRuns({ experiment: exp.name, includeDeleted: view !== 'ACTIVE_ONLY' });
      if (!listed.ok) throw invalid(listed.error.message);
      runs.push(...listed.value.filter((r) => view !== 'DELETED_ONLY' || r.deleted));
    }
    const looked = runs.map((run) => ({ run, lookup: runLookup(store, run) }));
    const chosen = looked.filter((r) => matches(clauses, r.lookup)).sort((a, b) => compareBy(order, a.lookup, b.lookup));
    const { items, next } = page(chosen, body.page_token, maxResultsOf(body.max_results, 1000));
    return { runs: items.map((r) => store.runOut(r.run)), ...(next ? { next_page_token: next } : {}) };
  };
  app.post('/runs/search', searchRuns);
  app.get('/runs/search', searchRuns);

  // ---- metrics
  app.get('/metrics/get-history', async (request) => {
    const body = input(S.GetHistorySchema, request);
    const history = store.metricHistory(runIdOf(body), body.metric_key);
    const { items, next } = page(history, body.page_token, maxResultsOf(body.max_results, 25000));
    return { metrics: items, ...(next ? { next_page_token: next } : {}) };
  });
}
