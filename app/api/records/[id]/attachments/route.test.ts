import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { resetEnvForTests } from "@/lib/env";
import { createGrantedConsent, createPatient, grantAccess, storeTestBundle, syntheticBundle } from "@/lib/records/test-support";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { GET } from "./route";

const t = setupTestDb();

const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(200, 0x20), Buffer.from("\n%%EOF\n")]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);

function call(actor: Actor, recordId: string, ref: string | null, extra = "") {
  const url = `http://portal.test/api/records/${recordId}/attachments${ref === null ? "" : `?ref=${encodeURIComponent(ref)}`}${extra}`;
  const run = () => GET(new Request(url), { params: Promise.resolve({ id: recordId }) });
  return runAs(actor, run);
}

describe("GET /api/records/:id/attachments", () => {
  let clinician: Actor;
  let stranger: Actor;
  let recordId: string;
  const ref = (i: number) => `/entry/1/resource/content/${i}/attachment`;

  beforeAll(async () => {
    clinician = await createActor(t.db, "clinician");
    stranger = await createActor(t.db, "clinician");
    const patientId = await createPatient(t.db);
    await grantAccess(t.db, patientId, clinician.id);
    const consent = await createGrantedConsent(t.db, patientId, clinician.id, { id: "HIP-1", name: "One" });
    recordId = (
      await storeTestBundle(
        t.db,
        patientId,
        consent,
        syntheticBundle(
          [
            {
              resourceType: "DocumentReference",
              id: "doc",
              status: "current",
              date: "2024-02-02",
              content: [
                { attachment: { contentType: "application/pdf", data: PDF.toString("base64"), title: "Lab report" } },
                { attachment: { contentType: "image/png", data: PNG.toString("base64"), title: "Scan" } },
                { attachment: { contentType: "application/pdf", data: Buffer.from("hello, not a pdf").toString("base64"), title: "Claimed PDF" } },
                { attachment: { contentType: "text/html", data: Buffer.from("<script>alert(1)</script>").toString("base64"), title: "Page" } },
                { attachment: { contentType: "application/pdf", url: "https://hip.example/r.pdf", title: "Remote" } },
                { attachment: { contentType: "application/x-unknown", data: Buffer.from("just bytes").toString("base64") } },
              ],
            },
          ],
          { type: { code: "419891008", display: "Record artifact" } },
        ),
      )
    ).recordId;
  });

  it("serves a real PDF inline in a sandbox, with nosniff and no caching, and audits it", async () => {
    const res = await call(clinician, recordId, ref(0));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="Lab-report\.pdf"/);
    expect(res.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    const audits = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "record.attachment_opened"), eq(auditEvents.targetId, recordId)));
    expect(audits.length).toBeGreaterThanOrEqual(1);
    expect(audits[0].actorId).toBe(clinician.id);
  });

  it("serves an image inline, and as a download on request", async () => {
    const res = await call(clinician, recordId, ref(1));
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toMatch(/^inline/);
    const dl = await call(clinician, recordId, ref(1), "&download=1");
    expect(dl.headers.get("content-disposition")).toMatch(/^attachment; filename="Scan\.png"/);
  });

  it("a declared PDF that is not one, HTML and unknown types are downloads of octet-stream", async () => {
    for (const i of [2, 3, 5]) {
      const res = await call(clinician, recordId, ref(i));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[^"]+\.bin"/);
      expect(res.headers.get("content-security-policy")).toMatch(/^sandbox/);
    }
  });

  it("above ATTACHMENT_INLINE_MAX_BYTES a viewable file is offered as a download only", async () => {
    process.env.ATTACHMENT_INLINE_MAX_BYTES = "100";
    resetEnvForTests();
    try {
      const res = await call(clinician, recordId, ref(0));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="Lab-report\.pdf"/);
    } finally {
      delete process.env.ATTACHMENT_INLINE_MAX_BYTES;
      resetEnvForTests();
    }
  });

  it("never fetches a URL-only attachment: 404 JSON saying so", async () => {
    const res = await call(clinician, recordId, ref(4));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found", message: expect.stringMatching(/does not fetch/) });
  });

  // Anonymous callers need a request scope (cookies); tests/e2e/timeline.spec.ts covers them.
  it("answers 404 JSON to non-clinicians, strangers, bad refs and unknown records", async () => {
    const admin = await createActor(t.db, "admin");
    for (const res of [
      await call(admin, recordId, ref(0)),
      await call(stranger, recordId, ref(0)),
      await call(clinician, recordId, null),
      await call(clinician, recordId, "/entry/1/resource"),
      await call(clinician, recordId, "/entry/0/resource/section/0"),
      await call(clinician, "00000000-0000-4000-8000-000000000000", ref(0)),
      await call(clinician, "nope", ref(0)),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ error: "not_found" });
    }
  });
});
