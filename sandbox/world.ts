/**
 * The seeded world: invented patients with `@sbx` ABHA addresses, each linked to two or three
 * invented HIPs with care contexts. Names, ids and numbers are made up; none belongs to a real
 * person or facility. Each care context carries the HI type its records are mostly about, which
 * the HIP simulator uses to pick a matching bundle.
 */

export interface SeedCareContext {
  id: string;
  display: string;
  hiType: string;
}

export interface SeedLink {
  hipId: string;
  /** The patient's id at that HIP (ABDM `patientReference`). */
  patientRef: string;
  careContexts: SeedCareContext[];
}

export interface SeedPatient {
  healthId: string;
  /** EKA patient OID (`X-Pt-Id`). */
  oid: string;
  name: string;
  gender: "F" | "M" | "O";
  yearOfBirth: number;
  /** Invented; ABDM sandbox numbers start with 91. */
  abhaNumber: string;
  links: SeedLink[];
}

export interface SeedHip {
  id: string;
  name: string;
}

export const HIPS: SeedHip[] = [
  { id: "SBX-HIP-SUNRISE", name: "Sunrise Community Clinic (sandbox)" },
  { id: "SBX-HIP-RIVERSIDE", name: "Riverside General Hospital (sandbox)" },
  { id: "SBX-HIP-LOTUS", name: "Lotus Diagnostics Lab (sandbox)" },
  { id: "SBX-HIP-NEEMTREE", name: "Neem Tree Health Centre (sandbox)" },
];

