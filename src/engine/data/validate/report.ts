// The result of validating a dataset file: what `sextant data validate --json` prints (docs/cli.md).
import { z } from 'zod';

const ValidationExampleSchema = z.object({
  line: z.number().int().describe('Line of the file (row number for Parquet).'),
  value: z.string().describe('The value as text, "(missing)" for a missing one; masked or hashed when the column holds personal data.'),
});

const ValidationResultSchema = z.object({
  check: z.string().describe('not_null, between, in, unique, regex, type, max_missing, rows, schema_unchanged, pii, column, strays, or format:<code> for a problem of the file itself.'),
  column: z.string().nullable(),
  severity: z.enum(['error', 'warning']).describe('A warning is reported but does not fail the validation.'),
  passed: z.boolean(),
  failed: z.number().int().describe('Rows (or columns, for schema_unchanged) that fail the check.'),
  message: z.string(),
  examples: z.array(ValidationExampleSchema).describe('The first failing rows, at most 5.'),
});
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

export const ValidationReportSchema = z.object({
  file: z.string(),
  dataset: z.string().nullable().describe('The dataset\'s name in the pipeline, or null for a file validated alone.'),
  position: z.enum(['line', 'row']),
  rows: z.number().int(),
  passed: z.boolean().describe('false when any error-severity result failed.'),
  results: z.array(ValidationResultSchema),
});
export type ValidationReport = z.infer<typeof ValidationReportSchema>;
