/**
 * The conditions that need a human, read from a Checker run's report as data: each with a stable
 * key (so that ten runs of one condition make one message), a subject short enough for a phone,
 * and the facts and the next step in its body.
 */
import type { Condition, ConditionKind } from './alerts';
import type { CheckerReport } from './checker/report';
import type { PauseState } from './mover/record';
import type { ReadinessProblemKind } from './readiness';

/** Hold kinds that only wait and need nobody: a failback paused is not an alert. */
const QUIET_HOLDS: ReadonlySet<string> = new Set(['paused-failback', 'second-opinion-pending']);

/** Holds whose condition comes from the report's second opinion, which outlives the decision. */
const SECOND_OPINION_HOLDS: ReadonlySet<string> = new Set([
  'second-opinion-disagrees',
  'second-opinion-unanswered',
]);

const NEXT_STEP: Readonly<Record<ConditionKind, string>> = {
  maintenance:
    'Nothing, if the work is planned: the node is no failover target until the window ends. End it early with vip-failover maintain NODE --end.',
  'maintenance-overran':
    'The window has ended but the node is not answering: finish the work and bring it up, or extend the window (vip-failover maintain NODE --for 1h --reason ... --replace).',
  'maintenance-unreadable':
    "Fix the maintenance parameter's value (vip-failover maintain writes it) or the Checker role's ssm:GetParameter on it; until then every node counts as a target.",
  'no-standby':
    'Bring a standby up (and make sure the probe can log in to it); failover resumes on its own.',
  cooldown:
    'A standby answers but has not proven itself since the last move; wait, or move by hand with vip-failover move --force.',
  'paused-while-down':
    'Automatic moves are paused while the master is down: resume (vip-failover resume) or move by hand.',
  'paused-split':
    'The route tables disagree and moves are paused: resume, or move by hand to put every table on one node.',
  'split-no-healthy':
    'The route tables disagree and no node is healthy to converge on: bring a node up.',
  'foreign-route':
    'Point that table back at a node (vip-failover move), or remove it from routeTableIds.',
  blackhole:
    "The VIP route's target is gone (ENI deleted or detached): attach it again or move the VIP to a healthy node.",
  'secret-unreadable':
    'Fix the probe secret or its permissions (GetSecretValue, KMS); until then nodes are judged alive without a login.',
  'not-a-target':
    'Fix the node (database missing, account locked, too many connections) or the monitor credentials; it cannot take the VIP until it passes a full login.',
  'tables-unreadable': 'Check routeTableIds and the Checker role (ec2:DescribeRouteTables).',
  paused: 'Automatic moves are off until the pause ends or someone runs vip-failover resume.',
  'second-opinion-disagrees':
    "One vantage point cannot reach a node that another can: look for a security group, NACL or routing change between the Checker's subnets and the node; if the master really is dead for clients, move by hand (vip-failover move).",
  'second-opinion-unanswered':
    'No witness answered: check the witness functions (errors, throttles, their subnets and security group) and the Checker role (lambda:InvokeFunction).',
  'witness-unavailable':
    "Check the witness function's errors and its subnet's AZ; until it answers, failovers from a Checker in another AZ follow secondOpinion.whenUnanswered.",
  'readings-unavailable':
    'Check the Checker role (ssm:GetParameter and ssm:PutParameter on the replication parameter, which the stack grants) and SSM throttling; until the readings are saved, a Checker run that begins after the master died (an AZ outage) cannot judge the replicas and holds.',
  'source-dest-check':
    "Turn the node's source/destination check off (aws ec2 modify-instance-attribute --no-source-dest-check, or modify-network-interface-attribute on its ENI): until then EC2 drops every packet for the VIP sent to it, and a move there leaves clients cut off.",
  'interface-detached':
    "Attach the node's ENI to its instance again, or configure the node by the ENI its instance has now; a route to a detached ENI is blackhole.",
  'interface-other-vpc':
    "The node's ENI or instance is in another VPC than vpc.vpcId: fix the node's id in the config, or vpc.vpcId. The node is no failover target meanwhile.",
  'interface-gone':
    "The node's ENI or instance no longer exists: configure the node's new ENI (networkInterfaceId) and redeploy. The node is no failover target meanwhile.",
  'interfaces-unreadable':
    'Check the Checker role (ec2:DescribeNetworkInterfaces, ec2:DescribeInstances) and EC2 throttling; until the interfaces are read, a route naming a node by another of its interfaces looks foreign, and no node is judged by its readiness.',
};

