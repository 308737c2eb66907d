// The baseline of bench/acm-listing.mjs: the least any ACM inventory must do, the bare SDK pagination. One ACMClient
// per region (adaptive retry, like certwatch's), ListCertificates at 1,000 a page with every key type, regions at
// once, no judging and no DescribeCertificate. Prints the number of certificates listed.
//   node bench/bare-acm-list.mjs eu-west-1 us-east-1 ap-southeast-2
import { ACMClient, KeyAlgorithm, ListCertificatesCommand } from '@aws-sdk/client-acm';

const counts = await Promise.all(
  process.argv.slice(2).map(async (region) => {
    const client = new ACMClient({ region, retryMode: 'adaptive' });
    let listed = 0;
    let NextToken;
    do {
      const page = await client.send(new ListCertificatesCommand({ MaxItems: 1000, NextToken, Includes: { keyTypes: Object.values(KeyAlgorithm) } }));
      listed += page.CertificateSummaryList.length;
      NextToken = page.NextToken;
    } while (NextToken);
    return listed;
  }),
);
process.stdout.write(`${counts.reduce((a, b) => a + b, 0)}\n`);
