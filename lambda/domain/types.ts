/** Shapes shared by the Checker, the Mover and the tools that drive them. */

/**
 * Why a probe did not fully succeed. `auth`: the server answered but rejected our login (alive).
 * `busy`: the server answered ER_CON_COUNT_ERROR, too many connections (alive). `secret`: our
 * password could not be read, so liveness was judged without it (alive; see `credentials`).
 */
export type ProbeFailure =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'unreachable'
  | 'auth'
  | 'busy'
  | 'secret'
  | 'protocol'
  | 'error';

/** One probe of one node. */
export interface ProbeResult {
  readonly node: string;
  /**
   * True when the node is alive for failover purposes: the server answered, even if it refused
   * our login or we could not try one (see docs/how-it-decides.md: an auth rejection is alive).
   */
  readonly ok: boolean;
  /**
   * True only when the node may receive the VIP: a full MySQL login plus `SELECT 1` succeeded
   * (for a TCP probe, the connect did). An alive node that refused our login, is out of
   * connections, or that we could not log in to for want of a password is not eligible.
   */
  readonly eligible: boolean;
  /**
   * `unreadable` when the probe could not obtain its password (deleted secret, denied
   * GetSecretValue or KMS decrypt, bad ARN, no answer in time): the monitor login was not tried.
   * `ok` then rests on a login as a user that cannot exist, which a live server refuses (1045),
   * or on the server's greeting when that login gets no answer in time. `detail` carries the
   * secret's error.
   */
  readonly credentials?: 'unreadable';
  /** Milliseconds from start to verdict. */
  readonly latencyMs: number;
  /** Set when the probe did not fully succeed. */
  readonly failure?: ProbeFailure;
  /** Human-readable detail, such as the MySQL error code. */
  readonly detail?: string;
  /** Epoch milliseconds when the probe started. */
  readonly startedAt: number;
  /**
   * The node's replication as the MySQL probe read it after its login (absent for a TCP probe,
   * or when the login did not succeed): what a failover target is judged by (replication.ts).
   */
  readonly replication?: ReplicationState;
}

/** One replica's threads and positions as SHOW REPLICA STATUS (or SHOW SLAVE STATUS) reports them. */
export interface ReplicaStatus {
  /** Where it replicates from, `host:port`. */
  readonly source: string;
  /** `Yes`, `No` or `Connecting`; only `Yes` receives. */
  readonly ioThread: string;
  /** `Yes` or `No`; only `Yes` applies. */
  readonly sqlThread: string;
  /** Seconds_Behind_Master; null while a thread is stopped or the IO thread is not connected. */
  readonly lagSeconds: number | null;
  /** What it has received of the source's binlog, `file:position`. */
  readonly received: string;
  /** What it has applied of the source's binlog, `file:position`. */
  readonly applied: string;
  /** What the SQL thread says it is doing (Slave_SQL_Running_State). */
  readonly sqlState?: string;
  /** GTIDs received, when GTIDs are in use (MariaDB Gtid_IO_Pos, MySQL Retrieved_Gtid_Set). */
  readonly receivedGtids?: string;
  /** The last IO or SQL thread error, when there is one. */
  readonly lastError?: string;
}

/** A node's write barrier and replication, as one probe saw them. */
export interface ReplicationState {
  /** `@@global.read_only`. */
  readonly readOnly: boolean;
  /** `@@global.super_read_only`, on MySQL only (MariaDB has none). */
  readonly superReadOnly?: boolean;
  /**
   * replica: the node replicates (see `replica`). none: it is not a replica (no replication
   * configured, or it was reset). unreadable: the status could not be read (see `detail`),
   * typically because the monitor user lacks REPLICATION CLIENT / SLAVE MONITOR.
   */
  readonly role: 'replica' | 'none' | 'unreadable';
  readonly replica?: ReplicaStatus;
  /** Why the status is unreadable. */
  readonly detail?: string;
}

