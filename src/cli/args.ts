// A small, strict argument parser: declared options only, so a typo is a usage error (exit 2), not ignored.
export interface OptionSpec {
  name: string;
  alias?: string;
  type: 'boolean' | 'string';
  description: string;
  /** May be given more than once (values are collected). */
  multiple?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, boolean>;
  values: Record<string, string[]>;
}

const USAGE_ERROR = Symbol.for('sextant.cli.UsageError');

/** Bad usage (exit 2). Each command module is a bundle of its own in the built CLI, with its own copy of this
 * class, so `instanceof` looks for a mark that every copy sets rather than at the class itself. */
export class UsageError extends Error {
  readonly [USAGE_ERROR] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [USAGE_ERROR]?: unknown })[USAGE_ERROR] === true;
  }
}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], flags: {}, values: {} };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byAlias = new Map(specs.filter((s) => s.alias).map((s) => [s.alias!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      spec = byAlias.get(arg.slice(1));
      if (!spec) throw new UsageError(`unknown option ${arg}`);
    } else {
      parsed.positionals.push(arg);
      continue;
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      parsed.flags[spec.name] = true;
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${spec.name} needs a value`);
      const list = (parsed.values[spec.name] ??= []);
      if (list.length > 0 && !spec.multiple) throw new UsageError(`--${spec.name} given twice`);
      list.push(value);
    }
  }
  return parsed;
}

export function value(args: ParsedArgs, name: string): string | undefined {
  return args.values[name]?.[0];
}
