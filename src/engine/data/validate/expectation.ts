// One expectation as the pipeline declares it (the zod schema in pipeline/schema.ts is the source).
import type { Pipeline } from '../../pipeline/schema';

export type Expectation = NonNullable<Pipeline['expectations']>[string][number];

/** Keys that check one column, and keys that check the whole dataset. */
export const COLUMN_KEYS = ['not_null', 'between', 'in', 'unique', 'regex', 'type', 'max_missing', 'pii'] as const;
export const DATASET_KEYS = ['rows', 'schema_unchanged'] as const;
