/** Times for a tired reader: UTC to the second, with how long ago or how soon beside it. */

/** `3 s`, `4 min`, `2.5 h`, `3.0 d`: the size of a span, rounded for reading. */
export function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** `4 min ago` or `in 4 min`. */
export function relative(at: number, now: number): string {
  return at <= now ? `${span(now - at)} ago` : `in ${span(at - now)}`;
}

/** `2026-12-07T21:40:00Z (4 min ago)`. */
export function when(at: number, now: number): string {
  return `${new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${relative(at, now)})`;
}
