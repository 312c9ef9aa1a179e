import { z } from "zod";

/**
 * C0 controls (except tab, newline, carriage return), DEL, and the Unicode bidi override/isolate
 * controls. PostgreSQL cannot store NUL in text, and bidi overrides let a name display as
 * something else; neither has a place in a name, an identifier or a search.
 */
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

export const hasUnsafeCharacters = (s: string): boolean => UNSAFE.test(s);
export const stripUnsafeCharacters = (s: string): string => s.replace(UNSAFE_ALL, "");

export const UNSAFE_TEXT_MESSAGE = "Remove the invisible control characters from this field.";

/** For typed fields (names, numbers): refuse, with a message, rather than store altered text. */
export const refuseUnsafe = (v: string | null | undefined) => v == null || !hasUnsafeCharacters(v);

/** For searches: drop them silently; a search never needs them. */
export const searchText = (max: number) =>
  z
    .string()
    .transform(stripUnsafeCharacters)
    .pipe(z.string().trim().max(max))
    .optional()
    .catch(undefined)
    .transform((v) => v || undefined);