export const PATIENTS: SeedPatient[] = [
  {
    healthId: "asha.verma@sbx",
    oid: "sbx-oid-0001",
    name: "Asha Verma",
    gender: "F",
    yearOfBirth: 1986,
    abhaNumber: "91-0000-1111-0001",
    links: [
      {
        hipId: "SBX-HIP-SUNRISE",
        patientRef: "SUN-P-10421",
        careContexts: [
          { id: "SUN-OPD-2024-0113", display: "OP visit, General Medicine, Jan 2024", hiType: "OPConsultation" },
          { id: "SUN-RX-2024-0113", display: "Prescription after OP visit, Jan 2024", hiType: "Prescription" },
        ],
      },
      {
        hipId: "SBX-HIP-LOTUS",
        patientRef: "LOT-77310",
        careContexts: [
          { id: "LOT-LAB-2024-0520", display: "Blood panel, May 2024", hiType: "DiagnosticReport" },
          { id: "LOT-LAB-2025-0211", display: "Thyroid profile, Feb 2025", hiType: "DiagnosticReport" },
        ],
      },
      {
        hipId: "SBX-HIP-RIVERSIDE",
        patientRef: "RVG-2019-55102",
        careContexts: [
          { id: "RVG-IPD-2023-0907", display: "Admission and discharge, Sep 2023", hiType: "DischargeSummary" },
        ],
      },
    ],
  },
  {
    healthId: "kabir.nair@sbx",
    oid: "sbx-oid-0002",
    name: "Kabir Nair",
    gender: "M",
    yearOfBirth: 1972,
    abhaNumber: "91-0000-1111-0002",
    links: [
      {
        hipId: "SBX-HIP-RIVERSIDE",
        patientRef: "RVG-2015-10277",
        careContexts: [
          { id: "RVG-OPD-2024-1102", display: "Cardiology OP visit, Nov 2024", hiType: "OPConsultation" },
          { id: "RVG-IPD-2024-1120", display: "Admission and discharge, Nov 2024", hiType: "DischargeSummary" },
        ],
      },
      {
        hipId: "SBX-HIP-LOTUS",
        patientRef: "LOT-80912",
        careContexts: [
          { id: "LOT-LAB-2024-1101", display: "Lipid profile, Nov 2024", hiType: "DiagnosticReport" },
        ],
      },
    ],
  },
  {
    healthId: "meera.joshi@sbx",
    oid: "sbx-oid-0003",
    name: "Meera Joshi",
    gender: "F",
    yearOfBirth: 2019,
    abhaNumber: "91-0000-1111-0003",
    links: [
      {
        hipId: "SBX-HIP-NEEMTREE",
        patientRef: "NTH-3381",
        careContexts: [
          { id: "NTH-IMM-2020-0415", display: "Vaccination record, 2020", hiType: "ImmunizationRecord" },
          { id: "NTH-IMM-2023-0610", display: "Booster vaccination, Jun 2023", hiType: "ImmunizationRecord" },
        ],
      },
      {
        hipId: "SBX-HIP-SUNRISE",
        patientRef: "SUN-P-20877",
        careContexts: [
          { id: "SUN-OPD-2025-0302", display: "Paediatric OP visit, Mar 2025", hiType: "OPConsultation" },
          { id: "SUN-WELL-2025-0302", display: "Growth and wellness check, Mar 2025", hiType: "WellnessRecord" },
        ],
      },
    ],
  },
  {
    healthId: "devika.sen@sbx",
    oid: "sbx-oid-0004",
    name: "Devika Sen",
    gender: "F",
    yearOfBirth: 1958,
    abhaNumber: "91-0000-1111-0004",
    links: [
      {
        hipId: "SBX-HIP-RIVERSIDE",
        patientRef: "RVG-2010-00831",
        careContexts: [
          { id: "RVG-DOC-2022-0118", display: "Scanned referral letter, Jan 2022", hiType: "HealthDocumentRecord" },
          { id: "RVG-BILL-2024-0705", display: "Pharmacy invoice, Jul 2024", hiType: "Invoice" },
        ],
      },
      {
        hipId: "SBX-HIP-NEEMTREE",
        patientRef: "NTH-1200",
        careContexts: [
          { id: "NTH-WELL-2024-0801", display: "Annual wellness check, Aug 2024", hiType: "WellnessRecord" },
          { id: "NTH-RX-2024-0801", display: "Prescription, Aug 2024", hiType: "Prescription" },
        ],
      },
      {
        hipId: "SBX-HIP-LOTUS",
        patientRef: "LOT-66020",
        careContexts: [{ id: "LOT-IMG-2024-0722", display: "Chest X-ray report, Jul 2024", hiType: "DiagnosticReport" }],
      },
    ],
  },
  {
    healthId: "rohan.pillai@sbx",
    oid: "sbx-oid-0005",
    name: "Rohan Pillai",
    gender: "M",
    yearOfBirth: 1994,
    abhaNumber: "91-0000-1111-0005",
    links: [
      {
        hipId: "SBX-HIP-SUNRISE",
        patientRef: "SUN-P-31544",
        careContexts: [
          { id: "SUN-OPD-2025-0614", display: "Sports injury OP visit, Jun 2025", hiType: "OPConsultation" },
        ],
      },
      {
        hipId: "SBX-HIP-NEEMTREE",
        patientRef: "NTH-4410",
        careContexts: [
          { id: "NTH-IMM-2021-0905", display: "Vaccination record, Sep 2021", hiType: "ImmunizationRecord" },
        ],
      },
    ],
  },
];

export function findPatient(idOrOid: string | undefined | null): SeedPatient | undefined {
  if (!idOrOid) return undefined;
  const key = idOrOid.trim().toLowerCase();
  return PATIENTS.find((p) => p.healthId === key || p.oid.toLowerCase() === key);
}

export function hipName(hipId: string): string {
  return HIPS.find((h) => h.id === hipId)?.name ?? hipId;
}

/** EKA purpose text → ABDM code (eka-api.md §6). Exact spelling and case, as EKA validates. */
export const PURPOSES: Record<string, string> = {
  "Care management": "CAREMGT",
  "Self Requested": "PATRQT",
  "Public Health": "PUBHLTH",
  "Disease Specific Health Research": "DSRCH",
};

export const HI_TYPES = [
  "OPConsultation",
  "Prescription",
  "DischargeSummary",
  "DiagnosticReport",
  "ImmunizationRecord",
  "HealthDocumentRecord",
  "WellnessRecord",
  "Invoice",
] as const;

export const HI_TYPE_DISPLAY: Record<string, string> = {
  OPConsultation: "OP Consultation",
  Prescription: "Prescription",
  DischargeSummary: "Discharge Summary",
  DiagnosticReport: "Diagnostic Report",
  ImmunizationRecord: "Immunization Record",
  HealthDocumentRecord: "Record artifact",
  WellnessRecord: "Wellness Record",
  Invoice: "Invoice",
};
