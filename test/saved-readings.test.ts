import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  parseSavedReadings,
  savedReadingsValue,
  SavedReadings,
  type SavedSightings,
} from '../lambda/domain/checker/saved-readings';
import { conditionsOf } from '../lambda/domain/operators';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import type { ReplicationState } from '../lambda/domain/types';
import { logRecorder } from './support/domain-fixtures';

const ssmMock = mockClient(SSMClient);
const NAME = '/vip-failover/orders-db/replication';
const T = Date.parse('2026-12-01T10:00:00Z');

const replica = (lagSeconds: number, lastError?: string): ReplicationState => ({
  readOnly: true,
  role: 'replica',
  replica: {
    source: '10.0.1.10:3306',
    ioThread: 'Yes',
    sqlThread: 'Yes',
    lagSeconds,
    received: 'mysql-bin.000001:1190',
    applied: 'mysql-bin.000001:1190',
    receivedGtids: '0-1-1190',
    ...(lastError ? { lastError } : {}),
  },
});

const sighting = (at: number, state = replica(0)) => ({
  at,
  state,
  master: 'db-a',
  masterAnsweredAt: at + 5,
});

const accessDenied = () =>
  new SSMServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message: 'not authorized to perform: ssm:PutParameter',
  });

/** A store on a clock the spec moves, and the values it wrote, parsed. */
function store(readOnly = false) {
  let now = T;
  const log = logRecorder();
  const saved = new SavedReadings({
    ssm: new SSMClient({ region: 'eu-west-1' }),
    clock: { now: () => now },
    log,
    parameterName: NAME,
    apiTimeoutMs: 3000,
    readOnly,
  });
  const written = (): SavedSightings[] =>
    ssmMock.commandCalls(PutParameterCommand).map((c) => parseSavedReadings(c.args[0].input.Value));
  return { saved, log, written, advance: (ms: number) => (now += ms) };
}

beforeEach(() => {
  ssmMock.reset();
  ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
  ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: '' }));
});

