/**
 * Persistent sandbox state: one JSON file under the data directory, written atomically
 * (temp file + rename), so a crash never leaves half a file. Webhook bodies (which carry
 * encrypted bundles and can be megabytes) live beside it in `outbox/`, one file per delivery,
 * deleted once the delivery is done.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export type ConsentStatus = "REQUESTED" | "GRANTED" | "DENIED" | "REVOKED" | "EXPIRED";
export type ArtefactStatus = "GRANTED" | "REVOKED" | "EXPIRED";

export interface Period {
  from: string;
  to: string;
  expiry: string;
}

export interface ArtefactCareContext {
  id: string;
  display: string;
  /** Bundle file names assigned by the HIP simulator at grant time. */
  bundles: string[];
}

export interface DataTransfer {
  transactionId: string;
  at: string;
  pageCount: number;
  entries: { careContextId: string; bundle: string }[];
}

export interface Artefact {
  id: string;
  hipId: string;
  hipName: string;
  careContexts: ArtefactCareContext[];
  hiTypes: string[];
  from: string;
  to: string;
  eraseAt: string;
  status: ArtefactStatus;
  createdAt: string;
  updatedAt: string;
  transfers: DataTransfer[];
}

export interface Consent {
  /** Returned by create; the ABDM consent request id. */
  consentInitId: string;
  /** EKA's consent id (details, data push); null until granted in `on-grant` mode. */
  consentId: string | null;
  status: ConsentStatus;
  patient: { healthId: string; oid: string };
  hiu: {
    clinicId?: string;
    doctorOid?: string;
    requester?: { name?: string; identifier?: { type?: string; value?: string; system?: string } };
  };
  purpose: string;
  purposeCode: string;
  hiTypes: string[];
  period: Period;
  hipFilter?: { id: string; name?: string };
  careContextFilter?: string[];
  /** Context headers sent with create; echoed in the data push like EKA's placeholders suggest. */
  context: { ptId?: string; partnerPtId?: string; hipId?: string };
  appointmentId?: string;
  createdAt: string;
  updatedAt: string;
  denyReason?: string;
  autoApproved?: boolean;
  artefacts: Artefact[];
}

export interface OnPushReport {
  receivedAt: string;
  consent_id: string;
  transaction_id: string;
  status_response: { care_context_id: string; success: boolean; description: string }[];
  /** Whether the sandbox knows the consent / the transaction. */
  knownConsent: boolean;
  knownTransaction: boolean;
}

export interface Notice {
  id: string;
  at: string;
  level: "error" | "info";
  message: string;
  /** Patient the notice is about (shown on their PHR page); absent = global. */
  healthId?: string;
}

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
  /** Which copy, when the "deliver twice" fault is on. */
  copy: number;
}

export interface Delivery {
  /** Envelope `transaction_id`: one per delivery, stable across retries. */
  id: string;
  event: string;
  createdAt: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  /** Successful copies still to send (2 with the "deliver twice" fault). */
  copiesLeft: number;
  copiesSent: number;
  nextAttemptAt: number;
  /** Metadata for the log and tests (never health data). */
  meta: {
    consentInitId?: string;
    consentId?: string;
    status?: string;
    transactionId?: string;
    pageNumber?: number;
    pageCount?: number;
    entryCount?: number;
    healthId?: string;
  };
  history: DeliveryAttempt[];
  deliveredAt?: string;
  lastError?: string;
}

export interface Keyset {
  publicKey: string;
  nonce: string;
  format: "raw" | "x509";
  updatedAt: string;
}

export interface AutoApprovalState {
  enabled: boolean;
  autoApprovalId?: string;
  subscriptionId?: string;
  updatedAt: string;
}

export interface State {
  version: 1;
  /** HMAC key of the tokens; survives resets so a running portal keeps its token. */
  tokenSecret: string;
  /** Bumped to invalidate every issued token (control API). */
  tokenGeneration: number;
  keyset: Keyset | null;
  consents: Consent[];
  autoApproval: Record<string, AutoApprovalState>;
  onPush: OnPushReport[];
  deliveries: Delivery[];
  notices: Notice[];
  /** Round-robin position per bundle pool. */
  bundleCursor: Record<string, number>;
}

const MAX_LOG = 1000;

export function freshState(tokenSecret?: string): State {
  return {
    version: 1,
    tokenSecret: tokenSecret ?? randomBytes(32).toString("hex"),
    tokenGeneration: 1,
    keyset: null,
    consents: [],
    autoApproval: {},
    onPush: [],
    deliveries: [],
    notices: [],
    bundleCursor: {},
  };
}

export class Store {
  state: State;
  private readonly file: string;
  readonly outboxDir: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, "state.json");
    this.outboxDir = path.join(dir, "outbox");
    fs.mkdirSync(this.outboxDir, { recursive: true });
    this.state = this.load();
  }

  private load(): State {
    try {
      const s = JSON.parse(fs.readFileSync(this.file, "utf8")) as State;
      if (s && s.version === 1 && typeof s.tokenSecret === "string") return { ...freshState(s.tokenSecret), ...s };
    } catch {
      // Missing or unreadable: start fresh (the seeded world is code, not state).
    }
    const s = freshState();
    this.write(s);
    return s;
  }

  save(): void {
    const s = this.state;
    // Bounded logs: the sandbox may run for days in a demo.
    if (s.onPush.length > MAX_LOG) s.onPush.splice(0, s.onPush.length - MAX_LOG);
    if (s.notices.length > MAX_LOG) s.notices.splice(0, s.notices.length - MAX_LOG);
    const done = s.deliveries.filter((d) => d.status !== "pending");
    if (done.length > MAX_LOG) {
      const drop = new Set(done.slice(0, done.length - MAX_LOG));
      s.deliveries = s.deliveries.filter((d) => !drop.has(d));
    }
    this.write(s);
  }

  /** Back to the seeded world; keeps the token secret so a running portal stays logged in. */
  reset(): void {
    const secret = this.state.tokenSecret;
    const generation = this.state.tokenGeneration;
    for (const f of safeReaddir(this.outboxDir)) fs.rmSync(path.join(this.outboxDir, f), { force: true });
    this.state = { ...freshState(secret), tokenGeneration: generation };
    this.save();
  }

  writeOutbox(id: string, body: string): void {
    atomicWrite(path.join(this.outboxDir, `${safeName(id)}.json`), body);
  }

  readOutbox(id: string): string | undefined {
    try {
      return fs.readFileSync(path.join(this.outboxDir, `${safeName(id)}.json`), "utf8");
    } catch {
      return undefined;
    }
  }

  dropOutbox(id: string): void {
    fs.rmSync(path.join(this.outboxDir, `${safeName(id)}.json`), { force: true });
  }

  private write(s: State): void {
    atomicWrite(this.file, JSON.stringify(s, null, 1));
  }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_");
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
