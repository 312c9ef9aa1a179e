/**
 * Tiny runtime guards. The FHIR typings describe what a bundle *should* contain; real ABDM
 * bundles break those promises (arrays where objects are expected, numbers as strings), so
 * every read of untrusted JSON goes through these instead of trusting the static type.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Always an array: `undefined`/`null` → [], a lone value → [value]. */
export function asArray<T>(v: T | T[] | null | undefined): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A non-empty trimmed string, or null. */
export function str(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = v.trim();
  return t === "" ? null : t;
}

/** A finite number (numeric strings accepted, since some HIPs quote their values), or null. */
export function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "" && /^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(v.trim())) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** First non-null value of a list of candidates. */
export function firstOf<T>(...values: (T | null | undefined)[]): T | null {
  for (const v of values) if (v !== null && v !== undefined) return v;
  return null;
}

export function uniqueStrings(values: (string | null | undefined)[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (!v) continue;
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  return out;
}
