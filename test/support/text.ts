/** Text helpers for assertions. */

/** `text` as a regular expression source that matches it literally. */
export function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
