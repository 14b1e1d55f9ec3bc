// The subset of MLflow's search filter grammar (runs/search `filter`, `order_by`) this server reads:
//   metrics.acc > 0.9 AND params.optimizer = 'adam' AND tags.`my tag` != 'x' AND attributes.status = 'FINISHED'
//   comparators = != > >= < <= LIKE ILIKE IN ('a', 'b') NOT IN (…); clauses joined by AND only (as MLflow)
//   entities metrics. params. tags. attributes. (or attribute./run.; a bare name is an attribute) and
//   datasets.name / datasets.digest / datasets.context (a run matches when one of its dataset inputs does); names
//   plain (letters, digits, _ . - /) or quoted with backticks or double quotes; values 'text', "text", numbers
//   attributes status, run_name, run_id, start_time, end_time, user_id, lifecycle_stage (and their aliases);
//   for experiments/search: name, experiment_id, creation_time, last_update_time
//   order_by: "metrics.loss", "params.lr DESC", "attributes.start_time ASC"
// Metrics compare as numbers, the rest as text (start_time/end_time as numbers). A run without the key
// does not match (as MLflow). An error names the column of the filter where it went wrong.
import { invalid } from './errors';

type Entity = 'metrics' | 'params' | 'tags' | 'attributes' | 'datasets';
type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderBy {
  entity: Entity;
  key: string;
  ascending: boolean;
}

/** What a clause is compared with: a run's value for an entity and key (undefined when it has none; for datasets, one value per dataset input). */
export type Lookup = (entity: Entity, key: string) => string | number | string[] | undefined;
const DATASET_KEYS = ['name', 'digest', 'context'];

const ATTRIBUTE_ALIASES: Record<string, string> = { run_id: 'run_id', run_uuid: 'run_id', status: 'status', run_name: 'run_name', 'mlflow.runName': 'run_name', start_time: 'start_time', end_time: 'end_time', user_id: 'user_id', lifecycle_stage: 'lifecycle_stage', artifact_uri: 'artifact_uri', created: 'start_time', Created: 'start_time', name: 'name', experiment_id: 'experiment_id', creation_time: 'creation_time', last_update_time: 'last_update_time' };
export const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'creation_time', 'last_update_time']);

