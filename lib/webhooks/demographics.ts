/**
 * Patient demographics learned from bundles (design.md §4 `patients`). A value fills an empty
 * field; a different value never overwrites silently: every value is kept per HIP in
 * `demographicsSeen` and incompatible ones raise `demographicsConflict` for a person to resolve.
 */
import type { DemographicsSeen } from "@/db/schema";

export type DemographicField = "name" | "gender" | "birthDate";
const FIELDS: DemographicField[] = ["name", "gender", "birthDate"];
/** Bounds the history per field even if a HIP keeps sending new spellings. */
const MAX_SEEN_PER_FIELD = 25;

export type PatientDemographics = {
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  demographicsSeen: DemographicsSeen;
  demographicsConflict: boolean;
};

export type LearnedDemographics = { name: string | null; gender: string | null; birthDate: string | null };

function clean(field: DemographicField, value: string | null | undefined): string | null {
  const v = value?.replace(/\s+/g, " ").trim();
  if (!v) return null;
  return field === "gender" ? v.toLowerCase() : v;
}

function key(field: DemographicField, value: string): string {
  return field === "birthDate" ? value : value.toLowerCase();
}

/**
 * Two values agree when equal ignoring case and spacing; birth dates also agree when one is a
 * less precise form of the other ("1985" and "1985-03-12").
 */
function compatible(field: DemographicField, a: string, b: string): boolean {
  const ka = key(field, a);
  const kb = key(field, b);
  if (ka === kb) return true;
  if (field === "birthDate") return ka.startsWith(kb) || kb.startsWith(ka);
  return false;
}

/** Whether any field holds values that do not agree with each other. */
function hasConflict(seen: DemographicsSeen): boolean {
  return FIELDS.some((f) => {
    const values = (seen[f] ?? []).map((s) => s.value);
    return values.some((a, i) => values.slice(i + 1).some((b) => !compatible(f, a, b)));
  });
}

/**
 * The patient after learning `learned` from a bundle of `hipId`, or null when it adds nothing
 * (the common case for repeat pushes, which then need no write and no row lock).
 */
export function mergeDemographics(
  current: PatientDemographics,
  learned: LearnedDemographics,
  hipId: string | null,
  at: string,
): PatientDemographics | null {
  const next: PatientDemographics = {
    name: current.name,
    gender: current.gender,
    birthDate: current.birthDate,
    demographicsSeen: { ...current.demographicsSeen },
    demographicsConflict: current.demographicsConflict,
  };
  let changed = false;
  let disagrees = false;
  for (const f of FIELDS) {
    const v = clean(f, learned[f]);
    if (!v) continue;
    const list = [...(next.demographicsSeen[f] ?? [])];
    if (!list.some((s) => s.hipId === hipId && key(f, s.value) === key(f, v)) && list.length < MAX_SEEN_PER_FIELD) {
      list.push({ value: v, hipId, at });
      next.demographicsSeen[f] = list;
      changed = true;
    }
    const cur = clean(f, next[f]);
    if (!cur) {
      next[f] = v;
      changed = true;
    } else if (f === "birthDate" && cur !== v && compatible(f, cur, v) && v.length > cur.length) {
      // A more precise form of the same date is an improvement, not a conflict.
      next[f] = v;
      changed = true;
    } else if (!compatible(f, cur, v)) {
      // e.g. the name the clinician entered differs from what the HIP recorded: keep both, flag.
      disagrees = true;
    }
  }
  const conflict = current.demographicsConflict || disagrees || hasConflict(next.demographicsSeen);
  if (conflict !== current.demographicsConflict) {
    next.demographicsConflict = conflict;
    changed = true;
  }
  return changed ? next : null;
}
