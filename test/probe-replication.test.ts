import {
  barrierOf,
  caughtUp,
  dialectOf,
  loginQuery,
  parseReplicaStatus,
  statusQuery,
} from '../lambda/domain/probe/replication';

describe('dialectOf', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1', true, true],
    ['10.5.0-MariaDB', true, false],
    ['10.4.34-MariaDB-log', true, false],
    ['8.0.36', false, true],
    ['8.0.21-log', false, false],
    ['8.4.2', false, true],
    ['5.7.44', false, false],
    ['', false, false],
  ])('reads %j as mariadb %s, REPLICA keyword %s', (version, mariadb, replicaKeyword) => {
    expect(dialectOf(version)).toEqual({ mariadb, replicaKeyword });
  });

  it('asks super_read_only of MySQL only, which MariaDB does not have', () => {
    expect(loginQuery(dialectOf('10.11.19-MariaDB'))).toBe('SELECT 1, @@global.read_only');
    expect(loginQuery(dialectOf('8.0.36'))).toMatch(/@@global\.super_read_only$/);
    expect(statusQuery(dialectOf('5.7.44'))).toBe('SHOW SLAVE STATUS');
    expect(statusQuery(dialectOf('8.4.2'))).toBe('SHOW REPLICA STATUS');
  });
});

describe('barrierOf', () => {
  it('reads read_only and, when asked, super_read_only', () => {
    expect(barrierOf([1, 1])).toEqual({ readOnly: true });
    expect(barrierOf([1, '0', '1'])).toEqual({ readOnly: false, superReadOnly: true });
  });
});

describe('parseReplicaStatus', () => {
  it('reads MariaDB columns', () => {
    // Prepare
    const rows = [
      {
        Master_Host: '10.0.1.10',
        Master_Port: 3306,
        Master_Log_File: 'mysql-bin.000003',
        Read_Master_Log_Pos: 900,
        Relay_Master_Log_File: 'mysql-bin.000003',
        Exec_Master_Log_Pos: 800,
        Slave_IO_Running: 'Connecting',
        Slave_SQL_Running: 'Yes',
        Seconds_Behind_Master: null,
        Last_IO_Error: "error reconnecting to master 'repl@10.0.1.10:3306'",
        Last_SQL_Error: '',
        Gtid_IO_Pos: '0-1-42',
        Slave_SQL_Running_State: 'Slave has read all relay log; waiting for more updates',
      },
    ];

    // Act
    const status = parseReplicaStatus(rows);

    // Assess
    expect(status).toEqual({
      source: '10.0.1.10:3306',
      ioThread: 'Connecting',
      sqlThread: 'Yes',
      lagSeconds: null,
      received: 'mysql-bin.000003:900',
      applied: 'mysql-bin.000003:800',
      sqlState: 'Slave has read all relay log; waiting for more updates',
      receivedGtids: '0-1-42',
      lastError: "error reconnecting to master 'repl@10.0.1.10:3306'",
    });
  });

  it('reads MySQL 8 SHOW REPLICA STATUS columns', () => {
    // Prepare
    const rows = [
      {
        Source_Host: '10.0.1.10',
        Source_Port: 3306,
        Source_Log_File: 'binlog.000007',
        Read_Source_Log_Pos: 157,
        Relay_Source_Log_File: 'binlog.000007',
        Exec_Source_Log_Pos: 157,
        Replica_IO_Running: 'Yes',
        Replica_SQL_Running: 'Yes',
        Seconds_Behind_Source: 3,
        Last_IO_Error: '',
        Last_SQL_Error: '',
        Retrieved_Gtid_Set: '',
      },
    ];

    // Act
    const status = parseReplicaStatus(rows);

    // Assess
    expect(status).toEqual({
      source: '10.0.1.10:3306',
      ioThread: 'Yes',
      sqlThread: 'Yes',
      lagSeconds: 3,
      received: 'binlog.000007:157',
      applied: 'binlog.000007:157',
    });
  });

  it('says no replica for no row', () => {
    expect(parseReplicaStatus([])).toBeUndefined();
  });
});

describe('caughtUp', () => {
  const base = {
    source: 'a:1',
    ioThread: 'Connecting',
    sqlThread: 'Yes',
    lagSeconds: null,
    received: 'b.1:900',
  };

  it.each([
    ['caught up once it applied what it received', { applied: 'b.1:900' }, true],
    [
      'not caught up while still applying',
      { applied: 'b.1:800', sqlState: 'Reading event from the relay log' },
      false,
    ],
    [
      'read its whole relay log short of a cut-off transaction',
      { applied: 'b.1:800', sqlState: 'Slave has read all relay log; waiting for more updates' },
      true,
    ],
    [
      'not caught up while behind with its SQL thread stopped',
      { applied: 'b.1:800', sqlThread: 'No' },
      false,
    ],
  ])('says %s', (_, r, expected) => {
    expect(caughtUp({ ...base, ...r })).toBe(expected);
  });
});
