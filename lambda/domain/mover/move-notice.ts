/**
 * The message a move sends: from where, to where, why, who, each table's result, and the time
 * from the first failed probe to the last table switched. Sent by the Mover, which sees every
 * move, automatic or by hand.
 */
import type { AlertEvent } from '../alerts';
import type { Distrust } from './trust';
import type { MoveRequest, MoveResult } from '../types';

/** The event for a move's outcome; undefined when nothing moved and nothing failed. */
export function moveEvent(
  request: MoveRequest,
  result: MoveResult,
  now: number,
): AlertEvent | undefined {
  if (result.status === 'refused' && result.database) return notMoved(request, result);
  if (result.status !== 'moved' && result.status !== 'partial') return undefined;
  const from = request.expectedActive ?? result.previousRecord ?? 'no single node';
  const who = whoMoved(request);
  const detected = request.detectedAt ? Date.parse(request.detectedAt) : NaN;
  const toFailover = Number.isNaN(detected) ? undefined : ((now - detected) / 1000).toFixed(2);
  const tables = result.tables
    .map((t) => `  ${t.routeTableId}: ${t.action}${t.error ? ` (${t.error})` : ''}`)
    .join('\n');
  const facts: Record<string, string> = {
    from,
    to: result.target,
    who,
    tables: String(result.tables.length),
    ...(toFailover ? { timeToFailoverSeconds: toFailover } : {}),
    ...(request.force ? { forced: 'true' } : {}),
  };
  const timing = toFailover
    ? `Time from the first failed probe to the last table switched: ${toFailover} s.`
    : `The move took ${(result.durationMs / 1000).toFixed(2)} s.`;
  if (result.status === 'partial') {
    const failed = result.tables.filter((t) => t.action === 'failed').length;
    return {
      kind: 'move-partial',
      subject: `VIP move ${from} → ${result.target} INCOMPLETE: ${failed} table(s) failed`,
      body: `The VIP move from ${from} to ${result.target} (${who}) did not finish: ${request.reason}\n\n${tables}\n\nThe next Checker run converges the tables it can update. Next step: check the failed tables' errors (permissions, ids) and run vip-failover status.`,
      facts: { ...facts, failed: String(failed) },
    };
  }
  return {
    kind: 'moved',
    subject: `VIP moved ${from} → ${result.target} (${who})`,
    body: `${opening(request, from, result.target, who)}: ${request.reason}\n\n${tables}\n\n${result.detail ? `But ${result.detail}.\n\n` : ''}${timing} Next step: ${nextStep(request, from, result.target)}`,
    facts,
  };
}

/**
 * A move whose line the move log lacks: the move stands, but `vip-failover history` will not
 * show it once the record's 100 versions have passed it.
 */
export function moveLogEvent(request: MoveRequest, result: MoveResult): AlertEvent | undefined {
  if (result.moveLogError === undefined) return undefined;
  const from = request.expectedActive ?? result.previousRecord ?? 'no single node';
  return {
    kind: 'move-log-unwritten',
    subject: `move ${from} → ${result.target} missing from the move log`,
    body: `The VIP move from ${from} to ${result.target} (${result.status}) is done, but ${result.moveLogError}.\n\nAsked for: ${request.reason}\n\nNext step: fix the cause (the Mover role's logs:CreateLogStream and logs:PutLogEvents on the move log, the log group deleted, throttling); the line is in the Mover's own log (event move-log-error) if the history must be complete.`,
    facts: { from, to: result.target, status: result.status },
  };
}

/** `automatic`, `switchover by alice`, `switchover by alice, forced`. */
function whoMoved(request: MoveRequest): string {
  if (request.automatic) return 'automatic';
  return `switchover${request.by ? ` by ${request.by}` : ''}${request.force ? ', forced' : ''}`;
}

function opening(request: MoveRequest, from: string, to: string, who: string): string {
  if (request.automatic) return `The VIP now goes to ${to} in every table (${who})`;
  const unchecked = request.force ? ` With --force: ${to} was not checked before the move.` : '';
  return `Planned switchover from ${from} to ${to}${request.by ? ` by ${request.by}` : ''}; the VIP now goes to ${to} in every table.${unchecked} Reason given`;
}

