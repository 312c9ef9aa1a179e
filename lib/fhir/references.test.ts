import { describe, expect, it } from "vitest";
import { createResolver, referenceLabel, trailingTypeId } from "./references";

const bundle = {
  resourceType: "Bundle",
  type: "document",
  entry: [
    { fullUrl: "urn:uuid:aaaa-1", resource: { resourceType: "Patient", id: "aaaa-1", name: [{ text: "Asha Rao" }] } },
    { fullUrl: "Practitioner/DR1", resource: { resourceType: "Practitioner", id: "DR1", name: [{ prefix: ["Dr"], given: ["Vikram"], family: "Shah" }] } },
    { fullUrl: "https://hip.example.in/fhir/Organization/ORG9", resource: { resourceType: "Organization", id: "ORG9", name: "Sunrise Clinic" } },
    // Missing fullUrl: reachable only through Type/id.
    { resource: { resourceType: "Condition", id: "c1", code: { text: "Hypertension" } } },
    // Junk fullUrl.
    { fullUrl: "123efdfzxa87", resource: { resourceType: "Medication", id: "m1", code: { text: "Amlodipine 5 mg" } } },
    // A space inside the fullUrl (seen in ProjectEKA data).
    { fullUrl: "Medication/ m2", resource: { resourceType: "Medication", id: "m2", code: { text: "Metformin 500 mg" } } },
    {
      fullUrl: "urn:uuid:dr-1",
      resource: {
        resourceType: "DiagnosticReport",
        id: "dr-1",
        contained: [{ resourceType: "Observation", id: "o1", code: { text: "Haemoglobin" } }],
        result: [{ reference: "#o1" }],
      },
    },
    // No id at all.
    { fullUrl: "urn:uuid:noid-1", resource: { resourceType: "Observation", code: { text: "Pulse" } } },
    "junk entry",
    { resource: null },
  ],
};

describe("BundleResolver", () => {
  const r = createResolver(bundle);
  const target = (ref: unknown, from?: unknown) => r.resolve(ref, from).target?.resource;

  it("resolves exact fullUrls of every style", () => {
    expect(target({ reference: "urn:uuid:aaaa-1" })?.id).toBe("aaaa-1");
    expect(target({ reference: "Practitioner/DR1" })?.id).toBe("DR1");
    expect(target({ reference: "https://hip.example.in/fhir/Organization/ORG9" })?.id).toBe("ORG9");
    expect(target({ reference: "urn:uuid:noid-1" })?.resourceType).toBe("Observation");
  });

  it("resolves Type/id against the resources when fullUrls differ or are missing", () => {
    expect(target({ reference: "Condition/c1" })?.id).toBe("c1");
    expect(target({ reference: "Patient/aaaa-1" })?.id).toBe("aaaa-1");
    expect(target({ reference: "Organization/ORG9" })?.id).toBe("ORG9");
    expect(target({ reference: "Medication/m1" })?.id).toBe("m1");
    expect(target({ reference: "Medication/m2" })?.id).toBe("m2");
  });

  it("resolves absolute URLs and _history by their trailing Type/id", () => {
    expect(target({ reference: "http://other.host/base/Condition/c1" })?.id).toBe("c1");
    expect(target({ reference: "Condition/c1/_history/3" })?.id).toBe("c1");
    expect(trailingTypeId("https://www.max.in/hospital-network/max-saket")).toBeNull();
  });

  it("resolves a urn:uuid reference to a resource whose fullUrl is relative", () => {
    expect(target({ reference: "urn:uuid:DR1" })?.id).toBe("DR1");
  });

  it("resolves #id against the holder's contained resources", () => {
    const dr = r.entries.find((e) => e.resource.id === "dr-1")!.resource;
    const hit = r.resolve({ reference: "#o1" }, dr).target!;
    expect(hit.resource.id).toBe("o1");
    expect(hit.pointer).toBe("/entry/6/resource/contained/0");
    expect(hit.container).toBe(dr);
  });

  it("leaves dangling references unresolved with their display, never throwing", () => {
    expect(r.resolve({ reference: "Patient/example", display: "Example Patient" })).toEqual({
      target: null,
      reference: "Patient/example",
      display: "Example Patient",
    });
    expect(r.resolve({ reference: "urn:uuid:certificate-authority" }).target).toBeNull();
    expect(r.resolve({ reference: "https://www.max.in/hospital-network/max-saket", display: "Website" }).target).toBeNull();
    expect(r.resolve({ display: "Dr. Only Display" })).toMatchObject({ target: null, display: "Dr. Only Display" });
    for (const junk of [undefined, null, 42, "", {}, [], { reference: 7 }]) expect(r.resolve(junk).target).toBeNull();
  });

  it("skips junk entries and survives a non-bundle", () => {
    expect(r.entries).toHaveLength(8);
    expect(createResolver("nope").entries).toEqual([]);
    expect(createResolver({ entry: "nope" }).entries).toEqual([]);
  });

  it("labels references by the resolved name, else the display, ignoring bare type displays", () => {
    expect(referenceLabel(r, { reference: "Practitioner/DR1", display: "Practitioner" })).toBe("Dr Vikram Shah");
    expect(referenceLabel(r, { reference: "Organization/HIP1001", display: "Max Hospital" })).toBe("Max Hospital");
    expect(referenceLabel(r, { reference: "Patient/zzz", display: "Patient" })).toBeNull();
    expect(referenceLabel(r, { reference: "Medication/m1", display: "Medication" })).toBe("Amlodipine 5 mg");
  });
});