/** Where one route table sends the VIP now. */
export interface TableState {
  readonly routeTableId: string;
  /**
   * The route target: the ENI or instance id the VIP route points at (not MoveRequest.target,
   * which names a node); undefined when the route is missing.
   */
  readonly routeTarget?: string;
  /** The configured node that route target belongs to; undefined when missing or foreign. */
  readonly node?: string;
  /**
   * `blackhole` when the target is gone (its ENI deleted or detached, its instance stopped): the
   * route exists but the VIP is not served. Undefined for an active route or a missing one.
   */
  readonly state?: 'blackhole';
  /** Set when the table itself could not be read (for example InvalidRouteTableID.NotFound). */
  readonly error?: string;
}

/** A table whose VIP route targets a live ENI or instance outside the config (else: `orphaned`). */
export interface ForeignRoute {
  readonly routeTableId: string;
  readonly routeTarget: string;
  /** True when that target is gone too: its route is blackhole. */
  readonly blackhole?: true;
}

/** A table whose VIP route names a configured node but is blackhole: the VIP is not served. */
export interface BlackholeRoute {
  readonly routeTableId: string;
  readonly node: string;
}

/** What every readable placement lists besides its verdict: the tables that need a human. */
interface Exceptions {
  /** Tables sending the VIP outside the config; the verdict is over the other tables. */
  readonly foreign: readonly ForeignRoute[];
  /** Tables whose route names a node but is blackhole (its ENI deleted or detached ...). */
  readonly blackhole: readonly BlackholeRoute[];
}

/**
 * Where the VIP goes, summarised over every table. A foreign table does not stop the others
 * being followed: it is listed in `foreign` and the verdict is over the rest.
 */
export type Placement =
  /** Every readable table but the foreign ones sends the VIP to this node. */
  | ({ readonly kind: 'consistent'; readonly node: string } & Exceptions)
  /** Tables disagree, or some lack the route: converge them. */
  | ({
      readonly kind: 'split';
      readonly nodes: readonly string[];
      /** Tables without the route, and the orphaned ones. */
      readonly missing: readonly string[];
      /** Tables whose route is blackhole on a target outside the config: converged as missing. */
      readonly orphaned?: readonly ForeignRoute[];
    } & Exceptions)
  /** No readable table sends the VIP to a configured node, and some send it elsewhere. */
  | { readonly kind: 'foreign'; readonly foreign: readonly ForeignRoute[] }
  /** No table could be read. */
  | { readonly kind: 'unreadable' };

/** The Mover's input. */
export interface MoveRequest {
  /** Name of the node the VIP must end on. */
  readonly target: string;
  /** Why the move was asked for; recorded in the logs. */
  readonly reason: string;
  /**
   * The node the caller saw as active when it decided (compare-and-swap). When the tables
   * already point somewhere else, another actor moved first and this request is stale.
   * Omit it to converge unconditionally (split tables, record repair, operator request).
   */
  readonly expectedActive?: string;
  /**
   * True for the Checker's own requests: they honour the operators' pause flag (a record repair
   * still goes through). An operator's manual request omits it and moves even while paused.
   */
  readonly automatic?: boolean;
  /** Who asked, for the history: an operator's name; the Checker leaves it out. */
  readonly by?: string;
  /**
   * When the request was made (ISO 8601). The Mover refuses a request older than its bound
   * (`expired`): a move queued or retried for minutes acts on a world that has changed.
   */
  readonly requestedAt?: string;
  /** A manual move checks the target with one probe first, unless forced. */
  readonly force?: boolean;
  /**
   * When the Checker first saw the old master fail (ISO 8601), so the move's notification can say
   * the time from the first failed probe to the last table switched.
   */
  readonly detectedAt?: string;
  /**
   * Why the Checker asks, on its automatic requests: the last-move parameter records it, and
   * failbacks lengthen the cooldown. An automatic request without it converges; a manual move is
   * recorded as `manual` whatever it says.
   */
  readonly kind?: 'failover' | 'failback' | 'converge';
  /**
   * Nodes to set read-only (promotion "mysql"), as the Checker asks for a node found writable
   * beside the one that holds the VIP. Honoured only when the tables already point at `target`:
   * no route changes for it.
   */
  readonly fence?: readonly string[];
}

