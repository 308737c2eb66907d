import { certificateIdFor, certificateIdForResult, certificateIdForTarget } from '../../functions/core/certificate-id';
import { InvalidTargetError, parseTarget, redactCredentials } from '../../functions/core/target';
import { safeLine } from '../../functions/notify/render/untrusted-text';
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
    ['admin:s3cret@db.example', 'credentials'],
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

  // URL parsers and the resolver read these as IPv4 addresses other than they look: 010.0.0.1 is 8.0.0.1.
  test.each(['010.0.0.1', '0x7f.1', '0x7f000001', '2130706433', '1.2.3', '10.0.0.01', '256.1.1.1', '1.2.3.4.5', '10.0.0.1.', 'https://0x7f.1:8443', 'smtp://010.0.0.1', '０１０.0.0.1', '0Ｘ7f.1', '10。0。0。1', '8.8.8.０１０', '10.0.0.１'])(
    'a numeric host that is not a dotted-quad IPv4 address is refused: %s',
    (input) => {
      expect(() => parseTarget(input)).toThrow(InvalidTargetError);
      expect(() => parseTarget(input)).toThrow('is neither a host name nor an IPv4 address in dotted-quad form');
    },
  );

  test('a numeric servername is refused the same way', () => {
    expect(() => parseTarget('10.0.0.5', '0x7f.1')).toThrow('dotted-quad');
  });

  test.each([
    ['a.b.c.d', 'a.b.c.d'],
    ['0x7f.example', '0x7f.example'],
    ['1password.com', '1password.com'],
    ['10.0.0.1', '10.0.0.1'],
    ['host-1.example.com2', 'host-1.example.com2'],
  ])('names with digits, and canonical addresses, are accepted: %s', (input, host) => {
    expect(parseTarget(input).host).toBe(host);
  });
});

describe('credentials in a target: refused, and the password is in no message', () => {
  test.each([
    ['admin:s3cret@db.example', 's3cret', '***@db.example'],
    ['https://user:pa/ss@host', 'pa/ss', 'https://***@host'],
    ['https://user:p@ss@host', 'p@ss', 'https://***@host'],
    ['smtp://bob:hunter2@mail.example.com:587', 'hunter2', 'smtp://***@mail.example.com:587'],
    ['postgres://app:pa ss word@db.example/app', 'pa ss', 'postgres://***@db.example/app'],
    ['admin:s3cret:99@db.example:5432', 's3cret', '***@db.example:5432'],
  ])('%s', (input, password, redacted) => {
    let error: InvalidTargetError | undefined;
    try {
      parseTarget(input);
    } catch (caught) {
      error = caught as InvalidTargetError;
    }
    expect(error).toBeInstanceOf(InvalidTargetError);
    expect(error).toMatchObject({ code: 'INVALID_TARGET', input: redacted });
    expect(error!.message).toBe(`invalid target ${JSON.stringify(redacted)}: credentials are not accepted (no "@" in a target): certwatch never logs in`);
    expect(error!.message).not.toContain(password);
    expect(error!.message).not.toContain('user:');
  });
});

describe('certificate ids', () => {
  test.each([
    [['10.0.0.5:443', 'a.internal'], 'tls:10.0.0.5:443/a.internal'],
    [['10.0.0.5:443', 'b.internal'], 'tls:10.0.0.5:443/b.internal'],
    [['10.0.0.5:443'], 'tls:10.0.0.5:443'],
    [['smtp://mail:587'], 'tls:smtp://mail:587'],
    [['https://a.example'], 'tls:a.example:443'],
    [['a.example', 'A.Example'], 'tls:a.example:443'],
    [['a.example', 'b.example'], 'tls:a.example:443/b.example'],
    [['[2001:db8::1]:8443', 'v6.internal'], 'tls:[2001:db8::1]:8443/v6.internal'],
  ] as const)('%j -> %s', ([input, servername], id) => {
    expect(certificateIdFor(parseTarget(input, servername))).toBe(id);
    expect(certificateIdForTarget(input, servername)).toBe(id);
  });

  test('two targets on one address with different servernames are two certificates', () => {
    expect(certificateIdFor(parseTarget('10.0.0.5:443', 'a.internal'))).not.toBe(certificateIdFor(parseTarget('10.0.0.5:443', 'b.internal')));
  });

  test('a check result gets the same id as its target; one that did not parse keeps its text', () => {
    const target = parseTarget('10.0.0.5:443', 'b.internal');
    expect(certificateIdForResult({ target: target.target, host: target.host, servername: target.servername })).toBe('tls:10.0.0.5:443/b.internal');
    expect(certificateIdForResult({ target: 'not a target', host: null, servername: null })).toBe('tls:not a target');
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

  test.each([
    ['invalid target "https://user:pa/ss@host": port "pa" is not a number', 'invalid target "https://***@host": port "pa" is not a number'],
    ['see https://user:p@ss@host.', 'see https://***@host.'],
    ['x (ldaps://cn=admin:pw?#x@dir.example:636) y', 'x (ldaps://***@dir.example:636) y'],
    ['invalid target "admin:s3cret@db.example": no', 'invalid target "***@db.example": no'],
    ['CN=mail.example, E=admin@example.com', 'CN=mail.example, E=admin@example.com'],
    ['already https://***@host', 'already https://***@host'],
  ])('everything up to the last @, whatever the scheme or characters: %j', (text, redacted) => {
    expect(redactCredentials(text)).toBe(redacted);
  });

  test.each([
    ['https://user:pa\nss@host', 'https://***@host'],
    ['connect to smtp://bob:pa\r\nss@mail.example.com:25 failed', 'connect to smtp://***@mail.example.com:25 failed'],
    ['https://user:pa ss word@host/x', 'https://***@host/x'],
    ['https://user:p\u0007a\u001b[2Jss\u2028w@host', 'https://***@host'],
    ['https://user:a://b@host', 'https://***@host'],
    ['admin:pa\nss@db.example', '***@db.example'],
    ['admin:pa\tss\u0000x@db.example', '***@db.example'],
    ['invalid target "admin:pa ss@db.example": no', 'invalid target "***@db.example": no'],
  ])('white space and control characters inside the credentials hide nothing of them: %j', (text, redacted) => {
    expect(redactCredentials(text)).toBe(redacted);
  });

  test.each([
    'CN=mail.example, E=admin@example.com',
    'connect 127.0.0.1:443 failed (mail admin@example.com)',
    'timeout: the server at mail.example:25 did not answer; ask postmaster@example.com',
  ])('an email address after text with colons stays readable: %j', (text) => {
    expect(redactCredentials(text)).toBe(text);
  });

  test('a message line built from a URL with a line break in its password shows none of it', () => {
    const line = safeLine('PROTOCOL_ERROR: https://user:secret-part-one\nsecret-part-two@host:443 said no');
    expect(line).toBe('PROTOCOL_ERROR: https://***@host:443 said no');
  });
});
