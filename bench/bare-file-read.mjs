// The baseline of bench/file-check.mjs: the least a file check must do. Walks the folder, reads every .pem file and
// parses each certificate in it with Node's own X509Certificate; no chain, no judging. Prints how many it parsed.
//   node bench/bare-file-read.mjs DIR
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let parsed = 0;
for (const entry of readdirSync(process.argv[2], { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.pem')) continue;
  const text = readFileSync(join(entry.parentPath ?? entry.path, entry.name), 'utf8');
  for (const block of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    new X509Certificate(block);
    parsed++;
  }
}
process.stdout.write(`${parsed}\n`);