const TOKEN = /\s*(?:(`[^`]*`)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])|(!=|>=|<=|=|>|<|\(|\)|,)|([A-Za-z_][\w.\-/]*(?:\.(?:`[^`]*`|"[^"]*"))?))/y;

interface Token {
  text: string;
  kind: 'name' | 'string' | 'number' | 'op' | 'quotedName';
  at: number;
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < filter.length) {
    if (/^\s*$/.test(filter.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(filter);
    if (!m) throw invalid(`Invalid filter '${filter}': unexpected text at column ${pos + 1}: '${filter.slice(pos, pos + 20)}'`);
    const at = m.index + m[0].length - m[0].trimStart().length + 1;
    if (m[1]) tokens.push({ text: m[1].slice(1, -1), kind: 'quotedName', at });
    else if (m[2]) tokens.push({ text: m[2].slice(1, -1).replace(/\\(.)/g, '$1'), kind: 'string', at });
    else if (m[3]) tokens.push({ text: m[3].slice(1, -1).replace(/\\(.)/g, '$1'), kind: 'string', at });
    else if (m[4]) tokens.push({ text: m[4], kind: 'number', at });
    else if (m[5]) tokens.push({ text: m[5], kind: 'op', at });
    else tokens.push({ text: m[6]!, kind: 'name', at });
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** Splits `metrics.acc`, "params.`my param`", `status` into an entity and a key. */
function identifier(text: string, where: string): { entity: Entity; key: string } {
  const dot = text.indexOf('.');
  const head = dot < 0 ? '' : text.slice(0, dot).toLowerCase();
  let key = dot < 0 ? text : text.slice(dot + 1);
  if (/^(`.*`|".*")$/.test(key)) key = key.slice(1, -1);
  let entity: Entity;
  if (head === 'metric' || head === 'metrics') entity = 'metrics';
  else if (head === 'param' || head === 'params' || head === 'parameter' || head === 'parameters') entity = 'params';
  else if (head === 'tag' || head === 'tags') entity = 'tags';
  else if (head === 'attribute' || head === 'attributes' || head === 'attr' || head === 'run') entity = 'attributes';
  else if (head === 'dataset' || head === 'datasets') {
    entity = 'datasets';
    if (!DATASET_KEYS.includes(key)) throw invalid(`Invalid dataset key '${key}' ${where}. Valid dataset keys: ${DATASET_KEYS.join(', ')}.`);
  } else {
    entity = 'attributes';
    key = text;
  }
  if (entity === 'attributes') {
    const name = ATTRIBUTE_ALIASES[key];
    if (!name) throw invalid(`Invalid attribute key '${key}' ${where}. Valid attributes: ${[...new Set(Object.values(ATTRIBUTE_ALIASES))].join(', ')}.`);
    key = name;
  }
  if (key === '') throw invalid(`A ${entity} name is missing ${where}.`);
  return { entity, key };
}

export function parseFilter(filter: string | undefined): Clause[] {
  if (!filter || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  const where = (t: Token | undefined): string => (t ? `at column ${t.at} of the filter` : 'at the end of the filter');
  for (;;) {
    const id = next();
    if (!id || (id.kind !== 'name' && id.kind !== 'quotedName')) throw invalid(`Invalid filter '${filter}': expected a name like metrics.acc ${where(id)}.`);
    const { entity, key } = id.kind === 'quotedName' ? identifier(`attributes.${id.text}`, where(id)) : identifier(id.text, where(id));
    let opToken = next();
    let comparator: Comparator;
    if (opToken?.kind === 'op' && ['=', '!=', '>', '>=', '<', '<='].includes(opToken.text)) comparator = opToken.text as Comparator;
    else if (opToken?.kind === 'name' && ['LIKE', 'ILIKE', 'IN'].includes(opToken.text.toUpperCase())) comparator = opToken.text.toUpperCase() as Comparator;
    else if (opToken?.kind === 'name' && opToken.text.toUpperCase() === 'NOT' && tokens[i]?.text.toUpperCase() === 'IN') {
      comparator = 'NOT IN';
      opToken = next();
    } else throw invalid(`Invalid filter '${filter}': expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN) ${where(opToken)}.`);
    let value: Clause['value'];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      const open = next();
      if (open?.text !== '(') throw invalid(`Invalid filter '${filter}': expected '(' after ${comparator} ${where(open)}.`);
      const list: string[] = [];
      for (;;) {
        const v = next();
        if (v?.kind !== 'string') throw invalid(`Invalid filter '${filter}': expected a quoted value in the list ${where(v)}.`);
        list.push(v.text);
        const sep = next();
        if (sep?.text === ')') break;
        if (sep?.text !== ',') throw invalid(`Invalid filter '${filter}': expected ',' or ')' ${where(sep)}.`);
      }
      value = list;
    } else {
      const v = next();
      const numeric = entity === 'metrics' || (entity === 'attributes' && NUMERIC_ATTRIBUTES.has(key));
      if (numeric) {
        if (v?.kind !== 'number') throw invalid(`Invalid filter '${filter}': ${entity === 'metrics' ? `metric '${key}'` : key} compares with a number ${where(v)}.`);
        if (comparator === 'LIKE' || comparator === 'ILIKE') throw invalid(`Invalid filter '${filter}': ${comparator} compares text, not numbers ${where(opToken)}.`);
        value = Number(v.text);
      } else {
        if (v?.kind !== 'string') throw invalid(`Invalid filter '${filter}': the value for ${entity}.${key} must be quoted ('text') ${where(v)}.`);
        if (['>', '>=', '<', '<='].includes(comparator)) throw invalid(`Invalid filter '${filter}': ${comparator} is not a comparator for ${entity}; use =, !=, LIKE, ILIKE, IN ${where(opToken)}.`);
        value = v.text;
      }
    }
    clauses.push({ entity, key, comparator, value });
    const and = next();
    if (!and) break;
    if (and.kind !== 'name' || and.text.toUpperCase() !== 'AND') throw invalid(`Invalid filter '${filter}': expected AND ${where(and)} (MLflow's filter joins clauses with AND only).`);
  }
  return clauses;
}

/** SQL LIKE as a regular expression: % any text, _ one character. */
function likeRegex(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, ignoreCase ? 'si' : 's');
}

export function matches(clauses: readonly Clause[], lookup: Lookup): boolean {
  return clauses.every((c) => {
    const found = lookup(c.entity, c.key);
    if (Array.isArray(found)) return found.some((one) => matches([c], () => one));
    const actual = found;
    if (actual === undefined) return false;
    switch (c.comparator) {
      case '=':
        return actual === c.value || (typeof c.value === 'number' && Number(actual) === c.value);
      case '!=':
        return typeof c.value === 'number' ? Number(actual) !== c.value : actual !== c.value;
      case '>':
        return Number(actual) > (c.value as number);
      case '>=':
        return Number(actual) >= (c.value as number);
      case '<':
        return Number(actual) < (c.value as number);
      case '<=':
        return Number(actual) <= (c.value as number);
      case 'LIKE':
        return likeRegex(c.value as string, false).test(String(actual));
      case 'ILIKE':
        return likeRegex(c.value as string, true).test(String(actual));
      case 'IN':
        return (c.value as string[]).includes(String(actual));
      case 'NOT IN':
        return !(c.value as string[]).includes(String(actual));
    }
  });
}

export function parseOrderBy(orderBy: readonly string[] | undefined): OrderBy[] {
  return (orderBy ?? []).map((text) => {
    const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(text);
    if (!m) throw invalid(`Invalid order_by clause '${text}'.`);
    const raw = m[1]!;
    const { entity, key } = /^[`"].*[`"]$/.test(raw) ? identifier(`attributes.${raw.slice(1, -1)}`, `in order_by '${text}'`) : identifier(raw, `in order_by '${text}'`);
    if (entity === 'datasets') throw invalid(`Invalid order_by clause '${text}': runs cannot be ordered by their datasets.`);
    return { entity, key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC' };
  });
}

/** Compares two runs by order_by clauses; runs without a value sort last (as MLflow). */
export function compareBy(order: readonly OrderBy[], a: Lookup, b: Lookup): number {
  for (const o of order) {
    const x = a(o.entity, o.key) as string | number | undefined;
    const y = b(o.entity, o.key) as string | number | undefined;
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const numeric = typeof x === 'number' && typeof y === 'number';
    const c = numeric ? (Number.isNaN(x) ? 1 : Number.isNaN(y) ? -1 : x - y) : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    if (c !== 0) return o.ascending ? c : -c;
  }
  return 0;
}
