import { hashPassword, verifyPassword } from '../../../server/services/users/passwords.js';
import { loadConfig } from '../../../server/shared/config.js';

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
