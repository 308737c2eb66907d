import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsRole } from '../core/cloud-scope';
import { AssumeRoleError } from './aws-error';

// Credentials of a role assumed with STS (from the default credential chain), for the clients that list another
// account. Assumed once, on first use, and again shortly before they expire; a refusal is an AssumeRoleError, so that
// the listing reports ASSUME_ROLE_FAILED for that account rather than a denial by the service.

/** Renewed this long before they expire: a listing in flight must not sign with expired credentials. */
const REFRESH_BEFORE_MS = 5 * 60_000;

export const ROLE_SESSION_NAME = 'certwatch';

export function assumedRoleCredentials(role: AwsRole, sts: STSClient): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    try {
      const { Credentials: credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: role.roleArn, RoleSessionName: ROLE_SESSION_NAME, ...(role.externalId ? { ExternalId: role.externalId } : {}) }),
      );
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new Error('STS returned no credentials');
      return { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken, expiration: credentials.Expiration };
    } catch (error) {
      throw new AssumeRoleError(role.roleArn, error);
    }
  };
  return async () => {
    const credentials = current ? await current.catch(() => undefined) : undefined;
    if (!credentials || (credentials.expiration && credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_MS)) {
      current = assume();
    }
    return current!;
  };
}
