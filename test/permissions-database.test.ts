import { databaseArns, moverStatements, type FailoverArns } from '../lib/permissions';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf';
const PARTIAL = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BEFORE = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-before:live';
const AFTER = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-db-after';

const BASE: FailoverArns = {
  vpc: 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1b2c3d4e5f60718',
  nodeInterfaces: [],
  routeTables: ['arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0a1b2c3d4e5f60001'],
  record: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/active',
  pause: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/paused',
  status: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/status',
  lastMove: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/last-move',
  replication: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/replication',
  maintenance: 'arn:aws:ssm:eu-west-1:123456789012:parameter/vip-failover/orders-db/maintenance',
  topic: 'arn:aws:sns:eu-west-1:123456789012:vip-failover-orders-db',
  region: 'eu-west-1',
  checkerKey:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-failover/orders-db/checker-key-AbCdEf',
  operatorKey:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vip-failover/orders-db/operator-key-AbCdEf',
  moveLog: 'arn:aws:logs:eu-west-1:123456789012:log-group:/vip-failover/orders-db/moves:*',
};

/** The Mover's statements as JSON, by sid. */
function bySid(
  arns: FailoverArns,
): Record<string, { Action: unknown; Resource: unknown; Condition?: unknown }> {
  return Object.fromEntries(
    moverStatements(arns).map((s) => {
      const json = s.toStatementJson() as {
        Sid: string;
        Action: unknown;
        Resource: unknown;
        Condition?: unknown;
      };
      return [json.Sid, json];
    }),
  );
}

describe('the Mover role for database failover', () => {
  it('reads the promotion secret, through Secrets Manager only for its key', () => {
    // Act
    const statements = bySid({
      ...BASE,
      ...databaseArns({
        promotion: {
          type: 'mysql',
          user: 'vip_promoter',
          passwordSecretArn: SECRET,
          kmsKeyArn: KEY,
          catchUpTimeoutMs: 10000,
        },
        hooks: { beforeMoveTimeoutMs: 5000 },
      }),
    });

    // Assess
    expect(statements.ReadPromotionPassword).toMatchObject({
      Action: 'secretsmanager:GetSecretValue',
      Resource: SECRET,
    });
    expect(statements.DecryptPromotionPassword).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    expect(statements.InvokeMoveHooks).toBeUndefined();
  });

  it('grants a partial promotion secret ARN with its random suffix as a wildcard', () => {
    // Act
    const arns = databaseArns({
      promotion: {
        type: 'mysql',
        user: 'vip_promoter',
        passwordSecretArn: PARTIAL,
        catchUpTimeoutMs: 10000,
      },
      hooks: { beforeMoveTimeoutMs: 5000 },
    });

    // Assess
    expect(arns).toEqual({ promotionSecret: `${PARTIAL}-??????` });
  });

  it('invokes exactly the configured hooks', () => {
    // Act
    const statements = bySid({
      ...BASE,
      ...databaseArns({
        promotion: { type: 'none', catchUpTimeoutMs: 10000 },
        hooks: { beforeMoveArn: BEFORE, afterMoveArn: AFTER, beforeMoveTimeoutMs: 5000 },
      }),
    });

    // Assess
    expect(statements.InvokeMoveHooks).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Resource: [BEFORE, AFTER],
    });
    expect(statements.ReadPromotionPassword).toBeUndefined();
  });

  it('adds nothing without promotion or hooks', () => {
    expect(
      databaseArns({
        promotion: { type: 'none', catchUpTimeoutMs: 10000 },
        hooks: { beforeMoveTimeoutMs: 5000 },
      }),
    ).toEqual({});
  });
});
