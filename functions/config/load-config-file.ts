import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type CertwatchConfig } from '../core/config';

/** Reads and validates certwatch.config.json. Throws ConfigError (file, line and column, or field). */
export function loadConfigFile(file: string): CertwatchConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${describeJsonError(text, error as Error)}`]);
  }
  return parseConfig(json, file);
}

function describeJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message);
  const reason = error.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  if (!position) return reason;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${reason} at line ${line}, column ${column}`;
}
