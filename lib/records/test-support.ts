/**
 * Test and benchmark support: builds the consent chain a record hangs from and stores bundles the
 * way ingestion does (health_records + timeline_items through `lib/fhir`). Not used by the app.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "@/db";
import { consentArtefacts, consentRequests, healthRecords, patientAccess, patients, timelineItems } from "@/db/schema";
import { analyseBundle, toTimelineColumns } from "@/lib/fhir/timeline";

export async function createPatient(db: Db, opts: { name?: string; abhaAddress?: string } = {}): Promise<string> {
  const [p] = await db
    .insert(patients)
    .values({ abhaAddress: opts.abhaAddress ?? `pt-${randomUUID().slice(0, 8)}@sbx`, name: opts.name ?? "Test Patient" })
    .returning({ id: patients.id });
  return p.id;
}

export async function grantAccess(db: Db, patientId: string, userId: string, lastVisitedAt: Date | null = null): Promise<void> {
  await db.insert(patientAccess).values({ patientId, userId, lastVisitedAt });
}

export type Consent = { consentRequestId: string; artefactId: string; hipId: string; hipName: string };

export async function createGrantedConsent(
  db: Db,
  patientId: string,
  requestedBy: string,
  hip: { id: string; name: string },
): Promise<Consent> {
  const [cr] = await db
    .insert(consentRequests)
    .values({
      patientId,
      requestedBy,
      requesterName: "Dr Test",
      purpose: "CAREMGT",
      hiTypes: ["DiagnosticReport", "Prescription"],
      dateFrom: new Date("2000-01-01T00:00:00Z"),
      dateTo: new Date(),
      expiresAt: new Date(Date.now() + 365 * 86_400_000),
      status: "GRANTED",
    })
    .returning({ id: consentRequests.id });
  const [a] = await db
    .insert(consentArtefacts)
    .values({ consentRequestId: cr.id, hipId: hip.id, hipName: hip.name, status: "GRANTED", artefactId: randomUUID() })
    .returning({ id: consentArtefacts.id });
  return { consentRequestId: cr.id, artefactId: a.id, hipId: hip.id, hipName: hip.name };
}

/** Stores one bundle with its timeline items, as ingestion does. Returns the record id. */
export async function storeTestBundle(
  db: Db,
  patientId: string,
  consent: Consent,
  bundle: unknown,
  opts: { maxInlineBytes?: number; careContextId?: string } = {},
): Promise<{ recordId: string; items: number }> {
  const text = JSON.stringify(bundle);
  const analysed = analyseBundle(bundle, { maxInlineBytes: opts.maxInlineBytes });
  const items = analysed.items.map(toTimelineColumns);
  const [rec] = await db
    .insert(healthRecords)
    .values({
      patientId,
      consentRequestId: consent.consentRequestId,
      artefactId: consent.artefactId,
      hipId: consent.hipId,
      hipName: consent.hipName,
      careContextId: opts.careContextId ?? `cc-${randomUUID().slice(0, 8)}`,
      transactionId: randomUUID(),
      contentHash: createHash("sha256").update(text).digest("hex"),
      hiType: analysed.hiType === "unknown" ? null : analysed.hiType,
      documentDate: analysed.documentDate?.date ?? null,
      bundle: bundle as Record<string, unknown>,
    })
    .returning({ id: healthRecords.id });
  if (items.length > 0) {
    await db.insert(timelineItems).values(
      items.map((it) => ({
        ...it,
        recordId: rec.id,
        patientId,
        consentRequestId: consent.consentRequestId,
        hipId: consent.hipId,
        hipName: consent.hipName,
      })),
    );
  }
  return { recordId: rec.id, items: items.length };
}

/** A minimal document bundle around the given resources (a Composition listing them all). */
export function syntheticBundle(
  resources: Record<string, unknown>[],
  opts: { type?: { code: string; display: string }; date?: string; title?: string } = {},
): Record<string, unknown> {
  const type = opts.type ?? { code: "721981007", display: "Diagnostic studies report" };
  const entries = resources.map((r, i) => {
    const id = (r.id as string | undefined) ?? `r${i}`;
    return { fullUrl: `urn:uuid:${id}`, resource: { ...r, id } };
  });
  return {
    resourceType: "Bundle",
    id: randomUUID(),
    type: "document",
    timestamp: opts.date ?? "2024-01-01T10:00:00+05:30",
    entry: [
      {
        fullUrl: "urn:uuid:composition",
        resource: {
          resourceType: "Composition",
          id: "composition",
          status: "final",
          type: { coding: [{ system: "http://snomed.info/sct", code: type.code, display: type.display }], text: type.display },
          date: opts.date ?? "2024-01-01T10:00:00+05:30",
          title: opts.title ?? type.display,
          section: [{ title: "Results", entry: entries.map((e) => ({ reference: e.fullUrl })) }],
        },
      },
      ...entries,
    ],
  };
}

/** A numeric lab Observation with a LOINC code and a reference range. */
export function labObservation(opts: {
  id: string;
  loinc: string;
  name: string;
  value: number;
  unit: string;
  date: string | null;
  low?: number;
  high?: number;
}): Record<string, unknown> {
  return {
    resourceType: "Observation",
    id: opts.id,
    status: "final",
    category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] }],
    code: { coding: [{ system: "http://loinc.org", code: opts.loinc, display: opts.name }], text: opts.name },
    ...(opts.date ? { effectiveDateTime: opts.date } : {}),
    valueQuantity: { value: opts.value, unit: opts.unit, system: "http://unitsofmeasure.org", code: opts.unit },
    ...(opts.low !== undefined || opts.high !== undefined
      ? {
          referenceRange: [
            {
              ...(opts.low !== undefined ? { low: { value: opts.low, unit: opts.unit } } : {}),
              ...(opts.high !== undefined ? { high: { value: opts.high, unit: opts.unit } } : {}),
            },
          ],
        }
      : {}),
  };
}
