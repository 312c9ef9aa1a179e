import type { HiuKey } from "@/db/schema";

const DAY_MS = 24 * 60 * 60 * 1000;

type GraceFields = Pick<HiuKey, "id" | "status" | "retiredAt" | "pushedAt">;

/**
 * When a retired key's grace period ends, or null while it has none yet.
 *
 * EKA hands HIPs whatever keyset it was last given, so a retired key stays in use until a newer
 * key has actually been pushed: the grace period (`KEY_RETIREMENT_DAYS`) counts from the later of
 * its retirement and the first successful push of a successor. While no successor has reached EKA
 * (push pending or failing) the grace has not started and the key is kept.
 */
export function graceEndsAt(key: GraceFields, all: readonly GraceFields[], retirementDays: number): Date | null {
  if (key.status !== "retired" || !key.retiredAt) return null;
  const retiredAt = key.retiredAt.getTime();
  let supersededAt: number | null = null;
  for (const other of all) {
    if (other.id === key.id || !other.pushedAt) continue;
    const at = other.pushedAt.getTime();
    // Only a push at or after this key's retirement can have replaced it at EKA.
    if (at >= retiredAt && (supersededAt === null || at < supersededAt)) supersededAt = at;
  }
  if (supersededAt === null) return null;
  return new Date(Math.max(retiredAt, supersededAt) + retirementDays * DAY_MS);
}

/** A retired key is still usable for decryption until its grace ends (or while it has not begun). */
export function inGrace(key: GraceFields, all: readonly GraceFields[], retirementDays: number, now: Date): boolean {
  if (key.status !== "retired") return false;
  const ends = graceEndsAt(key, all, retirementDays);
  return ends === null || ends.getTime() > now.getTime();
}
