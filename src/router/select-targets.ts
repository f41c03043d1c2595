/**
 * RFC 6121 §8.5.2.1.1: a message to a bare JID goes to the available resources with the
 * highest non-negative priority (all of them on a tie, as most servers do); headline goes to
 * every non-negative resource. Resources with negative priority never get bare-JID messages.
 */
export function selectMessageTargets<
  T extends { available: boolean; priority: number | undefined },
>(sessions: T[], type: string): T[] {
  const eligible = sessions.filter((s) => s.available && (s.priority ?? 0) >= 0);
  if (eligible.length <= 1 || type === 'headline') return eligible;
  let best = -1;
  for (const s of eligible) best = Math.max(best, s.priority ?? 0);
  return eligible.filter((s) => (s.priority ?? 0) === best);
}
