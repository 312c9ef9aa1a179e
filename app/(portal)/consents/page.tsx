import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Consents" };
export const dynamic = "force-dynamic";

export default async function ConsentsPage() {
  await requireRole("clinician");
  return (
    <>
      <PageHeader title="Consents" />
      <EmptyState title="No consent requests yet">Open a patient and request their records.</EmptyState>
    </>
  );
}
