import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { LocalAws } from '../../tools/local-aws';
import { sdkError, type LocalClients } from '../support/aws-env';
import { config, useExampleWorld } from './fixture';

const ARN = config.probe.mysql?.passwordSecretArn as string;
const NAME = 'orders-db-vip-monitor';

let aws: LocalAws;
let c: LocalClients;

useExampleWorld((started) => ({ aws, c } = started), {
  seed: { secretString: '{"password":"s3cret"}' },
});

describe('secrets manager', () => {
  it('returns the seeded secret by ARN with every GetSecretValue field', async () => {
    // Act
    const out = await c.secrets.send(new GetSecretValueCommand({ SecretId: ARN }));

    // Assess
    expect(out).toMatchObject({
      ARN,
      Name: NAME,
      SecretString: '{"password":"s3cret"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.CreatedDate).toBeInstanceOf(Date);
  });

  it('finds the secret by name and by ARN without its random suffix', async () => {
    const byName = await c.secrets.send(new GetSecretValueCommand({ SecretId: NAME }));
    const byPartialArn = await c.secrets.send(
      new GetSecretValueCommand({ SecretId: ARN.slice(0, -7) }),
    );

    expect(byName.ARN).toBe(ARN);
    expect(byPartialArn.ARN).toBe(ARN);
  });

  it('makes a new version AWSCURRENT on PutSecretValue, keeping the old one as AWSPREVIOUS', async () => {
    // Prepare
    const before = await c.secrets.send(new GetSecretValueCommand({ SecretId: ARN }));

    // Act
    const put = await c.secrets.send(
      new PutSecretValueCommand({ SecretId: ARN, SecretString: '{"password":"rotated"}' }),
    );
    const current = await c.secrets.send(new GetSecretValueCommand({ SecretId: ARN }));
    const previous = await c.secrets.send(
      new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPREVIOUS' }),
    );

    // Assess
    expect(put).toMatchObject({ ARN, Name: NAME, VersionStages: ['AWSCURRENT'] });
    expect(current).toMatchObject({
      VersionId: put.VersionId,
      SecretString: '{"password":"rotated"}',
    });
    expect(previous).toMatchObject({
      VersionId: before.VersionId,
      SecretString: '{"password":"s3cret"}',
      VersionStages: ['AWSPREVIOUS'],
    });
  });

  it('rotates through the helper as well', async () => {
    aws.rotateSecret(ARN, 'plain-password');

    const out = await c.secrets.send(new GetSecretValueCommand({ SecretId: ARN }));

    expect(out.SecretString).toBe('plain-password');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    const err = await sdkError(
      c.secrets.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' })),
    );

    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.status).toBe(400);
  });
});
