import { explain } from '../cli/group';
import { parseDuration } from '../cli/steer';

describe('explain', () => {
  it.each<[string, unknown, string]>([
    [
      'missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for a local endpoint)',
    ],
    [
      'a wrapped socket error',
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:4566'),
      'cannot reach http://127.0.0.1:4566 (ECONNREFUSED); check AWS_ENDPOINT_URL, the network, or the region',
    ],
    [
      'an unknown host',
      Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      'cannot reach http://127.0.0.1:4566 (ENOTFOUND); check AWS_ENDPOINT_URL, the network, or the region',
    ],
    [
      'an AWS error',
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
      'AccessDeniedException: User is not authorized',
    ],
  ])('says %s in one line', (_what, error, line) => {
    expect(explain(error, 'http://127.0.0.1:4566')).toBe(line);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['soon', '30', '0m', '-5m', '1w'])('refuses %s with the fix', (text) => {
    expect(() => parseDuration(text)).toThrow(/write it like 30m, 2h or 1d|longer than zero/);
  });
});
