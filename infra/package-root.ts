import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory of certwatch's package.json: the functions' sources are found from there, whether this module runs
 * from infra/ (the repository's CDK app) or from the package's built main entry (a user's CDK app).
 */
export function packageRoot(from: string = __dirname): string {
  for (let directory = from; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'certwatch') return directory;
    if (dirname(directory) === directory) throw new Error(`cannot find certwatch's package.json above ${from}`);
  }
}
