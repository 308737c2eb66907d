import { certificateIdForResult, certificateSourceOf } from '../../functions/core/certificate-id';
import { accountAndRegionOf } from '../../functions/core/cloud-scope';
import { checkCommand } from '../../functions/notify/render/certwatch-commands';

// Tier 1: which source a certificate id names, where an ACM or IAM one lives, and the command that reads it again.

const ROLE = 'arn:aws:iam::444455556666:role/certwatch-reader';

test.each([
  ['api.example.com:443', 'tls'],
  ['iam:443', 'tls'],
  ['acm:443', 'tls'],
  ['smtp://mail.example.com:587', 'tls'],
  ['file://certs/a.pem#2', 'file'],
  ['file:///etc/ssl/b.pem', 'file'],
  ['arn:aws:acm:eu-west-1:111122223333:certificate/abc', 'acm'],
  ['arn:aws-us-gov:acm:us-gov-west-1:111122223333:certificate/abc', 'acm'],
  ['acm:eu-west-1', 'acm'],
  [`acm:eu-west-1:${ROLE}`, 'acm'],
  ['arn:aws:iam::111122223333:server-certificate/legacy', 'iam'],
  ['iam', 'iam'],
  [`iam:${ROLE}`, 'iam'],
])('%s is a %s certificate id', (id, source) => {
  expect(certificateSourceOf(id)).toBe(source);
});

test('a file, ACM or IAM result is its own id; an endpoint keeps tls:', () => {
  expect(certificateIdForResult({ target: 'file://a.pem#1', host: null, servername: null })).toBe('file://a.pem#1');
  expect(certificateIdForResult({ target: 'a.test:443', host: 'a.test', servername: 'a.test' })).toBe('tls:a.test:443');
});

test.each([
  ['arn:aws:acm:eu-west-1:111122223333:certificate/abc', { account: '111122223333', region: 'eu-west-1' }],
  ['arn:aws:iam::111122223333:server-certificate/legacy', { account: '111122223333', region: 'global' }],
  ['acm:us-east-1', { account: null, region: 'us-east-1' }],
  [`acm:us-east-1:${ROLE}`, { account: '444455556666', region: 'us-east-1' }],
  [`iam:${ROLE}`, { account: '444455556666', region: 'global' }],
  ['tls:a.test:443', null],
])('%s lives in %j', (id, where) => {
  expect(accountAndRegionOf(id)).toEqual(where);
});

test.each([
  ['a.test:443', 'certwatch check a.test:443'],
  ['file://dist/my certs/a.pem#3', "certwatch check 'file://dist/my certs/a.pem'"],
  ['arn:aws:acm:ap-south-1:111122223333:certificate/abc', 'certwatch acm --region ap-south-1'],
  [`acm:eu-west-1:${ROLE}`, `certwatch acm --region eu-west-1 --role-arn ${ROLE}`],
  ['arn:aws:iam::111122223333:server-certificate/legacy', 'certwatch acm --iam'],
])('a notice about %s says to run %s', (target, command) => {
  expect(checkCommand(target)).toBe(command);
});
