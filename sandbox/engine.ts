/**
 * The sandbox's domain: consent requests, grants per HIP (artefacts), revocation, expiry by the
 * clock, auto-approval, the HIU keyset, data pushes and on-push reports. The EKA API, the PHR page
 * and the control API are thin layers over this class.
 *
 * Id relation (README "Assumptions"): create returns `consent_init_id` (= the ABDM consent request
 * id). On grant the consent gets a `consent_id` (what details, webhooks and the data push use) and
 * one artefact id per HIP (what revoke uses).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { SandboxConfig, SandboxSettings } from "./config";
import { defaultFaults, type Faults } from "./faults";
import { assignBundles, buildPushPages, loadBundles, personaliseBundle, type BundleFile } from "./hip";
import { ekaError } from "./http";
import type { Artefact, Consent, ConsentStatus, Notice, OnPushReport, Store } from "./state";
import { WebhookQueue } from "./webhooks";
import { HI_TYPES, PURPOSES, findPatient, hipName, type SeedPatient } from "./world";
import { toRawPublicKey } from "../lib/crypto/fidelius";

export interface CreateConsentInput {
  patient: { health_id?: string; oid?: string };
  hiu?: Consent["hiu"];
  purpose?: string;
  record_types?: string[] | null;
  period?: { from?: string; to?: string; expiry?: string };
  hip_identifier?: { id?: string; name?: string };
  care_contexts?: { cc_ref?: string; patient_ref?: string }[];
  appointment_id?: string;
}

export interface GrantInput {
  hipId: string;
  careContextIds: string[];
  hiTypes?: string[];
  from?: string;
  to?: string;
  eraseAt?: string;
}

const iso = (ms = Date.now()) => new Date(ms).toISOString();

export class SandboxEngine {
  settings: SandboxSettings;
  faults: Faults = defaultFaults();
  readonly webhooks: WebhookQueue;
  private timers = new Set<NodeJS.Timeout>();
  private busyJobs = 0;

  constructor(
    readonly config: SandboxConfig,
    readonly store: Store,
    private readonly log: (line: string) => void,
  ) {
    this.settings = structuredClone(config.settings);
    this.webhooks = new WebhookQueue(
      store,
      () => this.settings,
      () => this.faults,
      { clientId: config.clientId, businessId: config.businessId, signingKey: config.signingKey },
      log,
    );
  }

  get state() {
    return this.store.state;
  }

  start(): void {
    this.webhooks.start();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.webhooks.stop();
    this.store.save();
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.reset();
    this.faults = defaultFaults();
    this.settings = structuredClone(this.config.settings);
  }

  isIdle(): boolean {
    return this.busyJobs === 0 && this.timers.size === 0 && this.webhooks.isIdle();
  }

  async waitIdle(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    // Idle must hold twice in a row: a delivery can enqueue follow-up work in between.
    let streak = 0;
    while (Date.now() < until) {
      streak = this.isIdle() ? streak + 1 : 0;
      if (streak >= 2) return true;
      await new Promise((r) => setTimeout(r, 15));
    }
    return this.isIdle();
  }

  notice(level: Notice["level"], message: string, healthId?: string): void {
    this.state.notices.push({ id: randomUUID(), at: iso(), level, message, healthId });
    this.store.save();
    this.log(`notice (${level}): ${message}`);
  }

  // -------------------------------------------------------------------------------------------
  // Lookup

  findConsent(id: string | undefined | null): Consent | undefined {
    if (!id) return undefined;
    return this.state.consents.find((c) => c.consentInitId === id || c.consentId === id);
  }

  findArtefact(id: string): { consent: Consent; artefact: Artefact } | undefined {
    for (const consent of this.state.consents) {
      const artefact = consent.artefacts.find((a) => a.id === id);
      if (artefact) return { consent, artefact };
    }
    return undefined;
  }

  requirePatient(idOrOid: string | undefined | null): SeedPatient {
    const p = findPatient(idOrOid);
    if (!p) {
      if (!idOrOid) throw ekaError(400, "Patient id (oid) is required", "ABDM-1006", "oid is required");
      throw ekaError(400, "Patient not found", "ABDM-1010", "Patient not found for the given identifier");
    }
    return p;
  }

  /** HIPs (and their care contexts) a request may draw from: linked ones, narrowed by its filters. */
  eligibleLinks(consent: Consent): SeedPatient["links"] {
    const patient = findPatient(consent.patient.healthId);
    if (!patient) return [];
    return patient.links
      .filter((l) => !consent.hipFilter || l.hipId === consent.hipFilter.id)
      .map((l) => ({
        ...l,
        careContexts: l.careContexts.filter((cc) => !consent.careContextFilter || consent.careContextFilter.includes(cc.id)),
      }))
      .filter((l) => l.careContexts.length > 0);
  }

  // -------------------------------------------------------------------------------------------
  // HIU: create

  createConsent(input: CreateConsentInput, context: Consent["context"]): Consent {
    this.sweepExpired();
    const healthId = input.patient?.health_id?.trim();
    if (!healthId) throw ekaError(400, "patient.health_id is required", "ABDM-1006", "patient.health_id is required");
    const patient = findPatient(healthId);
    if (!patient) throw ekaError(400, "Patient not found", "ABDM-1010", "Patient not found for the given ABHA address");

    if (!input.purpose) throw ekaError(400, "purpose is required", "ABDM-1006", "purpose is required");
    const purposeCode = PURPOSES[input.purpose];
    if (!purposeCode) throw ekaError(500, "Invalid purpose", "ABDM-1046", "Invalid purpose of use");

    let hiTypes: string[];
    if (input.record_types === null || input.record_types === undefined) hiTypes = [...HI_TYPES];
    else {
      const unknown = input.record_types.filter((t) => !(HI_TYPES as readonly string[]).includes(t));
      if (unknown.length) throw ekaError(400, "Invalid record type", "ABDM-1010", `Unknown HI type(s): ${unknown.join(", ")}`);
      if (input.record_types.length === 0) throw ekaError(400, "record_types is empty", "ABDM-1010", "At least one HI type is required");
      hiTypes = [...new Set(input.record_types)];
    }

    const p = input.period ?? {};
    if (!p.from || !p.to) throw ekaError(400, "period.from and period.to are required", "ABDM-1006", "period.from and period.to are required");
    const from = Date.parse(p.from);
    const to = Date.parse(p.to);
    if (Number.isNaN(from) || Number.isNaN(to)) throw ekaError(400, "Invalid date range", "ABDM-1063", "Dates must be ISO-8601 date-times");
    if (from > to) throw ekaError(400, "Invalid date range", "ABDM-1063", "period.from is after period.to");
    // Lenient: EKA does not document a default; 30 days mirrors the widget's typical choice.
    const expiry = p.expiry ? Date.parse(p.expiry) : Date.now() + 30 * 86_400_000;
    if (Number.isNaN(expiry)) throw ekaError(400, "Invalid date range", "ABDM-1063", "period.expiry must be an ISO-8601 date-time");
    if (expiry <= Date.now()) throw ekaError(400, "Invalid date range", "ABDM-1063", "Consent expiry must be in the future");

    let hipFilter: Consent["hipFilter"];
    if (input.hip_identifier?.id) {
      if (!patient.links.some((l) => l.hipId === input.hip_identifier!.id)) {
        throw ekaError(400, "Invalid HIP", "ABDM-1010", "The HIP is not linked to this patient");
      }
      hipFilter = { id: input.hip_identifier.id, name: input.hip_identifier.name };
    }
    let careContextFilter: string[] | undefined;
    if (input.care_contexts?.length) {
      const known = new Set(patient.links.flatMap((l) => l.careContexts.map((c) => c.id)));
      const refs = input.care_contexts.map((c) => c.cc_ref ?? "");
      if (refs.some((r) => !known.has(r))) throw ekaError(400, "Invalid care context", "ABDM-1010", "Unknown care context reference");
      careContextFilter = refs;
    }

    const now = iso();
    const consentInitId = randomUUID();
    const consent: Consent = {
      consentInitId,
      consentId: this.settings.assumptions.consentIdMode === "same-as-init" ? consentInitId : null,
      status: "REQUESTED",
      patient: { healthId: patient.healthId, oid: patient.oid },
      hiu: input.hiu ?? {},
      purpose: input.purpose,
      purposeCode,
      hiTypes,
      period: { from: iso(from), to: iso(to), expiry: iso(expiry) },
      hipFilter,
      careContextFilter,
      context,
      appointmentId: input.appointment_id,
      createdAt: now,
      updatedAt: now,
      artefacts: [],
    };
    this.state.consents.push(consent);
    this.store.save();

    if (this.state.autoApproval[patient.healthId]?.enabled) {
      // After the HTTP answer, as a real gateway would: the portal learns consent_init_id first.
      this.later(this.settings.autoApproveDelayMs, () => {
        const c = this.findConsent(consentInitId);
        if (c?.status !== "REQUESTED") return;
        try {
          this.grant(c, this.defaultGrant(c), { auto: true });
        } catch (e) {
          this.notice("error", `Auto-approval failed: ${(e as Error).message}`, c.patient.healthId);
        }
      });
    }
    return consent;
  }

  /** Everything the request allows: every eligible HIP and care context, requested types and period. */
  defaultGrant(consent: Consent): GrantInput[] {
    return this.eligibleLinks(consent).map((l) => ({ hipId: l.hipId, careContextIds: l.careContexts.map((c) => c.id) }));
  }

  // -------------------------------------------------------------------------------------------
  // PHR: approve / deny / revoke / expire

  grant(consent: Consent, grants: GrantInput[], opts: { auto?: boolean } = {}): Consent {
    this.sweepExpired();
    if (consent.status === "EXPIRED") throw ekaError(400, "Consent request expired", "ABDM-1061", "The consent request has expired");
    if (consent.status !== "REQUESTED") {
      throw ekaError(400, "Consent request is not pending", "ABDM-1010", `The consent request is already ${consent.status}`);
    }
    if (grants.length === 0) throw ekaError(400, "No HIP selected", "ABDM-1010", "consent_artefacts must name at least one HIP");

    const links = this.eligibleLinks(consent);
    const seen = new Set<string>();
    const now = Date.now();
    const artefacts: Artefact[] = grants.map((g) => {
      if (seen.has(g.hipId)) throw ekaError(400, "Duplicate HIP", "ABDM-1010", "One artefact per HIP");
      seen.add(g.hipId);
      const link = links.find((l) => l.hipId === g.hipId);
      if (!link) throw ekaError(400, "Invalid HIP", "ABDM-1010", "The HIP is not linked to this patient or not part of the request");
      if (g.careContextIds.length === 0) throw ekaError(400, "No care context selected", "ABDM-1010", "Select at least one care context per HIP");
      const careContexts = g.careContextIds.map((id) => {
        const cc = link.careContexts.find((c) => c.id === id);
        if (!cc) throw ekaError(400, "Invalid care context", "ABDM-1010", "A care context does not belong to this HIP and patient");
        return { id: cc.id, display: cc.display, bundles: [] as string[] };
      });
      const hiTypes = g.hiTypes?.length ? [...new Set(g.hiTypes)] : consent.hiTypes;
      if (hiTypes.some((t) => !consent.hiTypes.includes(t))) {
        throw ekaError(400, "Invalid HI type", "ABDM-1010", "Granted HI types must be among the requested ones");
      }
      const from = g.from ? Date.parse(g.from) : Date.parse(consent.period.from);
      const to = g.to ? Date.parse(g.to) : Date.parse(consent.period.to);
      const eraseAt = g.eraseAt ? Date.parse(g.eraseAt) : Date.parse(consent.period.expiry);
      if ([from, to, eraseAt].some(Number.isNaN)) throw ekaError(400, "Invalid date range", "ABDM-1063", "Dates must be ISO-8601");
      if (from > to) throw ekaError(400, "Invalid date range", "ABDM-1063", "The start date is after the end date");
      if (from < Date.parse(consent.period.from) || to > Date.parse(consent.period.to)) {
        throw ekaError(400, "Invalid date range", "ABDM-1063", "Granted dates must lie within the requested range");
      }
      if (eraseAt <= now || eraseAt > Date.parse(consent.period.expiry)) {
        throw ekaError(400, "Invalid date range", "ABDM-1063", "erase_at must be in the future and not after the requested expiry");
      }
      return {
        id: randomUUID(),
        hipId: link.hipId,
        hipName: hipName(link.hipId),
        careContexts,
        hiTypes,
        from: iso(from),
        to: iso(to),
        eraseAt: iso(eraseAt),
        status: "GRANTED",
        createdAt: iso(now),
        updatedAt: iso(now),
        transfers: [],
      };
    });

    consent.consentId ??= randomUUID();
    consent.status = "GRANTED";
    consent.autoApproved = opts.auto || undefined;
    consent.artefacts = artefacts;
    consent.updatedAt = iso(now);
    this.assignBundlesTo(consent, artefacts);
    this.store.save();
    this.emitConsentUpdate(consent, "GRANTED", artefacts.map((a) => a.id));
    if (this.settings.dataMode === "webhook") this.pushData(consent, artefacts);
    return consent;
  }

  deny(consent: Consent, reason: string | undefined): Consent {
    this.sweepExpired();
    if (consent.status === "EXPIRED") throw ekaError(400, "Consent request expired", "ABDM-1061", "The consent request has expired");
    if (consent.status !== "REQUESTED") {
      throw ekaError(400, "Consent request is not pending", "ABDM-1010", `The consent request is already ${consent.status}`);
    }
    consent.status = "DENIED";
    consent.denyReason = reason?.trim() || undefined;
    consent.updatedAt = iso();
    this.store.save();
    this.emitConsentUpdate(consent, "DENIED", []);
    return consent;
  }

  /** Revokes artefacts (all validated first, so a bad id changes nothing). */
  revoke(artefactIds: string[], patientHealthId?: string): void {
    this.sweepExpired();
    if (artefactIds.length === 0) throw ekaError(400, "consent_artefacts is empty", "ABDM-1006", "Name at least one consent artefact");
    const found = artefactIds.map((id) => {
      const f = this.findArtefact(id);
      if (!f || (patientHealthId && f.consent.patient.healthId !== patientHealthId)) {
        throw ekaError(500, "Invalid consent artefact id", "ABDM-1039", "Unknown consent artefact");
      }
      if (f.artefact.status === "EXPIRED") throw ekaError(400, "Consent artefact expired", "ABDM-1061", "The consent artefact has expired");
      if (f.artefact.status !== "GRANTED") throw ekaError(400, "Consent not granted", "ABDM-1062", "The consent artefact is not granted");
      return f;
    });
    const byConsent = new Map<Consent, string[]>();
    for (const { consent, artefact } of found) {
      artefact.status = "REVOKED";
      artefact.updatedAt = iso();
      byConsent.set(consent, [...(byConsent.get(consent) ?? []), artefact.id]);
    }
    for (const [consent, ids] of byConsent) {
      this.recomputeStatus(consent);
      this.store.save();
      this.emitConsentUpdate(consent, "REVOKED", ids);
    }
  }

  /** Ends a request or grant now, as the clock would at `period.expiry`. */
  expire(consent: Consent): void {
    if (consent.status !== "REQUESTED" && consent.status !== "GRANTED") {
      throw ekaError(400, "Consent is not active", "ABDM-1010", `The consent is already ${consent.status}`);
    }
    const ids: string[] = [];
    for (const a of consent.artefacts) {
      if (a.status === "GRANTED") {
        a.status = "EXPIRED";
        a.updatedAt = iso();
        ids.push(a.id);
      }
    }
    consent.status = "EXPIRED";
    consent.updatedAt = iso();
    this.store.save();
    this.emitConsentUpdate(consent, "EXPIRED", ids);
  }

  /** Expiry by the clock: requests and grants past `period.expiry`, artefacts past `erase_at`. */
  sweepExpired(now = Date.now()): void {
    for (const c of this.state.consents) {
      if (c.status === "REQUESTED" && Date.parse(c.period.expiry) <= now) {
        this.expire(c);
        continue;
      }
      if (c.status !== "GRANTED") continue;
      if (Date.parse(c.period.expiry) <= now) {
        this.expire(c);
        continue;
      }
      const lapsed = c.artefacts.filter((a) => a.status === "GRANTED" && Date.parse(a.eraseAt) <= now);
      if (lapsed.length === 0) continue;
      for (const a of lapsed) {
        a.status = "EXPIRED";
        a.updatedAt = iso(now);
      }
      this.recomputeStatus(c);
      this.store.save();
      this.emitConsentUpdate(c, "EXPIRED", lapsed.map((a) => a.id));
    }
  }

  private recomputeStatus(c: Consent): void {
    let next: ConsentStatus = c.status;
    if (c.artefacts.some((a) => a.status === "GRANTED")) next = "GRANTED";
    else if (c.artefacts.length && c.artefacts.every((a) => a.status === "REVOKED")) next = "REVOKED";
    else if (c.artefacts.length) next = "EXPIRED";
    if (next !== c.status) {
      c.status = next;
      c.updatedAt = iso();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Auto-approval

  setAutoApproval(healthId: string, enabled: boolean): boolean {
    const prev = this.state.autoApproval[healthId];
    const entry = {
      enabled,
      autoApprovalId: enabled ? (prev?.autoApprovalId ?? randomUUID()) : prev?.autoApprovalId,
      subscriptionId: enabled ? (prev?.subscriptionId ?? randomUUID()) : prev?.subscriptionId,
      updatedAt: iso(),
    };
    this.state.autoApproval[healthId] = entry;
    this.store.save();
    if (enabled && !prev?.enabled) {
      const patient = findPatient(healthId);
      // EKA's PHR page: a successful locker/auto-approval setup emits abha.locker_created.
      this.webhooks.enqueue({
        event: "abha.locker_created",
        service: "abdm",
        data: {
          oid: patient?.oid ?? "",
          abha_address: healthId,
          auto_approval_id: entry.autoApprovalId,
          subscription_id: entry.subscriptionId,
        },
        meta: { healthId },
      });
    }
    return enabled;
  }

  autoApprovalEnabled(healthId: string): boolean {
    return this.state.autoApproval[healthId]?.enabled ?? false;
  }

  // -------------------------------------------------------------------------------------------
  // Keyset and data

  setKeyset(publicKey: string, nonce: string): void {
    let format: "raw" | "x509";
    try {
      const raw = toRawPublicKey(publicKey);
      format = raw.replace(/\s/g, "") === publicKey.replace(/\s/g, "") ? "raw" : "x509";
    } catch {
      throw ekaError(400, "Invalid public_key", "ABDM-1006", "public_key must be a base64 Curve25519 public key (raw point or X.509)");
    }
    const n = /^[A-Za-z0-9+/]+={0,2}$/.test(nonce.trim()) ? Buffer.from(nonce.trim(), "base64") : Buffer.alloc(0);
    if (n.length !== 32) throw ekaError(400, "Invalid nonce", "ABDM-1006", "nonce must be base64 of 32 bytes");
    this.state.keyset = { publicKey, nonce: nonce.trim(), format, updatedAt: iso() };
    this.store.save();
  }

  recordOnPush(body: { consent_id: string; transaction_id: string; status_response: OnPushReport["status_response"] }): OnPushReport {
    const consent = this.findConsent(body.consent_id) ?? this.findArtefact(body.consent_id)?.consent;
    const knownTransaction = this.state.consents.some((c) =>
      c.artefacts.some((a) => a.transfers.some((t) => t.transactionId === body.transaction_id)),
    );
    const report: OnPushReport = { receivedAt: iso(), ...body, knownConsent: !!consent, knownTransaction };
    this.state.onPush.push(report);
    this.store.save();
    return report;
  }

  bundlesDir(): string {
    return this.config.bundlesDir ?? this.config.defaultBundlesDir;
  }

  private loadPool(healthId: string): BundleFile[] {
    const { bundles, problems } = loadBundles(this.bundlesDir());
    if (bundles.length === 0) {
      this.notice("error", `HIP simulator has no FHIR bundles to send (${problems[0] ?? "empty folder"}).`, healthId);
    }
    return bundles;
  }

  private assignBundlesTo(consent: Consent, artefacts: Artefact[]): void {
    const pool = this.loadPool(consent.patient.healthId);
    const patient = findPatient(consent.patient.healthId);
    for (const a of artefacts) {
      const link = patient?.links.find((l) => l.hipId === a.hipId);
      const ccs = a.careContexts.map((cc) => ({ id: cc.id, hiType: link?.careContexts.find((x) => x.id === cc.id)?.hiType }));
      const assigned = assignBundles(pool, ccs, a.hiTypes, this.state.bundleCursor, {
        healthId: consent.patient.healthId,
        patientRef: link?.patientRef,
      });
      for (const cc of a.careContexts) cc.bundles = assigned.get(cc.id) ?? [];
    }
  }

  /**
   * The HIP simulator's push: per artefact one ABDM data-flow transaction, its entries split into
   * pages (fault), each page encrypted with a fresh HIP key to the registered HIU keyset.
   * Problems become notices on the PHR page, never a crash.
   */
  pushData(consent: Consent, artefacts: Artefact[] = consent.artefacts): number {
    const live = artefacts.filter((a) => a.status === "GRANTED");
    if (live.length === 0) return 0;
    const keyset = this.state.keyset;
    if (!keyset) {
      this.notice(
        "error",
        "No HIU keyset registered (PATCH /abdm/v1/hiu/keyset), so the HIP simulator could not encrypt the data. Register a keyset in the portal, then use “Send data again”.",
        consent.patient.healthId,
      );
      return 0;
    }
    let pushed = 0;
    this.busyJobs++;
    try {
      for (const a of live) {
        const entries: { careContextId: string; text: string; bundle: string }[] = [];
        for (const cc of a.careContexts) {
          for (const file of cc.bundles) {
            const text = readBundle(this.bundlesDir(), file);
            if (text === undefined) {
              this.notice("error", `Bundle ${file} is no longer in the bundle folder; care context ${cc.id} skipped.`, consent.patient.healthId);
              continue;
            }
            // The sandbox's own invented bundles are stood in for every patient, so they are
            // re-addressed to the patient this HIP is sending for; external folders (the real
            // public examples) go out byte-for-byte.
            const own = !this.config.bundlesDir;
            const seed = own ? findPatient(consent.patient.healthId) : undefined;
            entries.push({ careContextId: cc.id, text: seed ? personaliseBundle(text, seed) : text, bundle: file });
          }
        }
        if (entries.length === 0) continue;
        let pages;
        try {
          pages = buildPushPages({
            receiverPublicKey: keyset.publicKey,
            receiverNonce: keyset.nonce,
            entries,
            pages: this.faults.pages,
            corruptIndex: this.faults.corruptEntryIndex,
          });
        } catch (e) {
          this.notice("error", `HIP simulator could not encrypt to the registered keyset: ${(e as Error).message}`, consent.patient.healthId);
          continue;
        }
        const transactionId = randomUUID();
        a.transfers.push({
          transactionId,
          at: iso(),
          pageCount: pages.length,
          entries: entries.map((e) => ({ careContextId: e.careContextId, bundle: e.bundle })),
        });
        this.store.save();
        const ordered = this.faults.outOfOrder ? [...pages].reverse() : pages;
        const consentIdForPush = this.settings.assumptions.pushConsentId === "artefact" ? a.id : consent.consentId!;
        for (const page of ordered) {
          this.webhooks.enqueue({
            event: "abha.hiu_data_push",
            service: "abdm",
            data: {
              abha_address: consent.patient.healthId,
              abha_number: "",
              // EKA's sample says "<partner hip id>": our reading is the HIU's own facility id.
              hip_id: consent.context.hipId ?? "",
              oid: consent.patient.oid,
              partner_patient_id: consent.context.partnerPtId ?? "",
              consent_id: consentIdForPush,
              transaction_id: transactionId,
              page_number: page.pageNumber,
              page_count: page.pageCount,
              entries: page.entries,
              key_information: page.key_information,
            },
            meta: {
              consentInitId: consent.consentInitId,
              consentId: consent.consentId ?? undefined,
              transactionId,
              pageNumber: page.pageNumber,
              pageCount: page.pageCount,
              entryCount: page.entries.length,
              healthId: consent.patient.healthId,
            },
          });
        }
        pushed++;
      }
    } finally {
      this.busyJobs--;
    }
    return pushed;
  }

  /** EKA-stores mode: the bundle of a granted, live care context, or undefined. */
  retrieve(healthId: string, hipId: string, careContextId: string): string | undefined {
    this.sweepExpired();
    for (const c of this.state.consents) {
      if (c.patient.healthId !== healthId || c.status !== "GRANTED") continue;
      for (const a of c.artefacts) {
        if (a.status !== "GRANTED" || a.hipId !== hipId) continue;
        const cc = a.careContexts.find((x) => x.id === careContextId);
        const file = cc?.bundles[0];
        if (file) return readBundle(this.bundlesDir(), file);
      }
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Webhooks

  /**
   * `abha.consent_update` (eka-api.md §4.5). `consentRequestId` = consent_init_id by default so the
   * portal can join on the id it got from create; the consent_id rides along as an extra field and
   * the artefacts are listed by artefact id.
   */
  private emitConsentUpdate(consent: Consent, status: ConsentStatus, artefactIds: string[]): void {
    const a = this.settings.assumptions;
    const artefacts = artefactIds.map((id) => ({ id }));
    this.webhooks.enqueue({
      event: "abha.consent_update",
      service: "abha",
      data: {
        timestamp: iso(),
        // EKA's PHR webhook page lists lower-case values; the ABDM notification keeps upper case.
        status: status.toLowerCase(),
        consent_id: consent.consentId ?? "",
        // An extension (ABDM's notify carries no reason): the patient's words when they denied.
        ...(status === "DENIED" && consent.denyReason ? { reason: consent.denyReason } : {}),
        notification: {
          consentRequestId: a.consentUpdateId === "consent" && consent.consentId ? consent.consentId : consent.consentInitId,
          status,
          consentArtefacts: a.artefactsShape === "object" ? (artefacts[0] ?? null) : artefacts,
        },
      },
      meta: {
        consentInitId: consent.consentInitId,
        consentId: consent.consentId ?? undefined,
        status,
        healthId: consent.patient.healthId,
      },
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }
}

function readBundle(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, path.basename(file)), "utf8");
  } catch {
    return undefined;
  }
}
