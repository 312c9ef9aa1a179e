import { describe, expect, it } from "vitest";
import { CONSENT_STATUSES, type ConsentStatus } from "@/db/schema";
import {
  applyAll,
  artefactStatusFromCareContexts,
  artefactTransition,
  isFinal,
  normaliseStatus,
  transition,
  type StatusEvent,
} from "./state";

const eka = (status: string | null | undefined): StatusEvent => ({ source: "eka", status });

/** Expected status after an EKA event, for every (current, incoming) pair. `=` means unchanged. */
const MATRIX: Record<ConsentStatus, Record<"REQUESTED" | "GRANTED" | "DENIED" | "EXPIRED" | "REVOKED", ConsentStatus | "=">> = {
  INITIATING: { REQUESTED: "REQUESTED", GRANTED: "GRANTED", DENIED: "DENIED", EXPIRED: "EXPIRED", REVOKED: "REVOKED" },
  REQUESTED: { REQUESTED: "=", GRANTED: "GRANTED", DENIED: "DENIED", EXPIRED: "EXPIRED", REVOKED: "REVOKED" },
  GRANTED: { REQUESTED: "=", GRANTED: "=", DENIED: "=", EXPIRED: "EXPIRED", REVOKED: "REVOKED" },
  UNKNOWN: { REQUESTED: "REQUESTED", GRANTED: "GRANTED", DENIED: "DENIED", EXPIRED: "EXPIRED", REVOKED: "REVOKED" },
  DENIED: { REQUESTED: "=", GRANTED: "=", DENIED: "=", EXPIRED: "=", REVOKED: "=" },
  EXPIRED: { REQUESTED: "=", GRANTED: "=", DENIED: "=", EXPIRED: "=", REVOKED: "=" },
  REVOKED: { REQUESTED: "=", GRANTED: "=", DENIED: "=", EXPIRED: "=", REVOKED: "=" },
  FAILED: { REQUESTED: "=", GRANTED: "=", DENIED: "=", EXPIRED: "=", REVOKED: "=" },
};

describe("transition: every (current, EKA status) pair", () => {
  for (const current of CONSENT_STATUSES) {
    for (const [incoming, expected] of Object.entries(MATRIX[current])) {
      const want = expected === "=" ? current : expected;
      it(`${current} + ${incoming} → ${want}`, () => {
        const t = transition({ status: current }, eka(incoming));
        expect(t.status).toBe(want);
        expect(t.statusChanged).toBe(want !== current);
        if (want === current) {
          expect(t.reason).toBe(incoming === current ? "repeat" : isFinal(current) ? "final" : "backwards");
        } else expect(t.reason).toBe("applied");
      });
    }
  }
});

describe("transition: local events", () => {
  it("create answered: INITIATING → REQUESTED; a fast GRANTED that overtook it wins", () => {
    expect(transition({ status: "INITIATING" }, { source: "local", status: "REQUESTED" }).status).toBe("REQUESTED");
    expect(transition({ status: "GRANTED" }, { source: "local", status: "REQUESTED" }).status).toBe("GRANTED");
  });

  it("create failed: only an INITIATING row can become FAILED", () => {
    expect(transition({ status: "INITIATING" }, { source: "local", status: "FAILED" }).status).toBe("FAILED");
    for (const s of ["REQUESTED", "GRANTED", "DENIED", "EXPIRED", "REVOKED"] as const) {
      expect(transition({ status: s }, { source: "local", status: "FAILED" }).status).toBe(s);
    }
  });

  it("clock expiry ends pending and granted consents, nothing else", () => {
    const expire = { source: "local", status: "EXPIRED" } as const;
    expect(transition({ status: "REQUESTED" }, expire).status).toBe("EXPIRED");
    expect(transition({ status: "GRANTED" }, expire).status).toBe("EXPIRED");
    expect(transition({ status: "REVOKED" }, expire).status).toBe("REVOKED");
    expect(transition({ status: "DENIED" }, expire).status).toBe("DENIED");
    expect(transition({ status: "FAILED" }, expire).status).toBe("FAILED");
  });
});

