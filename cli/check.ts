/**
 * `vip-failover check`: asks the deployed Checker what a run would decide now, and why, in a
 * dry run that acts on nothing (docs/operations.md). The Checker probes from where it runs, which
 * an operator's machine usually cannot.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { deployedNames } from '../config';
import type { CheckerReport } from '../lambda/domain/checker/checker';
import { CliError } from './errors';
import type { Group } from './group';
import { EXIT_CODE, type Level } from './verdict';

/** What the Checker decided, with its level: a failover or an error hold is CRITICAL. */
export interface CheckResult {
  readonly level: Level;
  readonly code: number;
  readonly report: CheckerReport;
}

/** Invokes the group's Checker with `{"check": true}` and judges its answer. */
export async function check(group: Group): Promise<CheckResult> {
  const name = deployedNames(group.config).checkerFunction;
  const out = await group.lambda
    .send(
      new InvokeCommand({
        FunctionName: name,
        Payload: new TextEncoder().encode(JSON.stringify({ check: true })),
      }),
    )
    .catch((e: unknown) => {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
      throw new CliError(`no Checker function ${name} here; deploy the stack first`);
    });
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  if (out.FunctionError) throw new CliError(`the Checker failed the check: ${errorMessage(text)}`);
  const report = JSON.parse(text) as CheckerReport;
  const level = levelOf(report);
  return { level, code: EXIT_CODE[level], report };
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
  } catch {
    return text;
  }
}

/** OK: nothing to do; WARNING: a warning hold or a move that is not a failover; CRITICAL else. */
function levelOf(report: CheckerReport): Level {
  const d = report.decision;
  if (d.action === 'none') return report.moves.length > 0 ? 'WARNING' : 'OK';
  if (d.action === 'hold') return d.severity === 'error' ? 'CRITICAL' : 'WARNING';
  if (d.action === 'move' && d.kind === 'failover') return 'CRITICAL';
  return 'WARNING';
}

/** The check for a terminal: the level and decision first, then each node and each request. */
export function formatCheck(r: CheckResult, group: string): string {
  const { report } = r;
  const lines = [
    `${r.level}: ${group}: a run now would ${verb(report)}: ${report.decision.reason}`,
    `VIP on ${report.active ?? 'no single node'}; record ${report.record ?? '(missing)'}${report.paused ? '; PAUSED' : ''}`,
    'nodes, as the Checker probed them:',
    ...Object.entries(report.nodes).map(
      ([name, n]) =>
        `  ${name.padEnd(12)} ${n.state.padEnd(8)} ${n.probes} probes, ${n.failed} failed${n.last && !n.last.ok ? ` (last: ${n.last.failure ?? 'failed'}${n.last.detail ? `: ${n.last.detail}` : ''})` : ''}`,
    ),
  ];
  const asked = [...new Set(report.moves.map((m) => `  ${m.request.target}: ${m.request.reason}`))];
  lines.push(asked.length > 0 ? 'would ask the Mover (not asked):' : 'would ask the Mover nothing');
  lines.push(...asked);
  return lines.join('\n');
}

function verb(report: CheckerReport): string {
  const d = report.decision;
  if (d.action === 'move') return `${d.kind === 'failover' ? 'fail over' : d.kind} to ${d.target}`;
  if (d.action === 'converge') return `converge on ${d.target}`;
  if (d.action === 'hold') return `hold (${d.kind})`;
  return 'do nothing';
}
