/**
 * The PHR page: server-rendered, accessible (every control labelled), forms POST then redirect
 * (PRG), and each action reaches the same domain rules as the API.
 */
import fs from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBody, startTestSandbox, writeMiniBundles, type TestSandbox } from "./testing";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sbx: TestSandbox;
const bundlesDir = writeMiniBundles();

beforeAll(async () => {
  sbx = await startTestSandbox({ bundlesDir });
});
afterAll(async () => {
  fs.rmSync(bundlesDir, { recursive: true, force: true });
  await sbx.close();
});
beforeEach(async () => {
  await sbx.control("POST", "/reset");
});

const page = (pathAndQuery = "/") => fetch(`${sbx.url}${pathAndQuery}`).then(async (r) => ({ status: r.status, html: await r.text(), type: r.headers.get("content-type") }));

async function post(path: string, fields: [string, string][]) {
  const res = await fetch(sbx.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, location: res.headers.get("location") ?? "" };
}

async function createRequest(healthId = "asha.verma@sbx", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await sbx.control<Json>("POST", "/consents", createBody(healthId, extra));
  expect(r.status).toBe(201);
  return r.body.consent_init_id;
}

const consent = async (id: string) => (await sbx.control<Json>("GET", `/consents/${id}`)).body.consent;

/** Every visible form control has a <label for> pointing at it. */
function unlabelledControls(html: string): string[] {
  const ids = [...html.matchAll(/<(?:input|select|textarea)\b([^>]*)>/g)]
    .map((m) => m[1])
    .filter((attrs) => !/type="hidden"/.test(attrs))
    .map((attrs) => /id="([^"]+)"/.exec(attrs)?.[1] ?? "(no id)");
  const labelled = new Set([...html.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
  return ids.filter((id) => !labelled.has(id));
}

describe("rendering", () => {
  it("home: patient picker and the invented patients", async () => {
    const r = await page();
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/html");
    expect(r.html).toContain('<html lang="en">');
    expect(r.html).toContain('<label for="patient">Patient</label>');
    expect(r.html).toContain("asha.verma@sbx");
    expect(r.html).not.toMatch(/<script/i);
    expect(unlabelledControls(r.html)).toEqual([]);
  });

  it("patient view: requests grouped by status, labelled controls, clear button names, escaped text", async () => {
    await createRequest("asha.verma@sbx", {
      hiu: { requester: { name: "<script>alert(1)</script>Dr Evil" } },
    });
    const r = await page("/?patient=asha.verma%40sbx");
    for (const h of ["Waiting for your decision (1)", "Granted (0)", "Denied (0)", "Revoked (0)", "Expired (0)"]) {
      expect(r.html).toContain(h);
    }
    expect(r.html).toContain(">Approve</button>");
    expect(r.html).toContain(">Deny</button>");
    expect(r.html).toContain("Turn auto-approval on");
    expect(r.html).toContain("Reason for denying (optional)");
    expect(r.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;Dr Evil");
    expect(r.html).not.toContain("<script>alert(1)");
    expect(unlabelledControls(r.html)).toEqual([]);
  });
});

describe("forms (POST → 303 → page)", () => {
  it("approve with a narrowed choice of HIPs, care contexts, HI types and dates", async () => {
    const id = await createRequest();
    const res = await post("/phr/approve", [
      ["patient", "asha.verma@sbx"],
      ["id", id],
      ["cc", "SBX-HIP-LOTUS|LOT-LAB-2024-0520"],
      ["hi_type", "DiagnosticReport"],
      ["from", "2022-01-01"],
      ["to", "2024-12-31"],
      ["erase_at", "2099-01-01"],
    ]);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/?patient=asha.verma%40sbx&msg=approved");
    const c = await consent(id);
    expect(c.status).toBe("GRANTED");
    expect(c.artefacts).toHaveLength(1);
    expect(c.artefacts[0]).toMatchObject({
      hipId: "SBX-HIP-LOTUS",
      hiTypes: ["DiagnosticReport"],
      from: "2022-01-01T00:00:00.000Z",
      to: "2024-12-31T23:59:59.999Z",
    });
    expect(c.artefacts[0].careContexts.map((x: Json) => x.id)).toEqual(["LOT-LAB-2024-0520"]);
    // Beyond the request's expiry is clamped to it.
    expect(c.artefacts[0].eraseAt).toBe(c.period.expiry);
    const after = await page(res.location);
    expect(after.html).toContain('role="status"');
    expect(after.html).toContain("Granted (1)");
    expect(after.html).toMatch(/Revoke<span class="sr-only"> access for Lotus Diagnostics Lab \(sandbox\)<\/span>/);
  });

  it("approve with nothing selected shows an alert and changes nothing", async () => {
    const id = await createRequest();
    const res = await post("/phr/approve", [
      ["patient", "asha.verma@sbx"],
      ["id", id],
      ["hi_type", "OPConsultation"],
    ]);
    expect(res.status).toBe(303);
    expect((await consent(id)).status).toBe("REQUESTED");
    const after = await page(res.location);
    expect(after.html).toContain('role="alert"');
    expect(after.html).toContain("Select at least one care context");
  });

  it("deny with a reason", async () => {
    const id = await createRequest("kabir.nair@sbx");
    const res = await post("/phr/deny", [
      ["patient", "kabir.nair@sbx"],
      ["id", id],
      ["reason", "I do not know this clinic"],
    ]);
    expect(res.location).toContain("msg=denied");
    const c = await consent(id);
    expect(c).toMatchObject({ status: "DENIED", denyReason: "I do not know this clinic" });
    expect((await page(res.location)).html).toContain("I do not know this clinic");
  });

  it("revoke one artefact; the other HIP keeps access", async () => {
    const id = await createRequest();
    const granted = await sbx.control<Json>("POST", `/consents/${id}/approve`);
    const [first, ...rest] = granted.body.artefacts as Json[];
    const res = await post("/phr/revoke", [
      ["patient", "asha.verma@sbx"],
      ["artefact_id", first.id],
    ]);
    expect(res.location).toContain("msg=revoked");
    const c = await consent(id);
    expect(c.status).toBe("GRANTED");
    expect(c.artefacts.find((a: Json) => a.id === first.id).status).toBe("REVOKED");
    expect(c.artefacts.filter((a: Json) => rest.some((r) => r.id === a.id)).every((a: Json) => a.status === "GRANTED")).toBe(true);
  });

  it("auto-approval on: the next request is granted for every linked HIP; off again", async () => {
    const on = await post("/phr/auto-approval", [
      ["patient", "devika.sen@sbx"],
      ["enable", "on"],
    ]);
    expect(on.location).toContain("msg=auto-on");
    expect((await page(on.location)).html).toContain("Turn auto-approval off");
    const id = await createRequest("devika.sen@sbx", { record_types: null });
    await sbx.control("POST", "/wait-idle", { timeout_ms: 3000 });
    const c = await consent(id);
    expect(c.status).toBe("GRANTED");
    expect(c.autoApproved).toBe(true);
    expect(c.artefacts.map((a: Json) => a.hipId).sort()).toEqual(["SBX-HIP-LOTUS", "SBX-HIP-NEEMTREE", "SBX-HIP-RIVERSIDE"]);
    const off = await post("/phr/auto-approval", [
      ["patient", "devika.sen@sbx"],
      ["enable", "off"],
    ]);
    expect(off.location).toContain("msg=auto-off");
    const later = await createRequest("devika.sen@sbx");
    await sbx.control("POST", "/wait-idle", { timeout_ms: 3000 });
    expect((await consent(later)).status).toBe("REQUESTED");
  });

  it("domain errors come back as a readable alert (approving a denied request)", async () => {
    const id = await createRequest();
    await sbx.control("POST", `/consents/${id}/deny`);
    const res = await post("/phr/approve", [
      ["patient", "asha.verma@sbx"],
      ["id", id],
      ["cc", "SBX-HIP-SUNRISE|SUN-OPD-2024-0113"],
      ["hi_type", "OPConsultation"],
    ]);
    const after = await page(res.location);
    expect(after.html).toContain('role="alert"');
    expect(after.html).toContain("already DENIED");
  });
});
