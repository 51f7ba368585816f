import { availabilityZoneOf } from '../../lambda/domain/vantage';
import { LocalAws, METADATA_ENV, METADATA_PATH } from '../../tools/local-aws';
import { useExampleWorld } from './fixture';

let aws: LocalAws;
useExampleWorld((started) => ({ aws } = started));

/** A raw GET of the metadata path with `headers`. */
const get = (headers: Record<string, string> = {}) =>
  fetch(`http://${aws.env()[METADATA_ENV.api]}${METADATA_PATH}`, { headers });

describe("Lambda's metadata endpoint", () => {
  it('tells each token holder its own AZ ID, through the env LocalAws hands out', async () => {
    // Prepare
    const one = { ...aws.env(), [METADATA_ENV.token]: aws.metadataToken('local-az1') };
    const two = { ...aws.env(), [METADATA_ENV.token]: aws.metadataToken('local-az2') };

    // Act
    const zones = await Promise.all([availabilityZoneOf(one), availabilityZoneOf(two)]);

    // Assess
    expect(aws.env()[METADATA_ENV.api]).toBe(`127.0.0.1:${aws.port}`);
    expect(zones).toEqual([{ az: 'local-az1' }, { az: 'local-az2' }]);
  });

  it('answers 401 to an unknown or missing token', async () => {
    // Prepare
    aws.metadataToken('local-az1');

    // Act
    const unknown = await get({ Authorization: 'Bearer not-minted' });
    const missing = await get();
    const viaReader = await availabilityZoneOf({ ...aws.env(), [METADATA_ENV.token]: 'nope' });

    // Assess
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({
      message: expect.stringMatching(/unknown bearer token/),
    });
    expect(missing.status).toBe(401);
    expect(viaReader).toEqual({ error: expect.stringMatching(/answered 401/) });
  });

  it('is no AWS call: neither logged nor subject to faults', async () => {
    // Prepare
    const token = aws.metadataToken('local-az2');
    aws.faults.add({ name: 'everything fails', error: 'internal' });

    // Act
    const res = await get({ Authorization: `Bearer ${token}` });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ AvailabilityZoneID: 'local-az2' });
    expect(aws.calls()).toEqual([]);
  });

  it('refuses an AZ ID that is not one', () => {
    // Act / Assess
    expect(() => aws.metadataToken('eu west 1')).toThrow(/availabilityZoneId "eu west 1" must be/);
  });
});
