/**
 * The deploy check's verdict on the second opinion: a witness of the Checker's own zone may be
 * asked only before its warm-up told the Checker where it runs, and its answer never counts as
 * the other zone's confirmation.
 */
import type { CheckerReport } from '../lambda/domain/checker/checker';
import { secondOpinionProblems } from '../tools/deploy-check/failover';
import type { ServedInvocation } from '../tools/deploy-check/shim';

const zones = { 'witness-a': 'euw1-az3', 'witness-b': 'euw1-az1' };
const nodes = { master: 'db-a', standby: 'db-b' };
const report = {
  secondOpinion: {
    zone: 'euw1-az3',
    witnesses: { 'witness-a': { az: 'euw1-az3' }, 'witness-b': { az: 'euw1-az1' } },
    asked: 1,
  },
} as unknown as CheckerReport;

const deadMaster = { probes: { 'db-a': { ok: false }, 'db-b': { ok: true } } };
function served(
  functionName: string,
  kind: 'warm' | 'probe',
  startedAt: number,
  endedAt: number,
  answer: unknown = {},
): ServedInvocation {
  return {
    functionName,
    requestId: `${functionName}-${kind}-${startedAt}`,
    startedAt,
    endedAt,
    event: { kind },
    result: { ok: true, payload: JSON.stringify(answer) },
  } as ServedInvocation;
}
const warmUps = [served('witness-a', 'warm', 0, 500), served('witness-b', 'warm', 0, 100)];

describe("the deploy check's second-opinion verdict", () => {
  it('passes a move the other zone confirmed, asked after both warm-ups', () => {
    const calls = [...warmUps, served('witness-b', 'probe', 1000, 1010, deadMaster)];

    expect(secondOpinionProblems(report, [], zones, 'euw1-az3', calls, nodes)).toEqual([]);
  });

  it("allows an ask of the Checker's own zone before that witness's warm-up answered", () => {
    const calls = [
      ...warmUps,
      served('witness-a', 'probe', 200, 210, deadMaster),
      served('witness-b', 'probe', 1000, 1010, deadMaster),
    ];

    expect(secondOpinionProblems(report, [], zones, 'euw1-az3', calls, nodes)).toEqual([]);
  });

  it("refuses an ask of the Checker's own zone once its warm-up had told the zone", () => {
    const calls = [
      ...warmUps,
      served('witness-a', 'probe', 600, 610, deadMaster),
      served('witness-b', 'probe', 1000, 1010, deadMaster),
    ];

    expect(secondOpinionProblems(report, [], zones, 'euw1-az3', calls, nodes)).toEqual([
      'the Checker asked witness-a, in its own zone euw1-az3, for a second opinion',
    ]);
  });

  it("never takes the Checker's own zone's answer as the other zone's confirmation", () => {
    const calls = [...warmUps, served('witness-a', 'probe', 200, 210, deadMaster)];

    expect(secondOpinionProblems(report, [], zones, 'euw1-az3', calls, nodes)).toEqual([
      expect.stringMatching(/^no witness of another zone saw db-a dead and db-b alive/),
    ]);
  });
});