describe('SavedReadings', () => {
  it('loads what an earlier run saved', async () => {
    // Prepare
    const value = savedReadingsValue({ 'db-b': sighting(T - 4000) }, T - 3000);
    ssmMock.on(GetParameterCommand, { Name: NAME }).resolves({ Parameter: { Value: value } });
    const { saved } = store();

    // Act
    const loaded = await saved.load();

    // Assess
    expect(loaded['db-b']).toMatchObject({
      at: T - 4000,
      master: 'db-a',
      masterAnsweredAt: T - 3995,
    });
    // What judging needs is kept; the GTID set, which can be long, is not.
    expect(loaded['db-b']?.state.replica).toEqual({
      ...replica(0).replica,
      receivedGtids: undefined,
    });
    expect(saved.summary()).toEqual({ loaded: 1, saves: 0 });
  });

  it('loads nothing, quietly, before any run saved', async () => {
    const { saved, log } = store();

    expect(await saved.load()).toEqual({});
    expect(saved.summary()).toEqual({ loaded: 0, saves: 0 });
    expect(log.messages('error')).toEqual([]);
  });

  it('says so when the readings cannot be read', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(accessDenied());
    const { saved, log } = store();

    // Act
    const loaded = await saved.load();

    // Assess
    expect(loaded).toEqual({});
    expect(saved.summary().error).toMatch(
      /^could not read \/vip-failover\/orders-db\/replication: AccessDeniedException/,
    );
    expect(log.messages('error')).toHaveLength(1);
  });

  it('writes nothing in a check (read-only), however new its sightings', async () => {
    // Prepare
    const { saved, written } = store(true);

    // Act
    saved.offer({ 'db-b': sighting(T) }, 'db-b fit');
    saved.offer({ 'db-b': sighting(T + 1000, replica(99)) }, 'db-b unfit');
    await saved.flush();

    // Assess
    expect(written()).toEqual([]);
    expect(saved.summary()).toEqual({ loaded: 0, saves: 0 });
  });

  it('saves the first sightings at once, then at most every 10 s while the fitness holds', async () => {
    // Prepare
    const { saved, written, advance } = store();

    // Act
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');
    await saved.pending;
    advance(5000);
    saved.offer({ 'db-b': sighting(T + 5000) }, 'db-b:db-a:fit');
    advance(5000);
    saved.offer({ 'db-b': sighting(T + 10_000) }, 'db-b:db-a:fit');
    await saved.pending;

    // Assess
    expect(written().map((w) => w['db-b']?.at)).toEqual([T, T + 10_000]);
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAME,
      Type: 'String',
      Overwrite: true,
    });
  });

  it('saves at once when a standby turns unfit, so an older, better sighting never outlives it', async () => {
    // Prepare
    const { saved, written, advance } = store();
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');
    await saved.pending;

    // Act
    advance(1000);
    saved.offer({ 'db-b': sighting(T + 1000, replica(42)) }, 'db-b:db-a:unfit');
    await saved.pending;

    // Assess
    expect(written().map((w) => w['db-b']?.state.replica?.lagSeconds)).toEqual([0, 42]);
  });

  it('writes one value at a time, and the newest once the one in flight lands', async () => {
    // Prepare: the first write takes a while.
    let land: () => void = () => undefined;
    ssmMock
      .on(PutParameterCommand)
      .callsFakeOnce(() => new Promise((resolve) => (land = () => resolve({ Version: 1 }))));
    const { saved, written } = store();
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');

    // Act: turns unfit while the first write is out.
    saved.offer({ 'db-b': sighting(T + 1000, replica(42)) }, 'db-b:db-a:unfit');
    const callsMeanwhile = ssmMock.commandCalls(PutParameterCommand).length;
    land();
    await saved.flush();

    // Assess
    expect(callsMeanwhile).toBe(1);
    expect(written().map((w) => w['db-b']?.at)).toEqual([T, T + 1000]);
  });

  it('keeps what it loaded for nodes it has no newer sighting of', async () => {
    // Prepare
    const value = savedReadingsValue({ 'db-c': sighting(T - 4000) }, T - 3000);
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: value } });
    const { saved, written } = store();
    await saved.load();

    // Act
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');
    await saved.flush();

    // Assess
    expect(Object.keys(written()[0] ?? {}).sort()).toEqual(['db-b', 'db-c']);
  });

  it('saves the newest sightings as the run ends, and nothing when none is newer', async () => {
    // Prepare
    const { saved, written, advance } = store();
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');
    advance(2000);
    saved.offer({ 'db-b': sighting(T + 2000) }, 'db-b:db-a:fit');

    // Act
    await saved.flush();
    await saved.flush();

    // Assess
    expect(written().map((w) => w['db-b']?.at)).toEqual([T, T + 2000]);
  });

  it('reports a failed save once, and clears it when a later save lands', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejectsOnce(accessDenied()).rejectsOnce(accessDenied());
    const { saved, log, advance } = store();

    // Act
    saved.offer({ 'db-b': sighting(T) }, 'db-b:db-a:fit');
    await saved.pending;
    advance(10_000);
    saved.offer({ 'db-b': sighting(T + 10_000) }, 'db-b:db-a:fit');
    await saved.pending;
    const failed = saved.summary();
    advance(10_000);
    saved.offer({ 'db-b': sighting(T + 20_000) }, 'db-b:db-a:fit');
    await saved.pending;

    // Assess
    expect(failed.error).toMatch(/^could not save .*AccessDeniedException/);
    expect(log.messages('error')).toEqual([
      expect.stringMatching(/cannot judge the standbys by it, and would hold$/),
    ]);
    expect(saved.summary()).toEqual({ loaded: 0, saves: 1 });
  });
});

describe('savedReadingsValue', () => {
  it('keeps ten nodes with long error texts within a standard parameter', () => {
    // Prepare
    const long = 'x'.repeat(2000);
    const sightings = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`node-${i}`, sighting(T + i, replica(i, long))]),
    );

    // Act
    const value = savedReadingsValue(sightings, T);
    const back = parseSavedReadings(value);

    // Assess
    expect(value.length).toBeLessThanOrEqual(4096);
    expect(Object.keys(back)).toHaveLength(10);
    expect(back['node-9']?.state.replica?.lagSeconds).toBe(9);
  });

  it('reads back only what has the shape of a sighting', () => {
    const value = JSON.stringify({
      nodes: { 'db-b': sighting(T), 'db-c': { at: 'yesterday' }, 'db-d': null },
    });

    expect(Object.keys(parseSavedReadings(value))).toEqual(['db-b']);
    expect(parseSavedReadings('{not json')).toEqual({});
  });
});

describe('conditionsOf', () => {
  it('alerts when the replication readings cannot be saved or read', () => {
    // Prepare
    const report = {
      nodes: {},
      decision: { action: 'none', reason: 'db-a is healthy' },
      savedReadings: {
        loaded: 0,
        saves: 0,
        error: `could not save ${NAME}: AccessDeniedException`,
      },
    } as unknown as CheckerReport;

    // Act
    const conditions = conditionsOf(report, { paused: false });

    // Assess
    expect(conditions).toEqual([
      expect.objectContaining({
        key: 'readings-unavailable',
        kind: 'readings-unavailable',
        body: expect.stringMatching(/AccessDeniedException.*\n\nNext step: .*ssm:PutParameter/s),
      }),
    ]);
  });
});