/** Outcome of one table's update during a move. */
export interface TableOutcome {
  readonly routeTableId: string;
  readonly action: 'unchanged' | 'replaced' | 'created' | 'failed';
  /** AWS error name and message when the table failed. */
  readonly error?: string;
}

/** The Mover's answer. */
export interface MoveResult {
  /**
   * moved: at least one table was changed and every table now targets the node.
   * already-active: nothing to change in the tables (the record may have been repaired).
   * stale: expectedActive no longer matched; nothing changed.
   * partial: some tables could not be changed; see tables.
   * paused: an automatic request met the pause flag; nothing changed in the tables.
   * expired: the request was older than the Mover accepts; nothing was read or changed.
   * refused: a manual move's target failed its probe (`force` overrides), a failback came
   * within the cooldown of the last move as the Mover reads it, the before-move hook vetoed
   * the move, or the promotion failed (see `database`); no route changed.
   */
  readonly status:
    'moved' | 'already-active' | 'stale' | 'partial' | 'paused' | 'expired' | 'refused';
  /** Why the request was expired or refused; on a move, what went wrong after the routes changed. */
  readonly detail?: string;
  readonly target: string;
  readonly tables: readonly TableOutcome[];
  /** True when the record parameter was written by this call. */
  readonly recordWritten: boolean;
  /** The record's value before this call (undefined when missing). */
  readonly previousRecord?: string;
  readonly durationMs: number;
  /** What the move did around the routes' change: hooks, fencing and promotion (mover/database.ts). */
  readonly database?: DatabaseSteps;
  /** Why the move's line is missing from the move log (mover/move-log.ts), when its write failed. */
  readonly moveLogError?: string;
}

/** The steps of a move beyond the routes, as data. */
export interface DatabaseSteps {
  /** The before hook's veto, and what went wrong with a hook without stopping the move. */
  readonly hooks?: { readonly vetoed?: string; readonly problems?: readonly string[] };
  /** Each node the VIP left, fenced or not. */
  readonly fencing?: readonly Fencing[];
  /** The fences this move put up and lifted again because it changed no route. */
  readonly unfenced?: readonly Unfencing[];
  readonly promotion?: Promotion;
}

/** What fencing one node came to (mover/fence.ts). */
export type Fencing =
  /**
   * read_only is ON now; `already`: it was before we came. `position`: its GTID position read
   * once the barrier stood (MariaDB gtid_binlog_pos, MySQL gtid_executed), everything it will
   * ever have written, for a switchover to wait for.
   */
  | {
      readonly status: 'fenced';
      readonly node: string;
      readonly already: boolean;
      readonly position?: string;
    }
  /** No login was possible (down, or no answer in time): nothing was changed. */
  | { readonly status: 'unreachable'; readonly node: string; readonly detail: string }
  /** Logged in, but read_only could not be set. */
  | { readonly status: 'failed'; readonly node: string; readonly detail: string };

/** Lifting a fence this move put up, after the move changed no route. */
/** What lifting our own fence from one node came to (mover/fence.ts). */
export type Unfencing =
  /** read_only is OFF again: the node takes writes as before the move. */
  | { readonly status: 'lifted'; readonly node: string }
  /** It could not be lifted: `statement` is what a human must run, as the promotion user. */
  | {
      readonly status: 'failed';
      readonly node: string;
      readonly detail: string;
      readonly statement: string;
    };

/** The steps of a promotion (mover/promote.ts), in order. */
export type PromotionStep = 'login' | 'status' | 'catch-up' | 'stop' | 'writable';

export type Promotion =
  /** The node is writable and replicates from no one. `already`: it was so before we came. */
  | {
      readonly status: 'promoted';
      readonly node: string;
      readonly already: boolean;
      readonly steps: readonly string[];
    }
  /** `step` failed (see `detail`); what `steps` lists was done. */
  | {
      readonly status: 'failed';
      readonly node: string;
      readonly step: PromotionStep;
      readonly detail: string;
      readonly steps: readonly string[];
    };
