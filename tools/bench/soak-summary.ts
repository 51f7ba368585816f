/** The soak benchmark's readable summary, printed at the end. */
import type { SoakResult } from './soak';
import { secs, table } from './stats';

export function soakSummary(r: SoakResult): string {
  const ev = Object.entries(r.events)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    '',
    `Soak: ${String(r.settings.minutes)} min, ${r.samples} samples every ${String(r.settings.sample_ms)} ms; events: ${ev || 'none'}`,
    figuresTable(r),
    ...partitionLines(r),
    ...details(r),
    '',
    `AWS errors answered: ${
      Object.entries(r.api_errors)
        .map(([k, v]) => `${k} x${v}`)
        .join(', ') || 'none'
    }`,
    ...(r.harness_errors.length ? [`Harness errors: ${r.harness_errors.join('; ')}`] : []),
    `Checker runs failed: ${r.checker_run_failures.length}${r.checker_run_failures.length ? ` (${r.checker_run_failures.slice(0, 3).join('; ')})` : ''}`,
    '',
    'Targets:',
    table(
      ['target', 'value', 'verdict'],
      Object.values(r.targets).map((x) => [
        x.target,
        x.target.startsWith('dead') ? secs(x.value) : String(x.value),
        x.verdict,
      ]),
    ),
    '',
  ].join('\n');
}

/** The headline figures with what each one means. */
function figuresTable(r: SoakResult): string {
  const b = r.settings.bound as Record<string, number>;
  return table(
    ['figure', 'value', 'note'],
    [
      [
        'dead_target_s',
        secs(r.dead_target_s),
        `longest continuous time a route table sent the VIP to a dead node while a healthy one existed`,
      ],
      [
        '  bound',
        secs(r.dead_target_bound_s),
        `detection ${secs(b.detection_s)} + rise x interval ${secs(b.rise_s)} + move allowance ${secs(b.move_allowance_s)}`,
      ],
      [
        'split_observations',
        String(r.split_observations),
        'tables disagree and no Mover is running',
      ],
      [
        'raw splits mid-move',
        String(r.raw_splits_mid_move),
        'tables disagree while a Mover runs (expected)',
      ],
      ['moves', String(r.moves), `successful Mover results; record versions ${r.record_versions}`],
      [
        '  convergences',
        String(r.convergences),
        'moves without expectedActive (split or record repair)',
      ],
      [
        'unnecessary_moves',
        String(r.unnecessary_moves),
        `failovers while the old active was healthy: ${r.unnecessary_breakdown.during_partition} during a partition event ` +
          `(or its grace), ${r.unnecessary_breakdown.after_recent_outage} right after a real outage ` +
          `(it ended within the detection bound + move), ${r.unnecessary_breakdown.no_recent_outage} with neither`,
      ],
    ],
  );
}

/** The partition events: how many, from where, and what the Checker did in their windows. */
function partitionLines(r: SoakResult): string[] {
  const p = r.partitions;
  if (p.events === 0) return ['', 'Partition events: none'];
  const by = Object.entries(p.by_vantage)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    '',
    `Partition events: ${p.events} (${by}), ${secs(p.partitioned_s, 1)} cut off in all; in their windows ` +
      `(cut to heal + ${secs(p.grace_s)}): ${p.asks} second-opinion asks, ${p.disagreements} disagreements alerted, ` +
      `${p.witness_errors} witness calls failed, ${p.moves} moves`,
    ...p.details.map(
      (d) =>
        `    ${d.start_s.toFixed(2)} s ${d.vantage} cut off from ${d.node} for ${secs(d.duration_s, 1)}: ` +
        `${d.asks} asks, ${d.disagreements} disagreements, ${d.witness_errors} witness errors, ` +
        `${d.moves} moves${d.error ? `; ${d.error}` : ''}`,
    ),
    ...firstBadWindow(p.details),
  ];
}

/** The first partition event with a move (or a harness error), told from its cut. */
function firstBadWindow(details: SoakResult['partitions']['details']): string[] {
  const bad = details.find((d) => d.context);
  if (!bad?.context) return [];
  return [
    `  The first event with a move or an error (${bad.start_s.toFixed(2)} s), from its cut to its first move:`,
    ...bad.context.map((c) => `    ${c}`),
  ];
}

/** The longest episode's context, the unnecessary moves and the first splits, when there are any. */
function details(r: SoakResult): string[] {
  const longest = r.longest_episodes[0];
  return [
    ...(longest
      ? [
          '',
          `Longest dead-target episode: ${secs(longest.duration_s)} from ${longest.start_s.toFixed(2)} s (${longest.cause}):`,
          ...longest.context.map((c) => `    ${c}`),
        ]
      : []),
    ...(r.unnecessary_details.length
      ? [
          '',
          'Moves while the old active was healthy:',
          ...r.unnecessary_details.map(
            (u) =>
              `    ${u.t_s.toFixed(2)} s ${u.from} → ${u.to}: ${u.reason}${u.partition ? ` (during: ${u.partition})` : ''}`,
          ),
        ]
      : []),
    ...(r.split_details.length
      ? [
          '',
          'Split observations (first ones):',
          ...r.split_details
            .slice(0, 10)
            .map((s) => `    ${s.t_s.toFixed(2)} s ${JSON.stringify(s.tables)}`),
        ]
      : []),
  ];
}
