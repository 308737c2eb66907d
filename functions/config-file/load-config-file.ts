import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type * as JsoncParser from 'jsonc-parser';
import { ConfigError, parseConfig, type CertwatchConfig, type ConfigInput, type ConfigLoadOptions } from '../core/config';
import { filePathOf, isFileTarget } from '../core/file-target';

/**
 * Reads and validates certwatch.config.json. Relative `caFile` paths and file targets are resolved against the file's
 * directory and every CA file must be readable. Throws ConfigError (file, line and column, or field).
 */
export function loadConfigFile(file: string, options: ConfigLoadOptions = {}): CertwatchConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(file, [`not valid JSON: ${locateJsonError(text)}`]);
  }
  const config = parseConfig(json, file, options);
  return withCaFilesFrom(dirname(file), config, json as ConfigInput, file);
}

/**
 * What is wrong and where, and nothing of the file's content: V8's messages quote the text around the error
 * (a phone number, an address). jsonc-parser only locates it.
 */
function locateJsonError(text: string): string {
  // Loaded for a broken file only: a valid one never needs it.
  const { parse: parseJsonc, printParseErrorCode } = require('jsonc-parser') as typeof JsoncParser;
  const errors: JsoncParser.ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'the file is not JSON';
  const reason = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${reason} at line ${line}, column ${column}`;
}

/**
 * CA files named in the config, relative to the config file's directory, each read once now: a typo is a config
 * mistake naming the field, not a probe failure noticed runs later.
 */
function withCaFilesFrom(directory: string, config: CertwatchConfig, input: ConfigInput, file: string): CertwatchConfig {
  const locate = (path: string) => (isAbsolute(path) ? path : resolve(directory, path));
  const named: { field: string; path: string }[] = [];
  if (input.check?.caFile !== undefined) named.push({ field: 'check.caFile', path: input.check.caFile });
  (input.targets ?? []).forEach((entry, index) => {
    if (typeof entry !== 'string' && entry.caFile !== undefined) named.push({ field: `targets.${index}.caFile`, path: entry.caFile });
  });
  // One read per file, however many targets name it (a private CA's file is typically named by all of them).
  const unreadable = new Map<string, string | null>();
  const readError = (path: string): string | null => {
    const located = locate(path);
    if (!unreadable.has(located)) {
      try {
        readFileSync(located);
        unreadable.set(located, null);
      } catch (error) {
        unreadable.set(located, (error as NodeJS.ErrnoException).code ?? String(error));
      }
    }
    return unreadable.get(located) ?? null;
  };
  const problems = named.flatMap(({ field, path }) => {
    const error = readError(path);
    return error === null ? [] : [`${field}: cannot read ${path} (${error})`];
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    ...config,
    check: { ...config.check, ...(config.check.caFile !== undefined ? { caFile: locate(config.check.caFile) } : {}) },
    targets: config.targets.map((target) => ({
      ...target,
      caFiles: target.caFiles.map(locate),
      ...(isFileTarget(target.target) ? { filePath: locate(filePathOf(target.target)) } : {}),
    })),
  };
}
