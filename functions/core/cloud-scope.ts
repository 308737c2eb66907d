// Where ACM and IAM certificates are listed: an account (the default credentials', or one reached by assuming a role)
// and, for ACM, a region. Each scope is listed on its own: one that fails is an error for that scope alone.

/** An AWS region name: eu-west-1, us-gov-west-1, cn-north-1. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** An IAM role ARN, in any partition. */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** An STS external id. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

export interface AwsRole {
  readonly roleArn: string;
  readonly externalId?: string;
}

export interface AwsScope {
  /** null: the SDK's region (AWS_REGION, the profile). IAM is global: there, only the region its requests are signed for. */
  readonly region: string | null;
  /** null: the default credentials' own account. */
  readonly role: AwsRole | null;
}

/** Every scope a listing covers. */
export interface CloudSources {
  readonly acm: readonly AwsScope[];
  /** One per account: IAM server certificates are global (the region, when given, only signs the requests). */
  readonly iam: readonly AwsScope[];
}

export interface CloudSourcesRequest {
  /** ACM regions; empty: the SDK's region. */
  readonly regions: readonly string[];
  /** Roles whose accounts are listed too, each in its own regions (default: `regions`). */
  readonly roles: readonly (AwsRole & { readonly regions?: readonly string[] })[];
  /** List the default credentials' own account (false: only the roles' accounts). */
  readonly ownAccount: boolean;
  /** ACM at all (false: only IAM, when `iam`). */
  readonly acm: boolean;
  readonly iam: boolean;
}

/** The scopes a request names, own account first, then each role in order; regions as given, each once. Pure. */
export function cloudSources(request: CloudSourcesRequest): CloudSources {
  const regionsOrDefault = (regions: readonly string[] | undefined) => (regions && regions.length > 0 ? [...new Set(regions)] : [null]);
  const accounts: { role: AwsRole | null; regions: (string | null)[] }[] = [
    ...(request.ownAccount ? [{ role: null, regions: regionsOrDefault(request.regions) }] : []),
    ...request.roles.map(({ regions, ...role }) => ({ role, regions: regionsOrDefault(regions ?? request.regions) })),
  ];
  return {
    acm: request.acm ? accounts.flatMap(({ role, regions }) => regions.map((region) => ({ region, role }))) : [],
    // IAM is global; the account's first region only signs its requests (so no AWS_REGION is needed for them).
    iam: request.iam ? accounts.map(({ role, regions }) => ({ region: regions[0], role })) : [],
  };
}

/**
 * The name of a scope in results and errors: `acm:eu-west-1`, `acm:eu-west-1:arn:aws:iam::111122223333:role/reader`,
 * `iam`, `iam:arn:aws:iam::111122223333:role/reader`. `region` is the one resolved (null when it could not be).
 */
export function scopeId(service: 'acm' | 'iam', region: string | null, role: AwsRole | null): string {
  const where = service === 'acm' ? `acm:${region ?? '(no region)'}` : 'iam';
  return role ? `${where}:${role.roleArn}` : where;
}

/**
 * The account and region of an ACM or IAM certificate id (its ARN) or listing scope (`acm:eu-west-1:<role ARN>`):
 * IAM is `global`; an account is null when only the default credentials know it. Null for other ids. Pure.
 */
export function accountAndRegionOf(certificateId: string): { readonly account: string | null; readonly region: string } | null {
  const arn = /^arn:aws[a-z-]*:(acm|iam):([a-z0-9-]*):(\d{12}):/.exec(certificateId);
  if (arn) return { account: arn[3], region: arn[1] === 'iam' ? 'global' : arn[2] };
  const scope = /^(acm:([^:]+)|iam)(?::(arn:.*))?$/.exec(certificateId);
  if (!scope) return null;
  const roleAccount = scope[3] ? (/^arn:aws[a-z-]*:iam::(\d{12}):/.exec(scope[3])?.[1] ?? null) : null;
  return { account: roleAccount, region: scope[2] ?? 'global' };
}
