// The profile of a dataset file: what `sextant data profile --json` prints (docs/cli.md) and what a
// reference profile for the `schema_unchanged` expectation is read from.
import { z } from 'zod';
import { ReadIssueSchema, DataFormatSchema, EncodingSchema } from '../read/batch';
import { PiiKindSchema } from '../pii/detect';
import { PiiRuleSchema } from '../pii/protect';

const COLUMN_TYPES = ['integer', 'float', 'boolean', 'datetime', 'string', 'categorical', 'empty'] as const;
export const ColumnTypeSchema = z.enum(COLUMN_TYPES);
export type ColumnType = z.infer<typeof ColumnTypeSchema>;

const ExampleSchema = z.object({ line: z.number().int(), value: z.string().describe('PII-masked when the column is flagged.') });

const ColumnProfileSchema = z.object({
  name: z.string(),
  type: ColumnTypeSchema.describe('What most values are; `categorical`: text with few distinct values; `empty`: every value missing.'),
  count: z.number().int().describe('Values present.'),
  missing: z.number().int(),
  missingShare: z.number(),
  distinct: z.object({ value: z.number().int(), exact: z.boolean().describe('false: a HyperLogLog estimate (±0.81% standard error).') }),
  kinds: z.object({ integer: z.number().int(), float: z.number().int(), boolean: z.number().int(), datetime: z.number().int(), string: z.number().int() }).describe('How many values of each kind.'),
  strays: z
    .object({ count: z.number().int(), examples: z.array(ExampleSchema) })
    .nullable()
    .describe('Values that are not of the column\'s type (e.g. "abc" in a numeric column), with the first lines; null when there are none.'),
  numeric: z
    .object({
      min: z.number(),
      max: z.number(),
      mean: z.number(),
      std: z.number().describe('Sample standard deviation (n − 1), 0 for one value.'),
      quantiles: z.object({ p01: z.number(), p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number(), p99: z.number() }),
      histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }).describe('Equal-width bins from min to max; the last bin includes max.'),
      exact: z.boolean().describe('true: quantiles and histogram from exact counts; false: from the KLL sketch (rank error ≤ 1%).'),
    })
    .nullable()
    .describe('For integer and float columns (over their numeric values); null otherwise and for personal data.'),
  datetime: z.object({ min: z.string(), max: z.string() }).nullable(),
  topValues: z.array(z.object({ value: z.string(), count: z.number().int() })).describe('Most frequent values (text, boolean and categorical columns), PII-masked. When distinct is not exact, the candidates are the 1,000 values most frequent when the 10,000th distinct value was met (their counts stay exact).'),
  pii: z
    .object({ kind: PiiKindSchema.nullable(), share: z.number().describe('Share of the sampled values of that kind.'), rule: PiiRuleSchema.nullable() })
    .nullable()
    .describe('Personal data found, or a `pii:` rule for the column; null when neither.'),
});
export type ColumnProfile = z.infer<typeof ColumnProfileSchema>;

export const DatasetProfileSchema = z.object({
  file: z.string(),
  format: DataFormatSchema,
  encoding: EncodingSchema,
  delimiter: z.string().nullable(),
  position: z.enum(['line', 'row']),
  bytes: z.number().int(),
  rows: z.number().int(),
  columns: z.array(ColumnProfileSchema),
  issues: z.array(ReadIssueSchema),
});
export type DatasetProfile = z.infer<typeof DatasetProfileSchema>;
