/** Basic-auth parsing and the constant-time comparison every service uses (`src/shared/http/basicAuth.ts`). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { basicAuthorization, checkBasicAuth, credentialsMatch, parseBasicAuth, secretEquals } from '../../../src/shared/http/basicAuth.ts';

const header = (text: string, scheme = 'Basic'): string => `${scheme} ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('secretEquals', () => {
  test('equal, unequal and different-length inputs', () => {
    assert.equal(secretEquals('s3cret', 's3cret'), true);
    assert.equal(secretEquals('', ''), true);
    assert.equal(secretEquals('s3cret', 's3creT'), false);
    assert.equal(secretEquals('s3cret', 's3cret!'), false);
    assert.equal(secretEquals('s3cret!', 's3cret'), false);
    assert.equal(secretEquals('', 'x'), false);
    assert.equal(secretEquals('ü', 'u'), false);
  });

  test('agrees with === on any strings', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => secretEquals(a, b) === (a === b)));
    fc.assert(fc.property(fc.string(), (a) => secretEquals(a, a)));
  });
});

describe('parseBasicAuth', () => {
  test('reads user and password; the password may hold colons', () => {
    assert.deepEqual(parseBasicAuth(header('admin:pa:ss')), { user: 'admin', password: 'pa:ss' });
    assert.deepEqual(parseBasicAuth(header(':')), { user: '', password: '' });
    assert.deepEqual(parseBasicAuth(header('ädmin:pässword')), { user: 'ädmin', password: 'pässword' });
  });

  test('the scheme is case-insensitive and needs its space', () => {
    assert.deepEqual(parseBasicAuth(header('a:b', 'bAsIc')), { user: 'a', password: 'b' });
    assert.equal(parseBasicAuth(`Basic${Buffer.from('a:b').toString('base64')}`), undefined);
    assert.equal(parseBasicAuth(header('a:b', 'Bearer')), undefined);
  });

  test('no header, or no colon, is no credentials', () => {
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.equal(parseBasicAuth(header('nocolon')), undefined);
    assert.equal(parseBasicAuth('Basic '), undefined);
  });
});

describe('credentialsMatch and checkBasicAuth', () => {
  const expected = { user: 'admin', password: 'secret' };

  test('both parts must match', () => {
    assert.equal(credentialsMatch({ user: 'admin', password: 'secret' }, expected), true);
    assert.equal(credentialsMatch({ user: 'admin', password: 'secreT' }, expected), false);
    assert.equal(credentialsMatch({ user: 'admim', password: 'secret' }, expected), false);
    assert.equal(credentialsMatch({ user: 'admin', password: 'secret2' }, expected), false);
    assert.equal(credentialsMatch({ user: 'adminsecret', password: '' }, expected), false);
    assert.equal(credentialsMatch(undefined, expected), false);
    assert.equal(credentialsMatch(undefined, { user: '', password: '' }), false);
  });

  test('the header the transport builds is the header the servers accept', () => {
    assert.equal(checkBasicAuth(basicAuthorization(expected), expected), true);
    assert.equal(checkBasicAuth(basicAuthorization({ user: 'admin', password: 'wrong' }), expected), false);
    assert.equal(checkBasicAuth(undefined, expected), false);
    fc.assert(
      fc.property(fc.string().filter((u) => !u.includes(':')), fc.string(), (user, password) =>
        checkBasicAuth(basicAuthorization({ user, password }), { user, password }),
      ),
    );
  });
});
