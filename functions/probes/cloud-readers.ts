import { ACMClient } from '@aws-sdk/client-acm';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { assumedRoleCredentials } from '../aws/assumed-role-credentials';
import { sdkClientConfig, type SdkClientOverrides } from '../aws/sdk-client-config';
import type { AwsRole, AwsScope } from '../core/cloud-scope';
import type { AcmCertificateReader, CloudCertificateReaders, IamCertificateReader } from '../core/ports';
import { AcmSdkReader } from './acm/acm-reader';
import { IamSdkReader } from './iam/iam-reader';

// The readers of ACM and IAM for each scope, with SDK clients built the house way (time limits, adaptive retry,
// the endpoint from the SDK's resolution: AWS_ENDPOINT_URL_ACM, _IAM and _STS point them elsewhere). A role is
// assumed once (STS, from the default credential chain) however many regions are listed with it. A Lambda keeps
// one instance per container; the CLI builds one per command.

export class SdkCloudReaders implements CloudCertificateReaders {
  private readonly roles = new Map<string, AwsCredentialIdentityProvider>();
  private sts: STSClient | undefined;

  /** `overrides` apply to every client (tests point them at loopback fakes). */
  constructor(private readonly overrides: SdkClientOverrides = {}) {}

  private readonly acmReaders = new Map<string, AcmCertificateReader>();
  private readonly iamReaders = new Map<string, IamCertificateReader>();

  // One client per scope for the life of this instance: what adaptive retry learned from throttling is kept.
  acm(scope: AwsScope): AcmCertificateReader {
    return cachedIn(this.acmReaders, scopeKey(scope), () => new AcmSdkReader(new ACMClient(sdkClientConfig('ACM', this.clientOverrides(scope)))));
  }

  iam(scope: AwsScope): IamCertificateReader {
    return cachedIn(this.iamReaders, scopeKey(scope), () => new IamSdkReader(new IAMClient(sdkClientConfig('IAM', this.clientOverrides(scope)))));
  }

  private clientOverrides(scope: AwsScope): SdkClientOverrides {
    return {
      ...this.overrides,
      ...(scope.region ? { region: scope.region } : {}),
      ...(scope.role ? { credentials: this.credentialsOf(scope.role) } : {}),
    };
  }

  private credentialsOf(role: AwsRole): AwsCredentialIdentityProvider {
    return cachedIn(this.roles, roleKey(role), () => {
      this.sts ??= new STSClient(sdkClientConfig('STS', this.overrides));
      return assumedRoleCredentials(role, this.sts);
    });
  }
}

function roleKey(role: AwsRole): string {
  return `${role.roleArn}\0${role.externalId ?? ''}`;
}

function scopeKey(scope: AwsScope): string {
  return `${scope.region ?? ''}\0${scope.role ? roleKey(scope.role) : ''}`;
}

function cachedIn<T>(entries: Map<string, T>, key: string, make: () => T): T {
  let value = entries.get(key);
  if (value === undefined) {
    value = make();
    entries.set(key, value);
  }
  return value;
}
