import type { Command } from 'commander';
import { exitCodeFor, worstStatus } from '../core/check-result';
import { cloudSources, EXTERNAL_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN } from '../core/cloud-scope';
import type * as CloudReaders from '../probes/cloud-readers';
import type * as ListCloudCertificates from '../use-cases/list-cloud-certificates';
import type { CliIo } from './cli-io';
import { addThresholdOptions, collect, thresholdsFromFlags, type ThresholdFlags } from './options';
import { checkTableRow, renderCheckTable } from './render-table';
import { UsageError } from './usage-error';

interface AcmFlags extends ThresholdFlags {
  region?: string[];
  roleArn?: string[];
  externalId?: string;
  rolesOnly?: boolean;
  iam?: boolean;
  json?: boolean;
}

export function registerAcmCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('acm')
    .description('List ACM certificates (every key type) in each region and account, and IAM server certificates with --iam; judge them as check does.')
    .option('--region <region>', "an ACM region to list; repeatable (default: the SDK's region, AWS_REGION)", collect)
    .option('--role-arn <arn>', "also list the account of this role, assumed with STS from the default credentials, in the same regions; repeatable", collect)
    .option('--external-id <id>', 'the external id the roles require')
    .option('--roles-only', "list only the roles' accounts, not the default credentials' own")
    .option('--iam', "add each account's IAM server certificates (IAM is global)")
    .option('--json', 'print exactly one JSON array, one object per certificate (target: its ARN), then one per account or region that failed');
  addThresholdOptions(command)
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 warning, 2 critical or expired, 3 error (a region or account that could not be listed) or usage mistake.\n' +
        'An ACM certificate ACM renews itself is quiet until the renewal is late (45 days before expiry), then critical.\n' +
        'Examples:\n  certwatch acm --region eu-west-1 --region us-east-1 --iam\n  certwatch acm --role-arn arn:aws:iam::111122223333:role/certwatch-reader --json\n',
    )
    .action(async (flags: AcmFlags) => {
      const thresholds = thresholdsFromFlags(flags, 'acm');
      const regions = flags.region ?? [];
      const roles = flags.roleArn ?? [];
      const badRegion = regions.find((region) => !REGION_PATTERN.test(region));
      if (badRegion !== undefined) throw new UsageError(`acm: --region ${JSON.stringify(badRegion)} is not a region name such as eu-west-1`);
      const badRole = roles.find((roleArn) => !ROLE_ARN_PATTERN.test(roleArn));
      if (badRole !== undefined) throw new UsageError(`acm: --role-arn ${JSON.stringify(badRole)} is not a role ARN such as arn:aws:iam::111122223333:role/reader`);
      if (flags.externalId !== undefined && !EXTERNAL_ID_PATTERN.test(flags.externalId)) throw new UsageError('acm: --external-id must be 2-1224 letters, digits or +=,.@:/-');
      if (flags.externalId !== undefined && roles.length === 0) throw new UsageError('acm: --external-id goes with --role-arn');
      if (flags.rolesOnly && roles.length === 0) throw new UsageError('acm: --roles-only needs at least one --role-arn');
      const sources = cloudSources({
        regions,
        roles: roles.map((roleArn) => ({ roleArn, ...(flags.externalId ? { externalId: flags.externalId } : {}) })),
        ownAccount: !flags.rolesOnly,
        acm: true,
        iam: Boolean(flags.iam),
      });
      // The AWS SDK clients, and the listing (node:crypto among it), load only when this command runs.
      const { SdkCloudReaders } = require('../probes/cloud-readers') as typeof CloudReaders;
      const { listCloudCertificates } = require('../use-cases/list-cloud-certificates') as typeof ListCloudCertificates;
      const { results } = await listCloudCertificates(sources, thresholds, { readers: new SdkCloudReaders(), now: () => new Date() });
      io.out(flags.json ? JSON.stringify(results, null, 2) + '\n' : results.length === 0 ? 'no certificates\n' : renderCheckTable(results.map(checkTableRow), io.isTty));
      setExitCode(exitCodeFor(worstStatus(results.map((result) => result.status))));
    });
}