/** The condition kind of each readiness problem. */
const READINESS_KIND = {
  'source-dest-check': 'source-dest-check',
  detached: 'interface-detached',
  'other-vpc': 'interface-other-vpc',
  gone: 'interface-gone',
} as const satisfies Record<ReadinessProblemKind, ConditionKind>;

/** What each readiness problem means for the node, for a subject line. */
const READINESS_SUBJECT: Readonly<Record<ReadinessProblemKind, string>> = {
  'source-dest-check': "cannot receive the VIP's traffic: source/destination check is on",
  detached: 'is not ready: its ENI is detached',
  'other-vpc': 'is no failover target: its ENI is in another VPC',
  gone: 'is no failover target: its ENI or instance is gone',
};

function condition(
  key: string,
  kind: ConditionKind,
  subject: string,
  detail: string,
  facts: Record<string, string> = {},
): Condition {
  return { key, kind, subject, body: `${detail}\n\nNext step: ${NEXT_STEP[kind]}`, facts };
}

/** The conditions holding at the end of a run, each with a stable key. Pure. */
export function conditionsOf(report: CheckerReport, pause: PauseState): Condition[] {
  const out: Condition[] = [];
  const { decision } = report;
  const active = report.active ?? 'no single node';
  if (
    decision.action === 'hold' &&
    !QUIET_HOLDS.has(decision.kind) &&
    !SECOND_OPINION_HOLDS.has(decision.kind)
  ) {
    const kind = decision.kind as ConditionKind;
    const subject =
      kind === 'no-standby'
        ? `${active} is down and nothing can take the VIP`
        : kind === 'cooldown'
          ? `${active} is down; the standby waits out the cooldown`
          : kind === 'blackhole'
            ? `VIP route to ${active} is blackhole`
            : kind === 'paused-while-down'
              ? `${active} is down but moves are paused`
              : decision.reason;
    out.push(condition(kind, kind, subject, decision.reason, { active }));
  }
  for (const n of decision.notices ?? []) {
    out.push(
      condition(
        `foreign-route:${n.routeTableId}`,
        'foreign-route',
        `${n.routeTableId} sends the VIP to ${n.routeTarget}, not a node`,
        n.message,
        { routeTableId: n.routeTableId, routeTarget: n.routeTarget },
      ),
    );
  }
  const nodes = Object.entries(report.nodes);
  const unreadable = nodes.filter(([, n]) => n.last?.credentials === 'unreadable');
  if (unreadable.length > 0) {
    const detail = unreadable[0]?.[1].last?.detail ?? 'the probe secret could not be read';
    out.push(
      condition('secret-unreadable', 'secret-unreadable', 'the probe secret is unreadable', detail),
    );
  }
  for (const [name, n] of nodes) {
    if (!n.last?.ok || n.last.eligible || n.last.credentials) continue;
    out.push(
      condition(
        `not-a-target:${name}`,
        'not-a-target',
        `${name} answers but cannot take the VIP`,
        `${name} is alive but did not pass our login and SELECT 1: ${n.last.detail ?? n.last.failure}`,
        { node: name, failure: n.last.failure ?? '' },
      ),
    );
  }
  out.push(...secondOpinionConditions(report));
  out.push(...readinessConditions(report));
  out.push(...maintenanceConditions(report));
  const readings = report.savedReadings?.error;
  if (readings !== undefined)
    out.push(
      condition(
        'readings-unavailable',
        'readings-unavailable',
        'replication readings cannot be saved or read',
        `${readings}. The replication state each node had while the master answered is what a Checker run that begins after the master's death judges the replicas by.`,
      ),
    );
  if (pause.paused) {
    const until = pause.until ? ` until ${new Date(pause.until).toISOString()}` : '';
    const why = [pause.reason, pause.by && `by ${pause.by}`].filter(Boolean).join(', ');
    out.push(
      condition(
        'paused',
        'paused',
        `automatic moves paused${until}${why ? ` (${why})` : ''}`,
        `Automatic moves of the VIP are paused${until}${why ? ` (${why})` : ''}. The Checker keeps probing and alerting; manual moves still go through.`,
      ),
    );
  }
  return out;
}