describe("transition: normalisation, repeats and unknown statuses", () => {
  it("ignores case and surrounding space", () => {
    expect(transition({ status: "REQUESTED" }, eka(" granted ")).status).toBe("GRANTED");
    expect(transition({ status: "REQUESTED" }, eka("Denied")).status).toBe("DENIED");
    expect(normaliseStatus("revoked")).toEqual({ kind: "known", status: "REVOKED" });
  });

  it("a repeated event is a no-op", () => {
    const once = transition({ status: "REQUESTED" }, eka("GRANTED"));
    const twice = transition({ status: once.status, rawStatus: once.rawStatus }, eka("GRANTED"));
    expect(twice).toMatchObject({ status: "GRANTED", changed: false, statusChanged: false, reason: "repeat" });
  });

  it("an empty status changes nothing", () => {
    expect(transition({ status: "REQUESTED" }, eka(""))).toMatchObject({ status: "REQUESTED", changed: false, reason: "empty" });
    expect(transition({ status: "REQUESTED" }, eka(null))).toMatchObject({ changed: false, reason: "empty" });
  });

  it("records an unknown status verbatim without moving the known one", () => {
    const t = transition({ status: "REQUESTED" }, eka("PARTIALLY_GRANTED"));
    expect(t).toMatchObject({ status: "REQUESTED", rawStatus: "PARTIALLY_GRANTED", changed: true, statusChanged: false, reason: "unknown" });
    // The same unknown again: nothing new to store.
    expect(transition({ status: "REQUESTED", rawStatus: "PARTIALLY_GRANTED" }, eka("PARTIALLY_GRANTED")).changed).toBe(false);
    // EKA's "FAILED" is not ours: recorded, not applied.
    expect(transition({ status: "REQUESTED" }, eka("failed"))).toMatchObject({ status: "REQUESTED", rawStatus: "failed" });
  });

  it("the next known status clears the unknown one, even when it is a repeat", () => {
    expect(transition({ status: "REQUESTED", rawStatus: "ON_HOLD" }, eka("GRANTED"))).toMatchObject({ status: "GRANTED", rawStatus: null });
    expect(transition({ status: "REQUESTED", rawStatus: "ON_HOLD" }, eka("REQUESTED"))).toMatchObject({
      status: "REQUESTED",
      rawStatus: null,
      changed: true,
      statusChanged: false,
    });
  });

  it("an unknown status after a final one is recorded, the final status stays", () => {
    expect(transition({ status: "REVOKED" }, eka("ARCHIVED"))).toMatchObject({ status: "REVOKED", rawStatus: "ARCHIVED" });
  });
});

describe("out-of-order delivery", () => {
  it("a late GRANTED after REVOKED is ignored", () => {
    expect(applyAll({ status: "REQUESTED" }, [eka("GRANTED"), eka("REVOKED"), eka("GRANTED")]).status).toBe("REVOKED");
  });

  it("a late REQUESTED never turns GRANTED back", () => {
    expect(applyAll({ status: "INITIATING" }, [eka("GRANTED"), { source: "local", status: "REQUESTED" }, eka("REQUESTED")]).status).toBe("GRANTED");
  });

  it("every order of the same events ends in the same place", () => {
    const events = [eka("REQUESTED"), eka("GRANTED"), eka("REVOKED")];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const o of orders) {
      expect(applyAll({ status: "INITIATING" }, o.map((i) => events[i]!)).status).toBe("REVOKED");
    }
  });

  it("DENIED and GRANTED race: whichever lands first is final for DENIED, GRANTED can still end", () => {
    expect(applyAll({ status: "REQUESTED" }, [eka("DENIED"), eka("GRANTED")]).status).toBe("DENIED");
    expect(applyAll({ status: "REQUESTED" }, [eka("GRANTED"), eka("DENIED")]).status).toBe("GRANTED");
  });
});

describe("artefacts", () => {
  it("granted → revoked or expired, and finals stay", () => {
    expect(artefactTransition("GRANTED", "revoked")).toEqual({ status: "REVOKED", changed: true });
    expect(artefactTransition("GRANTED", "EXPIRED")).toEqual({ status: "EXPIRED", changed: true });
    expect(artefactTransition("REVOKED", "GRANTED")).toEqual({ status: "REVOKED", changed: false });
    expect(artefactTransition("EXPIRED", "REVOKED")).toEqual({ status: "EXPIRED", changed: false });
    expect(artefactTransition("GRANTED", "GRANTED")).toEqual({ status: "GRANTED", changed: false });
    expect(artefactTransition("GRANTED", "SOMETHING")).toEqual({ status: "GRANTED", changed: false });
  });

  it("reads an artefact's status from its care contexts", () => {
    expect(artefactStatusFromCareContexts(["GRANTED", "GRANTED"])).toBe("GRANTED");
    expect(artefactStatusFromCareContexts(["REVOKED", "revoked"])).toBe("REVOKED");
    expect(artefactStatusFromCareContexts(["EXPIRED"])).toBe("EXPIRED");
    expect(artefactStatusFromCareContexts(["REVOKED", "EXPIRED"])).toBe("REVOKED");
    expect(artefactStatusFromCareContexts(["GRANTED", "REVOKED"])).toBe("GRANTED");
    expect(artefactStatusFromCareContexts([null, "ACTIVE"])).toBeNull();
    expect(artefactStatusFromCareContexts([])).toBeNull();
  });
});
