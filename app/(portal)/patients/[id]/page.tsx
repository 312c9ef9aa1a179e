import type { Metadata } from "next";
import Link from "next/link";
import { Notice } from "@/components/page-header";
import { listPatientConsents } from "@/lib/consents/queries";
import { getPatient } from "@/lib/patients/queries";
import { PatientBody } from "./patient-body";
import { PatientTimeline } from "./timeline";

export const metadata: Metadata = { title: "Patient" };
export const dynamic = "force-dynamic";

const GENDER: Record<string, string> = { M: "Male", F: "Female", O: "Other", male: "Male", female: "Female", other: "Other", unknown: "Unknown" };

export default async function PatientPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const patient = await getPatient(id);
  const consents = await listPatientConsents(id);
  // The visit is recorded by PatientTimeline (markVisited) after it has read the previous one,
  // which its "New" marks compare against; recording it here first would erase that.

  const facts: [string, React.ReactNode][] = [
    ["ABHA address", <span key="a" className="font-mono">{patient.abhaAddress}</span>],
    ["ABHA number", patient.abhaNumber ? <span key="n" className="font-mono">{patient.abhaNumber}</span> : "Not recorded"],
    ["Gender", patient.gender ? (GENDER[patient.gender] ?? patient.gender) : "Not known yet"],
    ["Age", patient.age !== null ? `${patient.age} years${patient.birthDate ? ` (born ${patient.birthDate})` : ""}` : "Not known yet"],
  ];

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/patients" className="text-brand-800 underline-offset-2 hover:underline">
          Patients
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <span aria-current="page" className="text-slate-600">{patient.name ?? patient.abhaAddress}</span>
      </nav>
      <header className="mb-6 flex flex-wrap items-start justify-between gap-4 rounded-lg border border-slate-200 bg-white p-4">
        <div>
          <h1 className="text-2xl font-semibold text-slate-900">{patient.name ?? patient.abhaAddress}</h1>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr_auto_1fr]">
            {facts.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-600">{k}</dt>
                <dd className="text-slate-900">{v}</dd>
              </div>
            ))}
          </dl>
          {!patient.name && <p className="mt-2 text-xs text-slate-600">Name, gender and age are filled in from the first records a facility sends.</p>}
        </div>
        <Link
          href={`/patients/${patient.id}/request`}
          className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800"
        >
          Request records
        </Link>
      </header>
      {patient.demographicsConflict && (
        <Notice tone="warning" title="Facilities disagree about this patient's details">
          Records from different facilities give different names, genders or birth dates. Check with the patient.
        </Notice>
      )}
      <PatientBody patientId={patient.id} consents={consents} timeline={<PatientTimeline patientId={patient.id} searchParams={searchParams} />} />
    </>
  );
}
