/**
 * `1 connection`, `2 connections`: counts in messages read naturally. The
 * plural is the noun plus `s` unless given.
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
