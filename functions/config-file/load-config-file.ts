import { dirname, isAbsolute, resolve } from 'node:path';
import type * as JsoncParser from 'jsonc-parser';
import { ConfigError, parseConfig, type CertwatchConfig, type ConfigInput, type ConfigLoadOptions } from '../core/config';
import { filePathOf, isFileTarget } from '../core/file-target';
import { CaFileContentError, readCaFile } from '../files/ca-file';
import { InputFileError, readInputText } from '../files/input-file';

/**
 * Reads and validates certwatch.config.json. Only a regular file within the input-file cap is read; a leading byte
 * order mark is allowed; a key given twice in one object is refused (JSON parsers keep the last one silently).
 * Relative `caFile` paths and file targets are resolved against the file's directory and every CA file must hold
 * certificates. Throws ConfigError (file, line and column, or field).
 */
export function loadConfigFile(file: string, options: ConfigLoadOptions = {}): CertwatchConfig {
  let text: string;
  try {
    text = withoutByteOrderMark(readInputText(file));
  } catch (error) {
    if (error instanceof InputFileError) throw new ConfigError(file, [`cannot read the file (${error.reason})`]);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(file, [`not valid JSON: ${locateJsonError(text)}`]);
  }
  // Each key given twice is one member fewer than the text names: only then is the text walked to say which.
  if (keysWritten(text) > membersParsed(json)) throw new ConfigError(file, duplicateKeys(text));
  const config = parseConfig(json, file, options);
  return withCaFilesFrom(dirname(file), config, json as ConfigInput, file);
}

/** Editors on Windows save UTF-8 with a byte order mark; JSON.parse calls it an invalid symbol. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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

/** How many object keys a text JSON.parse accepted names: each string followed by a colon. */
export function keysWritten(text: string): number {
  let keys = 0;
  for (let start = text.indexOf('"'); start !== -1; ) {
    // The closing quote: the next one not escaped (preceded by an even number of backslashes).
    let end = text.indexOf('"', start + 1);
    for (let backslashes = escapesBefore(text, end); backslashes % 2 === 1; backslashes = escapesBefore(text, end)) end = text.indexOf('"', end + 1);
    let next = end + 1;
    while (isJsonWhitespace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === COLON) keys++;
    start = text.indexOf('"', next);
  }
  return keys;
}

/** The members of every object in a parsed JSON value. */
export function membersParsed(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let members = 0;
  if (Array.isArray(value)) {
    for (const element of value) members += membersParsed(element);
    return members;
  }
  for (const key of Object.keys(value)) members += 1 + membersParsed((value as Record<string, unknown>)[key]);
  return members;
}

const COLON = 0x3a;
const BACKSLASH = 0x5c;

function escapesBefore(text: string, quote: number): number {
  let count = 0;
  while (text.charCodeAt(quote - 1 - count) === BACKSLASH) count++;
  return count;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Keys given twice in one object, each named by its path and both lines: JSON.parse keeps the last silently (a second,
 * empty `audiences` would replace the one with every address). Keys are named, values never shown.
 */
function duplicateKeys(text: string): string[] {
  const { visit } = require('jsonc-parser') as typeof JsoncParser;
  const objects: Map<string, number>[] = [];
  const problems: string[] = [];
  visit(text, {
    onObjectBegin: () => {
      objects.push(new Map());
    },
    onObjectEnd: () => {
      objects.pop();
    },
    onObjectProperty: (property, _offset, _length, startLine, _startCharacter, pathSupplier) => {
      const keys = objects.at(-1);
      const first = keys?.get(property);
      if (first === undefined) {
        keys?.set(property, startLine + 1);
        return;
      }
      const path = [...pathSupplier(), property].join('.');
      problems.push(`${path}: the key is given twice (lines ${first} and ${startLine + 1}); give it once`);
    },
  });
  return problems;
}

/**
 * CA files named in the config, relative to the config file's directory, each read once now: a typo, or a file that
 * holds no certificate, is a config mistake naming the field, not a probe failure noticed runs later.
 */
function withCaFilesFrom(directory: string, config: CertwatchConfig, input: ConfigInput, file: string): CertwatchConfig {
  const locate = (path: string) => (isAbsolute(path) ? path : resolve(directory, path));
  const named: { field: string; path: string }[] = [];
  if (input.check?.caFile !== undefined) named.push({ field: 'check.caFile', path: input.check.caFile });
  (input.targets ?? []).forEach((entry, index) => {
    if (typeof entry !== 'string' && entry.caFile !== undefined) named.push({ field: `targets.${index}.caFile`, path: entry.caFile });
  });
  // One read per file, however many targets name it (a private CA's file is typically named by all of them).
  const verdicts = new Map<string, string | null>();
  const problemWith = (path: string): string | null => {
    const located = locate(path);
    if (!verdicts.has(located)) verdicts.set(located, caFileProblem(located, path));
    return verdicts.get(located) ?? null;
  };
  const problems = named.flatMap(({ field, path }) => {
    const problem = problemWith(path);
    return problem === null ? [] : [`${field}: ${problem}`];
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

/** What is wrong with the CA file at `located`, named as the config wrote it (`written`); null when it is fine. */
function caFileProblem(located: string, written: string): string | null {
  try {
    readCaFile(located);
    return null;
  } catch (error) {
    if (error instanceof InputFileError) return `cannot read ${written} (${error.reason})`;
    if (error instanceof CaFileContentError) return `${written} ${error.problem}`;
    throw error;
  }
}
