/**
 * What the Mover does around repointing the routes, in this order (docs/database-failover.md):
 *
 * 1. the before hook, which may veto the move;
 * 2. fence every node the VIP leaves (read_only ON), so that no two nodes take writes at once;
 *    a node that cannot be reached needs no fence now (it is down, and boots read-only), but a
 *    node we reach and cannot fence stops the move: it may still be taking writes;
 * 3. promote the target (catch up, stop replication, read_only OFF), in a switchover up to the
 *    fenced master's last transaction; a failed promotion stops the move;
 * 4. (the caller) repoint the routes and write the record;
 * 5. the after hook.
 *
 * Promoting before the routes change means a failed promotion leaves the VIP where it was and the
 * standby an intact replica, to be retried or handled by a human, instead of the VIP on a node
 * that refuses writes. The price is a window, from promotion to the routes' change, in which the new master is
 * writable but not yet reached through the VIP.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  MOVER_AWS_STEP_MS,
  moverStatementMs,
  type FailoverConfig,
  type NodeConfig,
} from '../../../config';
import { fence, unfence, type Fencing, type Unfencing } from './fence';
import { afterMove, beforeMove, lambdaInvoker, type Invoker } from './hooks';
import type { Log } from '../log';
import type { SessionOptions } from '../probe/mysql-session';
import { promote, type Promotion } from './promote';
import { secretPassword } from '../secret';
import { sslOptions } from '../probe/tls';
import type { DatabaseSteps } from '../types';

type NodeRef = Pick<NodeConfig, 'name' | 'address' | 'tlsServerName'>;

/** What the Mover needs for it; each part absent when the config asks for none. */
export interface DatabaseDeps {
  /** Present with promotion "mysql". */
  readonly promote?: (node: NodeRef, waitFor?: string) => Promise<Promotion>;
  readonly fence?: (node: NodeRef) => Promise<Fencing>;
  /** Lifts a fence this move put up; present with `fence`. */
  readonly unfence?: (node: NodeRef) => Promise<Unfencing>;
  /** Present when a hook is configured. */
  readonly invoker?: Invoker;
}

/** The deps the config asks for, over the Mover's clients. */
export function databaseDeps(
  config: FailoverConfig,
  clients: { readonly secrets: SecretsManagerClient; readonly lambda?: LambdaClient },
): DatabaseDeps {
  const p = config.promotion;
  const hooked =
    config.hooks.beforeMoveArn !== undefined || config.hooks.afterMoveArn !== undefined;
  const invoker = hooked && clients.lambda ? lambdaInvoker(clients.lambda) : undefined;
  if (p.type !== 'mysql' || !p.user || !p.passwordSecretArn) return { invoker };
  const session: SessionOptions = {
    port: config.probe.port,
    user: p.user,
    // Each read of the password, each statement: a deadline of the Mover's budget.
    password: secretPassword(clients.secrets, p.passwordSecretArn, {
      fetchTimeoutMs: MOVER_AWS_STEP_MS,
    }),
    ssl: sslOptions(config.probe.mysql),
    timeoutMs: moverStatementMs(config),
  };
  return {
    invoker,
    promote: (node, waitFor) =>
      promote(node, { ...session, catchUpTimeoutMs: p.catchUpTimeoutMs, waitFor }),
    fence: (node) => fence(node, session),
    unfence: (node) => unfence(node, session),
  };
}

/** One move, as the database steps around it see it. */
export interface DatabaseMove {
  readonly from: readonly NodeRef[];
  readonly to: NodeRef;
  readonly reason: string;
  /** An operator's forced move: a node that cannot be fenced does not stop it. */
  readonly force: boolean;
}

export type Prepared =
  | { readonly go: true; readonly steps: DatabaseSteps }
  | { readonly go: false; readonly detail: string; readonly steps: DatabaseSteps };

