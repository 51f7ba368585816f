/**
 * The deploy check's stand-in for Lambda's metadata endpoint, read the way the handlers read it
 * (availabilityZoneOf on the variables it hands a function).
 */
import { availabilityZoneOf, METADATA_PATH } from '../../lambda/domain/vantage';
import { MetadataEndpoint } from '../../tools/deploy-check/metadata';

describe('MetadataEndpoint', () => {
  let endpoint: MetadataEndpoint;
  beforeAll(async () => {
    endpoint = await MetadataEndpoint.start();
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it('tells each function the zone it was given, by its token', async () => {
    const checker = endpoint.variablesFor('euw1-az3');
    const witness = endpoint.variablesFor('euw1-az1');

    expect(checker.AWS_LAMBDA_METADATA_API).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(checker.AWS_LAMBDA_METADATA_TOKEN).not.toBe(witness.AWS_LAMBDA_METADATA_TOKEN);
    await expect(availabilityZoneOf({ ...checker })).resolves.toEqual({ az: 'euw1-az3' });
    await expect(availabilityZoneOf({ ...witness })).resolves.toEqual({ az: 'euw1-az1' });
  });

  it('refuses an unknown token and any other path', async () => {
    const { AWS_LAMBDA_METADATA_API: api } = endpoint.variablesFor('euw1-az2');

    await expect(
      availabilityZoneOf({ AWS_LAMBDA_METADATA_API: api, AWS_LAMBDA_METADATA_TOKEN: 'forged' }),
    ).resolves.toEqual({ error: expect.stringMatching(/answered 401/) });
    const other = await fetch(`http://${api}${METADATA_PATH}/other`);
    expect(other.status).toBe(404);
  });
});
