// `npm run fuzz [-- --count N --seed S --only certificates|files|config|events|states|starttls]`: random inputs of
// the kinds users, other tools and hostile servers give certwatch, through the real readers; exits 1 if any comes out
// as anything but a result or the error named for it (see each *.fuzz.ts). Not part of `npm test`: its inputs are
// fresh at each run; each bug it found has a repeatable test.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { fuzzCertificateFiles } from './certificate-files.fuzz';
import { fuzzCertificates } from './certificates.fuzz';
import { fuzzConfig } from './config.fuzz';
import { fuzzEvents } from './events.fuzz';
import { fuzzStartTls } from './starttls.fuzz';
import { fuzzStates } from './states.fuzz';
import type { Fuzz } from './fuzzing';

const FUZZERS: Readonly<Record<string, Fuzz>> = { certificates: fuzzCertificates, files: fuzzCertificateFiles, config: fuzzConfig, events: fuzzEvents, states: fuzzStates, starttls: fuzzStartTls };

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' }, only: { type: 'string' } } });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const names = values.only === undefined ? Object.keys(FUZZERS) : [values.only];
  if (!(count >= 1) || !Number.isInteger(seed) || names.some((name) => !(name in FUZZERS))) {
    process.stderr.write(`usage: npm run fuzz -- [--count N] [--seed S] [--only ${Object.keys(FUZZERS).join('|')}]\n`);
    return 2;
  }
  let found = 0;
  for (const name of names) {
    process.stdout.write(`${name} (${count} per kind, seed ${seed}):\n`);
    const bugs = await FUZZERS[name]({ count, seed, report: (line) => process.stdout.write(`  ${line}\n`) });
    for (const [what, times] of bugs) process.stdout.write(`  BUG (${times}x) ${what}\n`);
    found += bugs.size;
  }
  process.stdout.write(found === 0 ? 'no bug found\n' : `${found} distinct bugs found\n`);
  return found === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(`fuzz: ${(error as Error).stack}\n`);
    process.exitCode = 2;
  },
);
