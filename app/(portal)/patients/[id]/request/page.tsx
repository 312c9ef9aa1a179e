import type { Metadata } from "next";
import Link from "next/link";
import { Notice, PageHeader } from "@/components/page-header";
import { requireRole } from "@/lib/auth/session";
import { addDays, formatDay, istDay } from "@/lib/consents/dates";
import { NO_REGISTRATION_MESSAGE } from "@/lib/consents/mutations";
import { getRequestAgainValues, listKnownHips } from "@/lib/consents/queries";
import { consentFormDefaults, presetExpiry, presetRange } from "@/lib/consents/schemas";
import { getPatient } from "@/lib/patients/queries";
import { ConsentRequestForm, type FormContext } from "./consent-request-form";

export const metadata: Metadata = { title: "Request records" };
export const dynamic = "force-dynamic";

export default async function RequestRecordsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const me = await requireRole("clinician");
  const patient = await getPatient(id);
  const now = new Date();

  let initial = consentFormDefaults(patient.id, now);
  let againOf: string | null = null;
  if (typeof sp.again === "string") {
    const prefill = await getRequestAgainValues(sp.again, now);
    if (prefill.patientId === patient.id) {
      initial = prefill;
      againOf = sp.again;
    }
  }
  const today = istDay(now);
  const ctx: FormContext = {
    today,
    tomorrow: addDays(today, 1),
    rangePresets: { "3": presetRange("3", now), "6": presetRange("6", now), "12": presetRange("12", now) },
    expiryPresets: { "7": presetExpiry("7", now), "30": presetExpiry("30", now), "90": presetExpiry("90", now) },
    knownHips: await listKnownHips(),
    requester: {
      name: me.name,
      registration: me.registrationNumber ? `${me.registrationNumber}${me.registrationSystem ? `, ${me.registrationSystem}` : ""}` : null,
    },
  };
  const blocked = !me.registrationNumber?.trim();
  const who = patient.name ? `${patient.name} (${patient.abhaAddress})` : patient.abhaAddress;

  return (
    <div className="max-w-4xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/patients" className="text-brand-800 underline-offset-2 hover:underline">
          Patients
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <Link href={`/patients/${patient.id}`} className="text-brand-800 underline-offset-2 hover:underline">
          {patient.name ?? patient.abhaAddress}
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <span aria-current="page" className="text-slate-600">Request records</span>
      </nav>
      <PageHeader
        title={againOf ? "Request records again" : "Request records"}
        description={
          <span id="request-intro">
            A consent request goes to <span className="font-medium text-slate-900">{who}</span> through ABDM. They approve or deny it in their
            ABHA app; this portal follows the answer live. Today is {formatDay(now)}.
          </span>
        }
      />
      {againOf && (
        <Notice tone="info" title="Filled in from the earlier request">
          Dates that had passed were moved to today. Check them before sending.{" "}
          <Link href={`/consents/${againOf}`} className="underline">
            See the earlier request
          </Link>
        </Notice>
      )}
      {blocked && (
        <Notice tone="error" title="You cannot send consent requests yet">
          {NO_REGISTRATION_MESSAGE}
        </Notice>
      )}
      <ConsentRequestForm initial={initial} ctx={ctx} blocked={blocked} />
    </div>
  );
}
