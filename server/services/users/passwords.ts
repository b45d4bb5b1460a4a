import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { charCount, DEFAULT_PASSWORD_HASH_COST, DEFAULT_PASSWORD_RULE, type PasswordRule } from '../../shared/config.js';
import { ValidationError } from '../../shared/errors.js';

// scrypt is memory-hard (N·r·128 bytes per hash: 32 MiB at the default cost), which makes offline guessing slow.
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // scrypt refuses to use more than maxmem; a stored hash's own N decides what it needs.
  const maxmem = Math.max(64 * 1024 * 1024, 256 * (options.N ?? 0) * (options.r ?? R));
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * `scrypt$N$r$p$salt$hash`, parameters kept so they can be raised later without breaking old hashes.
 * `cost` is log2 N; only tests lower it (see `passwordHashCost` in the configuration).
 */
export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_HASH_COST): Promise<string> {
  const salt = randomBytes(16);
  const params = { N: 2 ** cost, r: R, p: P };
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** log2 of the N a stored hash was made with, or undefined when it is not one of ours. */
export function hashCost(stored: string): number | undefined {
  const [scheme, n] = stored.split('$');
  const cost = Math.log2(Number(n));
  return scheme === 'scrypt' && Number.isInteger(cost) ? cost : undefined;
}

const dummies = new Map<number, Promise<string>>();

/**
 * A hash of no one's password at `cost`, made once per cost and process: what a sign-in with an unknown
 * email is checked against, so that it costs one scrypt at the configured cost, as a known email with a
 * wrong password does (and not a random salt and a fresh hash, nor a cost another hash happens to have).
 */
export function dummyHash(cost = DEFAULT_PASSWORD_HASH_COST): Promise<string> {
  let dummy = dummies.get(cost);
  if (!dummy) {
    dummy = hashPassword(randomBytes(24).toString('base64url'), cost);
    dummies.set(cost, dummy);
  }
  return dummy;
}

/** A password people can type and read aloud: 20 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(20), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Why a new password is refused: the `code` of its `password` problem (its catalog entry under `problems.`). */
export type PasswordProblem = 'tooShort' | 'tooLong' | 'common';

let commonPasswords: Promise<Set<string>> | undefined;

/**
 * The common-password list of zxcvbn-ts (`@zxcvbn-ts/language-common`: about 49,000 passwords seen most
 * often in breaches, lower case), loaded on first use. Only entries of at least 8 characters are kept:
 * shorter ones are refused by length already (the minimum length cannot be set lower).
 */
function commonPasswordList(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].filter((password) => characters(password) >= DEFAULT_PASSWORD_RULE.minLength)),
  );
  return commonPasswords;
}

/** Length as a person counts it (NIST SP 800-63B): Unicode code points after NFKC normalisation. */
function characters(text: string): number {
  return charCount(text.normalize('NFKC'));
}

/**
 * What is wrong with a password someone chose (NIST SP 800-63B): too short, too long (a bound on hashing
 * work), or on the list of common and breached passwords; `context` holds words it must not be either (the
 * account's email, its local part). No composition rules: any characters, spaces and passphrases are fine.
 */
export async function passwordProblem(
  password: string,
  rule: PasswordRule = DEFAULT_PASSWORD_RULE,
  context: string[] = [],
): Promise<PasswordProblem | undefined> {
  const length = characters(password);
  if (length < rule.minLength) return 'tooShort';
  if (length > rule.maxLength) return 'tooLong';
  const folded = password.normalize('NFKC').toLowerCase();
  if ((await commonPasswordList()).has(folded)) return 'common';
  const words = ['sopflow', ...context].map((word) => word.normalize('NFKC').trim().toLowerCase()).filter((word) => word !== '');
  return words.includes(folded) ? 'common' : undefined;
}

const PROBLEM_MESSAGES: Record<PasswordProblem, (rule: PasswordRule) => string> = {
  tooShort: (rule) => `is shorter than ${rule.minLength} characters`,
  tooLong: (rule) => `is longer than ${rule.maxLength} characters`,
  common: () => 'is too common (it is on lists of breached passwords, or is the account’s own name): choose another',
};

/** Refuses a password someone chose with `validation_failed`, field `password`, code `tooShort`, `tooLong` or `common`. */
export async function checkNewPassword(password: string, rule: PasswordRule = DEFAULT_PASSWORD_RULE, context: string[] = []): Promise<void> {
  const problem = await passwordProblem(password, rule, context);
  if (!problem) return;
  const limit = problem === 'tooShort' ? rule.minLength : rule.maxLength;
  throw new ValidationError(`the password ${PROBLEM_MESSAGES[problem](rule)}`, [
    { field: 'password', message: PROBLEM_MESSAGES[problem](rule), code: problem, ...(problem === 'common' ? {} : { values: { limit } }) },
  ]);
}
