import { ReplicationWatch } from '../lambda/domain/checker/replication-watch';
import type { ProbeResult, ReplicationState } from '../lambda/domain/types';
import { exampleConfig, logRecorder } from './support/domain-fixtures';

const PROMOTION = {
  type: 'mysql',
  user: 'vip_promoter',
  passwordSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-vip-promoter-AbCdEf',
} as const;

const WRITABLE: ReplicationState = { readOnly: false, role: 'none' };
const READ_ONLY: ReplicationState = { readOnly: true, role: 'none' };
const lagging = (s: number): ReplicationState => ({
  readOnly: true,
  role: 'replica',
  replica: {
    source: '10.0.1.10:3306',
    ioThread: 'Yes',
    sqlThread: 'Yes',
    lagSeconds: s,
    received: 'b.1:9',
    applied: 'b.1:5',
  },
});

let at = 1000;
function probe(node: string, replication?: ReplicationState, ok = true): ProbeResult {
  at += 100;
  return {
    node,
    ok,
    eligible: ok,
    latencyMs: 5,
    startedAt: at,
    ...(replication ? { replication } : {}),
  };
}

describe('ReplicationWatch', () => {
  it('warns once per run about a standby lagging while the master lives, and judges it unfit', () => {
    // Prepare
    const log = logRecorder();
    const watch = new ReplicationWatch(exampleConfig({}), log);

    // Act
    for (let i = 0; i < 3; i++) {
      watch.take(probe('db-b', lagging(42)), 'db-a');
      watch.take(probe('db-a', WRITABLE), 'db-a');
    }
    watch.take(probe('db-b', lagging(42)), 'db-a');

    // Assess
    expect(log.messages('warn')).toEqual([
      expect.stringMatching(/^db-b lagged 42 s behind .*no failover target while this lasts$/),
    ]);
    expect(watch.fitness('db-a')).toEqual({
      'db-b': expect.objectContaining({ fit: false, lagSeconds: 42 }),
    });
  });

  it('alerts on a node writable beside the writable master under promotion mysql', () => {
    // Prepare
    const log = logRecorder();
    const watch = new ReplicationWatch(exampleConfig({ promotion: PROMOTION }), log);

    // Act: db-b is the master now; db-a comes back writable.
    watch.take(probe('db-b', WRITABLE), 'db-b');
    watch.take(probe('db-a', WRITABLE), 'db-b');

    // Assess
    expect(log.messages('error')).toEqual([
      expect.stringMatching(/^db-a is writable \(read_only OFF\) beside db-b/),
    ]);
  });

  it('stays quiet about the new master seen from a stale view, beside an old master down or read-only', () => {
    // Prepare
    const log = logRecorder();
    const watch = new ReplicationWatch(exampleConfig({ promotion: PROMOTION }), log);

    // Act: the view still says db-a; db-a is dead, then back read-only; db-b was promoted.
    watch.take(probe('db-a', undefined, false), 'db-a');
    watch.take(probe('db-b', WRITABLE), 'db-a');
    watch.take(probe('db-a', READ_ONLY), 'db-a');
    watch.take(probe('db-b', WRITABLE), 'db-a');

    // Assess
    expect(log.messages('error')).toEqual([]);
  });

  it('judges nothing for a TCP probe', () => {
    // Prepare
    const watch = new ReplicationWatch(
      exampleConfig({ probe: { type: 'tcp', port: 3306 } }),
      logRecorder(),
    );

    // Act
    watch.take(probe('db-b', lagging(42)), 'db-a');

    // Assess
    expect(watch.fitness('db-a')).toEqual({});
  });

  describe('with saving', () => {
    /** A watch whose store is a stand-in that records offers and serves `stored` on load. */
    function saving(stored: Record<string, unknown> = {}, now = () => at) {
      const offers: { sightings: Record<string, { at: number }>; signature: string }[] = [];
      const saved = {
        load: () => Promise.resolve(stored as never),
        offer: (sightings: never, signature: string) => offers.push({ sightings, signature }),
      };
      const watch = new ReplicationWatch(exampleConfig({}), logRecorder(), undefined, {
        saved,
        maxAgeMs: 60_000,
        clock: { now },
      });
      return { watch, offers };
    }

    it('offers every sighting the master vouched for, signed with its fitness', () => {
      // Prepare
      const { watch, offers } = saving();

      // Act
      watch.take(probe('db-b', lagging(0)), 'db-a');
      watch.take(probe('db-a', WRITABLE), 'db-a');
      watch.take(probe('db-b', lagging(42)), 'db-a');
      watch.take(probe('db-a', WRITABLE), 'db-a');

      // Assess
      expect(offers.map((o) => o.signature)).toEqual([
        'db-b:db-a:fit',
        'db-b:db-a:fit',
        'db-b:db-a:unfit',
      ]);
      expect(offers[2]?.sightings['db-b']).toMatchObject({ master: 'db-a' });
    });

    it('judges a standby met only after the master died by what an earlier run saved', async () => {
      // Prepare: saved 20 s ago while db-a answered; this run meets db-b with its IO thread lost.
      const stored = {
        'db-b': {
          at: at - 20_000,
          state: lagging(1),
          master: 'db-a',
          masterAnsweredAt: at - 19_990,
        },
      };
      const { watch } = saving(stored);
      const unsaved = new ReplicationWatch(exampleConfig({}), logRecorder());
      const lost = { ...lagging(0), replica: { ...lagging(0).replica!, ioThread: 'Connecting' } };

      // Act
      await watch.loadSaved();
      for (const w of [watch, unsaved]) {
        w.take(probe('db-a', undefined, false), 'db-a');
        w.take(probe('db-b', lost), 'db-a');
      }

      // Assess
      expect(watch.fitness('db-a')).toEqual({ 'db-b': { fit: true } });
      expect(unsaved.fitness('db-a')).toEqual({
        'db-b': expect.objectContaining({ fit: false }),
      });
    });
  });
});
