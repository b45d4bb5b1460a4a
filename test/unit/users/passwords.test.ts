import { checkNewPassword, dummyHash, hashPassword, passwordProblem, verifyPassword } from '../../../server/services/users/passwords.js';
import { DEFAULT_PASSWORD_RULE, loadConfig } from '../../../server/shared/config.js';

describe('password hashes', () => {
  test('keep their scrypt parameters: the production cost by default, a lower one when asked, both verify', async () => {
    const strong = await hashPassword('correct horse');
    const cheap = await hashPassword('correct horse', 10);
    expect(strong.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(cheap.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 10), '8', '1']);
    for (const stored of [strong, cheap]) {
      expect(await verifyPassword('correct horse', stored)).toBe(true);
      expect(await verifyPassword('correct horse!', stored)).toBe(false);
    }
  });

  test('the dummy hash an unknown email is checked against is made once per cost, at that cost', async () => {
    const dummy = await dummyHash(10);
    expect(await dummyHash(10)).toBe(dummy);
    expect(dummy.split('$').slice(0, 2)).toEqual(['scrypt', String(2 ** 10)]);
    expect(await verifyPassword('anything', dummy)).toBe(false);
  });

  test('PASSWORD_HASH_COST: absent means the default; below 15 only under NODE_ENV=test; never outside 10–20', () => {
    expect(loadConfig({}).passwordHashCost).toBeUndefined();
    expect(loadConfig({ PASSWORD_HASH_COST: '16' }).passwordHashCost).toBe(16);
    expect(loadConfig({ PASSWORD_HASH_COST: '10', NODE_ENV: 'test' }).passwordHashCost).toBe(10);
    for (const env of [
      { PASSWORD_HASH_COST: '10' },
      { PASSWORD_HASH_COST: '10', NODE_ENV: 'production' },
      { PASSWORD_HASH_COST: '9', NODE_ENV: 'test' },
      { PASSWORD_HASH_COST: '21' },
      { PASSWORD_HASH_COST: 'high' },
    ]) {
      expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });
});

describe('the password rule (NIST SP 800-63B)', () => {
  test('minimum and maximum length in characters, the common list in any case, the account’s own name; nothing else', async () => {
    expect(await passwordProblem('seven77')).toBe('tooShort');
    expect(await passwordProblem('x'.repeat(257))).toBe('tooLong');
    expect(await passwordProblem('x'.repeat(256))).toBeUndefined();
    expect(await passwordProblem('12345678')).toBe('common');
    expect(await passwordProblem('Sunshine1')).toBe('common');
    expect(await passwordProblem('sopflow!', undefined, ['sopflow!'])).toBe('common');
    expect(await passwordProblem('SOPflow')).toBe('tooShort');
    for (const fine of ['correct horse', 'aaaaaaaa b', '密码密码密码密码', 'no digits or capitals']) expect(await passwordProblem(fine)).toBeUndefined();
    // Code points after NFKC, not UTF-16 units or bytes: four emoji are four characters.
    expect(await passwordProblem('😀😀😀😀')).toBe('tooShort');
    expect(await passwordProblem('short', { minLength: 4, maxLength: 64 })).toBeUndefined();
  });

  test('checkNewPassword refuses with validation_failed, field password and the code', async () => {
    await expect(checkNewPassword('password')).rejects.toMatchObject({ code: 'validation_failed', problems: [{ field: 'password', code: 'common' }] });
    await expect(checkNewPassword('abc', { minLength: 12, maxLength: 64 })).rejects.toMatchObject({ problems: [{ code: 'tooShort', values: { limit: 12 } }] });
    await expect(checkNewPassword('a long enough passphrase')).resolves.toBeUndefined();
  });

  test('PASSWORD_MIN_LENGTH and PASSWORD_MAX_LENGTH: defaults 8 and 256; never a minimum under 8 or a maximum under 64 or the minimum', () => {
    expect(loadConfig({}).passwordRule).toBeUndefined();
    expect(DEFAULT_PASSWORD_RULE).toEqual({ minLength: 8, maxLength: 256 });
    expect(loadConfig({ PASSWORD_MIN_LENGTH: '15' }).passwordRule).toEqual({ minLength: 15, maxLength: 256 });
    expect(loadConfig({ PASSWORD_MAX_LENGTH: '64' }).passwordRule).toEqual({ minLength: 8, maxLength: 64 });
    for (const env of [
      { PASSWORD_MIN_LENGTH: '6' },
      { PASSWORD_MAX_LENGTH: '32' },
      { PASSWORD_MIN_LENGTH: '100', PASSWORD_MAX_LENGTH: '80' },
      { PASSWORD_MIN_LENGTH: 'ten' },
    ])
      expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });
});

describe('TRUST_PROXY', () => {
  test('false by default; true, a hop count, or proxy addresses and subnets; anything else refuses to start', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5, fd00::/8, 172.16.0.0/255.240.0.0' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.5',
      'fd00::/8',
      '172.16.0.0/255.240.0.0',
    ]);
    for (const value of ['yes', '10.0.0.0/33', 'proxy.example', '10.0.0/8', 'loopback,'])
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });
});
