import { GetServerCertificateCommand, type IAMClient, ListServerCertificatesCommand, type ServerCertificateMetadata } from '@aws-sdk/client-iam';
import type { IamCertificateReader, IamServerCertificate } from '../../core/ports';
import { toAwsProbeError } from '../../aws/aws-error';
import { observeBundle } from '../files/bundle-observations';
import { CertificateFileError, decodeCertificateFile } from '../files/certificate-file-formats';
import { TrustStore } from '../trust-store';

// One account's IAM server certificates (IAM is global). An account holds few (20 by default): each is read whole
// with GetServerCertificate, its body then the chain uploaded with it, and judged like a certificate file, so a
// certificate uploaded without its intermediate shows as INCOMPLETE_CHAIN, what the load balancer would serve.

const PAGE_SIZE = 1000;
const READS_AT_ONCE = 4;

export class IamSdkReader implements IamCertificateReader {
  private readonly trust = TrustStore.defaults();

  constructor(private readonly client: IAMClient) {}

  async listServerCertificates(): Promise<IamServerCertificate[]> {
    const listed: ServerCertificateMetadata[] = [];
    let marker: string | undefined;
    do {
      try {
        const page = await this.client.send(new ListServerCertificatesCommand({ MaxItems: PAGE_SIZE, Marker: marker }));
        listed.push(...(page.ServerCertificateMetadataList ?? []));
        marker = page.IsTruncated ? page.Marker : undefined;
      } catch (error) {
        throw toAwsProbeError(error, 'ListServerCertificates');
      }
    } while (marker);
    const certificates: IamServerCertificate[] = new Array(listed.length);
    let next = 0;
    const worker = async () => {
      while (next < listed.length) {
        const index = next++;
        certificates[index] = await this.read(listed[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, listed.length) }, worker));
    return certificates;
  }

  /** One certificate, whole; a failure is that certificate's error, not the account's. */
  private async read(metadata: ServerCertificateMetadata): Promise<IamServerCertificate> {
    const arn = metadata.Arn ?? `iam server certificate ${metadata.ServerCertificateName}`;
    let body: string;
    let chain: string;
    try {
      const { ServerCertificate: certificate } = await this.client.send(new GetServerCertificateCommand({ ServerCertificateName: metadata.ServerCertificateName }));
      body = certificate?.CertificateBody ?? '';
      chain = certificate?.CertificateChain ?? '';
    } catch (error) {
      const { code, message } = toAwsProbeError(error, 'GetServerCertificate');
      return { arn, error: { code, message: `${arn}: ${message}` } };
    }
    if (!body.includes('-----BEGIN')) return { arn, error: { code: 'NOT_A_CERTIFICATE', message: `${arn}: GetServerCertificate returned no certificate body` } };
    try {
      const [first] = observeBundle(decodeCertificateFile(new TextEncoder().encode(`${body}\n${chain}`)).entries, this.trust);
      if ('problem' in first) return { arn, error: { code: 'NOT_A_CERTIFICATE', message: `${arn}: ${first.problem}` } };
      return { arn, observation: first.observation };
    } catch (error) {
      if (!(error instanceof CertificateFileError)) throw error;
      return { arn, error: { code: error.code, message: `${arn}: its body ${error.message}` } };
    }
  }
}
