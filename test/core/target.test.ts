import { InvalidTargetError, parseTarget, redactCredentials } from '../../functions/core/target';
import { parseTargetList } from '../../functions/core/target-list';

describe('parseTarget accepts the forms users write', () => {
  test.each([
    ['example.com', { target: 'example.com:443', host: 'example.com', port: 443, protocol: 'tls', servername: 'example.com' }],
    ['Example.COM.', { target: 'example.com:443', host: 'example.com', servername: 'example.com' }],
    ['example.com:8443', { target: 'example.com:8443', port: 8443 }],
    ['https://example.com', { target: 'example.com:443', protocol: 'tls' }],
    ['https://example.com:9443/health?x=1#top', { target: 'example.com:9443', port: 9443 }],
    ['10.0.0.5:636', { target: '10.0.0.5:636', host: '10.0.0.5', servername: null }],
    ['[2001:db8::1]:8443', { target: '[2001:db8::1]:8443', host: '2001:db8::1', port: 8443, servername: null }],
    ['[::1]', { target: '[::1]:443', host: '::1', port: 443 }],
    ['2001:db8::1', { target: '[2001:db8::1]:443', host: '2001:db8::1' }],
    ['smtp://mail.example.com', { target: 'smtp://mail.example.com:25', port: 25, protocol: 'smtp' }],
    ['smtp://mail.example.com:587', { target: 'smtp://mail.example.com:587', port: 587, protocol: 'smtp' }],
    ['submission://mail.example.com', { target: 'submission://mail.example.com:587', port: 587, protocol: 'smtp' }],
    ['imap://mail.example.com', { port: 143, protocol: 'imap' }],
    ['pop3://mail.example.com', { port: 110, protocol: 'pop3' }],
    ['ftp://files.example.com', { port: 21, protocol: 'ftp' }],
    ['postgres://db.example.com', { target: 'postgres://db.example.com:5432', port: 5432, protocol: 'postgres' }],
    ['postgresql://db.example.com/app', { target: 'postgres://db.example.com:5432', protocol: 'postgres' }],
    ['ldap://dir.example.com', { port: 389, protocol: 'ldap' }],
    ['xmpp://chat.example.com', { port: 5222, protocol: 'xmpp' }],
    ['  example.com  ', { target: 'example.com:443' }],
  ])('%s', (input, expected) => {
    expect(parseTarget(input)).toMatchObject(expected);
  });

  test('IDN host names become punycode, for the connection and the name verified', () => {
    expect(parseTarget('bücher.example:443')).toMatchObject({ host: 'xn--bcher-kva.example', servername: 'xn--bcher-kva.example', target: 'xn--bcher-kva.example:443' });
    expect(parseTarget('https://例え.jp')).toMatchObject({ host: 'xn--r8jz45g.jp' });
  });

  test('--servername overrides the name sent and verified, also for an IP address', () => {
    expect(parseTarget('10.0.0.5:8443', 'API.internal')).toMatchObject({ host: '10.0.0.5', servername: 'api.internal' });
  });
});

describe('parseTarget rejects bad input with a reason', () => {
  test.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['exa mple.com', 'white space'],
    ['example.com:0', 'out of range'],
    ['example.com:65536', 'out of range'],
    ['example.com:-1', 'not a number'],
    ['example.com:https', 'not a number'],
    ['example.com:', 'not a number'],
    ['https://user:secret@example.com', 'credentials'],
    ['gopher://example.com', 'unknown scheme "gopher"'],
    ['example.com/path', 'needs a scheme'],
    ['2001:db8::1:443x', 'needs brackets'],
    ['[2001:db8::1', 'missing "]"'],
    ['[not-v6]:443', 'not an IPv6 address'],
    ['-bad-.example', 'not a valid host name'],
    ['a'.repeat(64) + '.example', 'not a valid host name'],
    [':443', 'no host name'],
  ])('%j: %s', (input, reason) => {
    expect(() => parseTarget(input)).toThrow(InvalidTargetError);
    expect(() => parseTarget(input)).toThrow(reason);
  });

  test('credentials never appear in the error message', () => {
    const error = (() => {
      try {
        parseTarget('https://user:secret@example.com');
      } catch (caught) {
        return caught as InvalidTargetError;
      }
      throw new Error('expected parseTarget to throw');
    })();
    expect(error).toMatchObject({ code: 'INVALID_TARGET', input: 'https://***@example.com' });
    expect(error?.message).not.toContain('secret');
  });

  test('an IP address is not a servername', () => {
    expect(() => parseTarget('example.com', '10.0.0.1')).toThrow('must be a host name');
  });
});

describe('parseTargetList', () => {
  test('skips blank lines and comments, keeps order', () => {
    expect(parseTargetList('# prod\nexample.com\n\n  api.example.com:8443  # the API\r\n#smtp://x\nsmtp://mail.example.com\n')).toEqual([
      'example.com',
      'api.example.com:8443',
      'smtp://mail.example.com',
    ]);
  });
});

describe('redactCredentials', () => {
  test('hides user and password anywhere in the text', () => {
    expect(redactCredentials('connect to smtp://bob:hunter2@mail.example.com:25 failed')).toBe('connect to smtp://***@mail.example.com:25 failed');
  });
});