/** Steps 1 to 3; `go: false` means nothing may change, and `detail` says why. */
export async function prepareMove(
  deps: DatabaseDeps,
  config: FailoverConfig,
  log: Log,
  move: DatabaseMove,
): Promise<Prepared> {
  const event = {
    group: config.name,
    from: move.from[0]?.name,
    to: move.to.name,
    reason: move.reason,
  };
  const problems: string[] = [];
  if (deps.invoker) {
    const verdict = await beforeMove(config.hooks, deps.invoker, event);
    if (!verdict.go)
      return { go: false, detail: verdict.reason, steps: { hooks: { vetoed: verdict.reason } } };
    if (verdict.problem) {
      problems.push(verdict.problem);
      log.error(verdict.problem, { event: 'hook-problem', hook: 'before' });
    }
  }
  const hooks = problems.length > 0 ? { hooks: { problems } } : {};
  if (!deps.promote || !deps.fence) return { go: true, steps: hooks };
  const fencing = await Promise.all(move.from.map((n) => deps.fence?.(n) as Promise<Fencing>));
  for (const f of fencing)
    log[f.status === 'failed' ? 'error' : 'info'](fenceLine(f), { event: 'fence', fencing: f });
  const unfenced = fencing.filter((f) => f.status === 'failed');
  if (unfenced.length > 0 && !move.force) {
    const detail = `${unfenced.map((f) => `${f.node} answers but could not be set read-only (${f.status === 'failed' ? f.detail : ''})`).join('; ')}; not promoting ${move.to.name} while another node may take writes`;
    const lifted = await liftOwnFences(deps, move, fencing, log);
    return { go: false, detail, steps: { ...hooks, fencing, ...lifted } };
  }
  // A switchover: the old master is fenced and alive; wait for its last transaction.
  const waitFor = fencing.flatMap((f) =>
    f.status === 'fenced' && f.position ? [f.position] : [],
  )[0];
  const promotion = await deps.promote(move.to, waitFor);
  for (const line of promotion.steps) log.info(line, { event: 'promote-step', node: move.to.name });
  const steps: DatabaseSteps = { ...hooks, fencing, promotion };
  if (promotion.status === 'failed') {
    const detail = `promotion of ${move.to.name} failed at ${promotion.step}: ${promotion.detail}; the VIP stays where it was`;
    log.error(detail, { event: 'promote-failed', promotion });
    return {
      go: false,
      detail,
      steps: { ...steps, ...(await liftOwnFences(deps, move, fencing, log)) },
    };
  }
  log.info(`${move.to.name} promoted${promotion.already ? ' (it already was)' : ''}`, {
    event: 'promoted',
    promotion,
  });
  return { go: true, steps };
}

/**
 * A move that fenced the node holding the VIP and then changes no route would leave no node
 * taking writes: an outage of our own making. Each node this move set read-only (not one that
 * was already) gets its writes back; one that cannot is logged at ERROR with the statement a
 * human must run, and the move's notification names it (move-notice.ts).
 */
async function liftOwnFences(
  deps: DatabaseDeps,
  move: DatabaseMove,
  fencing: readonly Fencing[],
  log: Log,
): Promise<Pick<DatabaseSteps, 'unfenced'>> {
  const ours = fencing.filter((f) => f.status === 'fenced' && !f.already);
  const lift = deps.unfence;
  if (!lift || ours.length === 0) return {};
  const unfenced = await Promise.all(
    ours.map((f) =>
      lift(move.from.find((n) => n.name === f.node) ?? { name: f.node, address: '' }),
    ),
  );
  for (const u of unfenced) {
    if (u.status === 'lifted')
      log.warn(`${u.node} is writable again: the move did not switch, so its fence is lifted`, {
        event: 'unfenced',
        unfencing: u,
      });
    else
      log.error(
        `${u.node} is left read-only by this move, which did not switch: ${u.detail}. Run ${u.statement} on ${u.node} as the promotion user`,
        { event: 'fence-left', unfencing: u },
      );
  }
  return { unfenced };
}

/** Step 5: tells the after hook; returns the steps with its problem, if any. */
export async function finishMove(
  deps: DatabaseDeps,
  config: FailoverConfig,
  log: Log,
  move: DatabaseMove,
  steps: DatabaseSteps,
): Promise<DatabaseSteps> {
  if (!deps.invoker) return steps;
  const event = {
    group: config.name,
    from: move.from[0]?.name,
    to: move.to.name,
    reason: move.reason,
  };
  const problem = await afterMove(config.hooks, deps.invoker, event);
  if (!problem) return steps;
  log.error(problem, { event: 'hook-problem', hook: 'after' });
  return {
    ...steps,
    hooks: { ...steps.hooks, problems: [...(steps.hooks?.problems ?? []), problem] },
  };
}

/** Fences the nodes a request names while the VIP stays where it is (MoveRequest.fence). */
export async function fenceAsked(
  deps: DatabaseDeps | undefined,
  config: FailoverConfig,
  names: readonly string[] | undefined,
  log: Log,
): Promise<DatabaseSteps> {
  const fenceNode = deps?.fence;
  const nodes = (names ?? []).flatMap((n) => config.nodes.find((c) => c.name === n) ?? []);
  if (!fenceNode || nodes.length === 0) return {};
  const fencing = await Promise.all(nodes.map((n) => fenceNode(n)));
  for (const f of fencing)
    log[f.status === 'fenced' ? 'info' : 'error'](fenceLine(f), { event: 'fence', fencing: f });
  return { fencing };
}

/** What a fencing says, for the log. */
function fenceLine(f: Fencing): string {
  switch (f.status) {
    case 'fenced':
      return `${f.node} is read-only${f.already ? ' (it already was)' : ' (fenced)'}`;
    case 'unreachable':
      return `${f.node} could not be reached to fence it (${f.detail}); it must come back read-only`;
    case 'failed':
      return `${f.node} answers but could not be set read-only: ${f.detail}`;
  }
}
