import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Patients" };
export const dynamic = "force-dynamic";

export default async function PatientsPage() {
  await requireRole("clinician");
  return (
    <>
      <PageHeader title="Patients" />
      <EmptyState title="No patients yet">Add a patient by ABHA address to request their records.</EmptyState>
    </>
  );
}
