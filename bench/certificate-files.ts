// Writes the certificate files of bench/file-check.mjs (run with `node --import tsx`): FILES PEM files in nested
// folders, each holding PER_FILE certificates (PER_FILE - 1 distinct leaves and the intermediate that issued them),
// and the root in root.pem beside them. Every leaf has 200 days left, so every certificate is `ok` with the root
// given as --ca-file. Usage: node --import tsx bench/certificate-files.ts DIR FILES PER_FILE
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainFor, daysFromNow, issue } from '../test/support/pki';

async function main(): Promise<void> {
  const [dir, files, perFile] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
  const { root, intermediate } = await chainFor(['bench.unused']);
  writeFileSync(join(dir, 'root.pem'), root.certPem);
  for (let file = 0; file < files; file++) {
    const folder = join(dir, 'release', `service-${Math.floor(file / 100)}`, file % 2 === 0 ? 'tls' : 'config/certs');
    mkdirSync(folder, { recursive: true });
    const leaves = await Promise.all(
      Array.from({ length: perFile - 1 }, (_, n) => issue({ subject: `CN=svc-${file}-${n}.bench.test`, sans: [`svc-${file}-${n}.bench.test`], issuer: intermediate, notAfter: daysFromNow(200.5) })),
    );
    writeFileSync(join(folder, `bundle-${file}.pem`), [...leaves, intermediate].map((cert) => cert.certPem).join('\n'));
  }
}

void main();
