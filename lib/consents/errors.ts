/**
 * What a clinician reads when EKA or ABDM refuses a consent request: the code and message exactly
 * as they came (support needs them verbatim), plus one plain next step. Pure and client-safe.
 */

export type StoredFailure = { code: string; message: string };

/** Shape of lib/eka's EkaError, structurally (so this file stays free of server imports). */
type EkaErrorLike = {
  kind: "network" | "timeout" | "http" | "validation";
  status?: number;
  ekaCode?: number | string;
  sourceCode?: string;
  sourceMessage?: string;
  networkCode?: string;
  message: string;
};

function isEkaErrorLike(e: unknown): e is EkaErrorLike {
  return typeof e === "object" && e !== null && "kind" in e && typeof (e as { message?: unknown }).message === "string";
}

/** The code and message to store for a failed create. */
export function failureFromError(err: unknown): StoredFailure {
  if (!isEkaErrorLike(err)) return { code: "PORTAL-ERROR", message: "The request could not be sent because of an error in the portal." };
  switch (err.kind) {
    case "network":
      return { code: err.networkCode ? `NETWORK-${err.networkCode}` : "NETWORK", message: "EKA could not be reached." };
    case "timeout":
      return { code: "TIMEOUT", message: "EKA did not answer in time." };
    case "validation":
      return { code: `HTTP-${err.status ?? "?"}`, message: "EKA answered in an unexpected format." };
    case "http":
      return {
        code: err.sourceCode ?? (err.ekaCode !== undefined && String(err.ekaCode) !== String(err.status) ? String(err.ekaCode) : `HTTP-${err.status}`),
        message: err.sourceMessage ?? httpFallback(err.status),
      };
  }
}

function httpFallback(status: number | undefined): string {
  if (status === 401 || status === 403) return "EKA refused the portal's credentials.";
  if (status === 491) return "The patient's ABHA session at EKA has expired.";
  if (status && status >= 500) return "EKA had a server error.";
  return "EKA refused the request.";
}

const UNKNOWN_PATIENT = /(patient|abha|health[ _.-]?id|address).*(not found|unknown|invalid|does not exist|not registered)|(not found|unknown|invalid).*(patient|abha|health[ _.-]?id)/i;

/** One sentence: what the clinician should do about this failure. */
export function nextStepFor(code: string | null | undefined, message: string | null | undefined): string {
  const c = (code ?? "").toUpperCase();
  const m = message ?? "";
  if (UNKNOWN_PATIENT.test(m) || c === "ABDM-1024") {
    return "The ABHA address is not known to ABDM — check it with the patient (their ABHA app shows it), correct it, and request again.";
  }
  if (c === "ABDM-1063") return "ABDM refused the date range — check that the records range ends on or after it starts, not after today, and that the consent ends in the future; then request again.";
  if (c === "ABDM-1046" || c === "ABDM-1047") return "ABDM did not accept the purpose — request again with one of the listed purposes; if it keeps failing, tell your administrator.";
  if (c === "ABDM-1022") return "ABDM is receiving too many requests — wait a minute and request again.";
  if (["ABDM-1028", "ABDM-1033", "ABDM-1401", "ABDM-1402"].includes(c)) return "A facility or the ABDM gateway is unavailable right now — request again in a few minutes.";
  if (c === "ABDM-1040") return "ABDM does not recognise this hospital as an HIU — tell your administrator (the EKA account setup needs checking).";
  if (c === "ABDM-1006" || c === "ABDM-1010") return "ABDM found a field it could not accept (shown above) — correct it and request again; if the message is unclear, tell your administrator.";
  if (c.startsWith("NETWORK")) return "EKA could not be reached; nothing was sent twice — try again.";
  if (c === "TIMEOUT") return "EKA did not answer in time; nothing was sent twice — try again. If the patient then sees two requests, they can deny the extra one.";
  if (c === "HTTP-401" || c === "HTTP-403") return "The portal's EKA credentials were refused — tell your administrator.";
  if (c === "HTTP-491") return "The patient's ABHA session at EKA has expired — ask the patient to sign in to their ABHA app, then request again.";
  if (c === "NO-RESPONSE") return "The portal stopped before EKA's answer was saved, so it is unknown whether the patient received this request. Check with the patient; request again if they did not.";
  if (c.startsWith("HTTP-5") || c === "ABDM-9999") return "EKA or ABDM had a temporary problem — try again in a few minutes.";
  return "Check the details and request again; if it keeps failing, give this code to your administrator.";
}