/** Disagreement, no answer, a witness that did not warm up: each needs a human. */
function secondOpinionConditions({ secondOpinion: s }: CheckerReport): Condition[] {
  if (!s) return [];
  const out: Condition[] = [];
  if (s.disagreement !== undefined)
    out.push(
      condition(
        'second-opinion-disagrees',
        'second-opinion-disagrees',
        'vantage points disagree: no failover',
        s.disagreement,
        { zone: s.zone ?? '' },
      ),
    );
  if (s.unanswered !== undefined)
    out.push(
      condition(
        'second-opinion-unanswered',
        'second-opinion-unanswered',
        'no second opinion for a failover',
        `A failover needed a second opinion and no witness in another zone gave one: ${s.unanswered}.`,
      ),
    );
  for (const [witness, w] of Object.entries(s.witnesses)) {
    if (w.error === undefined) continue;
    out.push(
      condition(
        `witness-unavailable:${witness}`,
        'witness-unavailable',
        `witness ${witness} does not answer`,
        `${witness} did not answer the Checker: ${w.error}`,
        { witness },
      ),
    );
  }
  return out;
}

/** A node in maintenance, a window ended with its node not back, a parameter we cannot read. */
function maintenanceConditions({ maintenance, nodes }: CheckerReport): Condition[] {
  if (!maintenance) return [];
  const out: Condition[] = [];
  for (const [node, m] of Object.entries(maintenance.nodes)) {
    const why = [m.reason, m.by && `by ${m.by}`].filter(Boolean).join(', ');
    const facts = { node, until: m.until, reason: m.reason };
    if (!m.ended) {
      out.push(
        condition(
          `maintenance:${node}`,
          'maintenance',
          `${node} in maintenance until ${m.until} (${why})`,
          `${node} is no failover target until ${m.until} (${why}). Failover of the master goes on among the other nodes.`,
          facts,
        ),
      );
    } else if (nodes[node]?.last?.ok !== true) {
      out.push(
        condition(
          `maintenance-overran:${node}`,
          'maintenance-overran',
          `${node}'s maintenance ended at ${m.until} but it is not back`,
          `The maintenance window of ${node} (${why}) ended at ${m.until}; ${node} is a target again but does not answer our probe${nodes[node]?.last?.detail ? ` (${nodes[node]?.last?.detail})` : ''}.`,
          facts,
        ),
      );
    }
  }
  if (maintenance.error !== undefined)
    out.push(
      condition(
        'maintenance-unreadable',
        'maintenance-unreadable',
        'the maintenance parameter cannot be read',
        `${maintenance.error}. Every node counts as a failover target meanwhile.`,
      ),
    );
  return out;
}

/** A node that cannot receive the VIP's traffic, or interfaces that could not be read. */
function readinessConditions({ readiness }: CheckerReport): Condition[] {
  if (!readiness) return [];
  const out = Object.entries(readiness.nodes).flatMap(([node, problems]) =>
    problems.map((p) => {
      const kind = READINESS_KIND[p.kind];
      return condition(
        `${kind}:${node}`,
        kind,
        `${node} ${READINESS_SUBJECT[p.kind]}`,
        `${node}: ${p.detail}.`,
        { node, problem: p.kind },
      );
    }),
  );
  if (readiness.error !== undefined)
    out.push(
      condition(
        'interfaces-unreadable',
        'interfaces-unreadable',
        "the nodes' interfaces cannot be read",
        `${readiness.error}.`,
      ),
    );
  return out;
}
