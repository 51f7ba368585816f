import { isGtidSet } from '../lambda/domain/mover/promote';

const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

describe('isGtidSet', () => {
  it.each([
    ['a MySQL set', `${UUID}:1-5`],
    ['a MySQL set with several intervals', `${UUID}:1-5:7:9-12`],
    ['a MySQL 8.4 tagged set', `${UUID}:orders:1-5`],
    ['a MySQL 8.4 set mixing untagged and tagged intervals', `${UUID}:1-3:tag_a:1-5:9`],
    [
      'a MySQL set of two servers, wrapped as SHOW prints it',
      `${UUID}:1-5,\n${UUID.replace('3e', '4f')}:_t1:2`,
    ],
    ['a MariaDB position', '0-1-100'],
    ['a MariaDB position of two domains', '0-1-100,1-2-50'],
  ])('accepts %s', (_what, position) => {
    // Act
    const ok = isGtidSet(position);

    // Assess
    expect(ok).toBe(true);
  });

  it.each([
    ['an empty value', ''],
    ['a quote that would end the literal', `${UUID}:1-5'; DROP TABLE t; --`],
    ['a tag without an interval', `${UUID}:orders`],
    ['a tag starting with a digit', `${UUID}:1tag:1`],
    ['a tag longer than 32 characters', `${UUID}:${'t'.repeat(33)}:1`],
    ['a backslash', `${UUID}:1\\`],
  ])('refuses %s', (_what, position) => {
    // Act
    const ok = isGtidSet(position);

    // Assess
    expect(ok).toBe(false);
  });
});