/** What a human does next: a failover needs a cause; a switchover or failback only a check. */
function nextStep(request: MoveRequest, from: string, to: string): string {
  if (!request.automatic || request.kind === 'failback')
    return `check that clients reach ${to}; run vip-failover status for the nodes.`;
  if (request.kind === 'converge')
    return `find out what split the route tables; run vip-failover status for the nodes.`;
  return `find out why ${from} failed; run vip-failover status for the nodes.`;
}

/**
 * A move the database steps stopped (a failed promotion, a node that could not be fenced, the
 * before hook's veto): the VIP stays where it was, and someone has to look.
 */
function notMoved(request: MoveRequest, result: MoveResult): AlertEvent {
  const from = request.expectedActive ?? result.previousRecord ?? 'no single node';
  const promotion = result.database?.promotion;
  const left = (result.database?.unfenced ?? []).flatMap((u) => (u.status === 'failed' ? [u] : []));
  if (left.length > 0) {
    const names = left.map((u) => u.node).join(', ');
    return {
      kind: 'fence-left',
      subject: `WRITES STOPPED: ${names} fenced by a move that did not happen; run ${left[0]!.statement}`,
      body: `A move to ${result.target} set ${names} read-only and then did not switch (${result.detail ?? 'see the Mover log'}), and could not lift its own fence:\n\n${left.map((u) => `  ${u.node}: ${u.detail}`).join('\n')}\n\nThe VIP still goes to ${from}, which refuses writes. Next step, now: on ${names}, as the promotion user, run\n\n  ${left[0]!.statement};\n\nthen find out why the move failed (the Mover's log).`,
      facts: { from, to: result.target, fenced: names, statement: left[0]!.statement },
    };
  }
  const why =
    promotion?.status === 'failed'
      ? `promotion of ${result.target} failed at ${promotion.step}`
      : result.database?.hooks?.vetoed
        ? 'vetoed by the before-move hook'
        : 'a node could not be fenced';
  return {
    kind: 'move-failed',
    subject: `VIP NOT moved ${from} → ${result.target}: ${why}`,
    body: `The VIP stays on ${from}: ${result.detail ?? why}\n\nAsked for: ${request.reason}\n\nNext step: see the Mover's log for each step; the Checker asks again after its back-off. A standby that cannot catch up needs a human: promote it by hand, accepting what it lacks, and move with vip-failover move --force.`,
    facts: { from, to: result.target, reason: why },
  };
}

/**
 * A request that did not prove where it came from: refused (nothing was read or changed), or,
 * when only our own key failed, accepted because the Mover's own probes confirmed the failover.
 */
export function untrustedEvent(
  request: Pick<MoveRequest, 'target' | 'reason' | 'by' | 'automatic' | 'force'>,
  distrust: Distrust,
  outcome: { readonly accepted: boolean; readonly detail: string },
): AlertEvent {
  const claims = [
    request.automatic ? 'automatic' : undefined,
    request.force ? 'force' : undefined,
    request.by !== undefined ? `by ${request.by}` : undefined,
  ].filter(Boolean);
  const next =
    distrust === 'key-unreadable'
      ? 'Next step: restore the Mover’s read of its signing keys (GetSecretValue on the vip-failover/<name>/*-key secrets); see docs/security.md.'
      : outcome.accepted
        ? 'Next step: find out why the Checker could not sign (its log, GetSecretValue on its key) and fix it.'
        : 'Next step: find who invoked the Mover (CloudTrail lambda Invoke, the Mover’s log with this request) and remove their lambda:InvokeFunction; only the Checker and operators with the operator key may move the VIP.';
  return {
    kind: 'move-untrusted',
    subject: `${outcome.accepted ? 'UNSIGNED move accepted' : 'Move REFUSED'} to ${request.target}: ${distrust}`,
    body: `A request to move the VIP to ${request.target} did not prove where it came from (${distrust}): ${outcome.detail}\n\nIt asked: ${request.reason}${claims.length > 0 ? ` (claiming ${claims.join(', ')})` : ''}\n\n${next}`,
    facts: {
      to: request.target,
      distrust,
      outcome: outcome.accepted ? 'accepted' : 'refused',
    },
  };
}
