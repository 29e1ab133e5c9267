/// <reference types="node" />
/**
 * Command-line flags for the scripts: `node:util` `parseArgs`, with refusals that name the flag the way a
 * person typed it ("unknown option --frm", "--from needs a value") instead of Node's generic wording.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** A command line the script cannot take; the script prints the message and its usage text. */
export class UsageError extends Error {}

/**
 * Parses `args` against `options` (long flags; `short` letters allowed). Throws a `UsageError` for an
 * unknown flag or a stray argument, a string flag without a value (also `--from --force`: a value that
 * looks like a flag must be written `--from=-x`), and a value given to a boolean flag.
 */
export function parseFlags<const O extends FlagSpecs>(args: readonly string[], options: O) {
  checkTokens(args, options, false);
  return parseArgs({ args: [...args], options, strict: true }).values;
}

/**
 * `parseFlags` for a command that also takes plain arguments (a subcommand, file names): the same
 * refusals for flags, and the arguments that are not flags, in order.
 */
export function parseCommandLine<const O extends FlagSpecs>(args: readonly string[], options: O) {
  checkTokens(args, options, true);
  const { values, positionals } = parseArgs({
    args: [...args],
    options,
    strict: true,
    allowPositionals: true,
  });
  return { values, positionals };
}

function checkTokens(args: readonly string[], options: FlagSpecs, allowPositionals: boolean): void {
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional' && !allowPositionals)
      throw new UsageError(`unknown option ${token.value}`);
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName}`);
    const value = token.value;
    if (spec.type === 'boolean' && value !== undefined)
      throw new UsageError(`${token.rawName} takes no value`);
    if (spec.type === 'string' && (!value || (!token.inlineValue && value.startsWith('-'))))
      throw new UsageError(`${token.rawName} needs a value`);
  }
}
