import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { requireRole } from "@/lib/auth/session";
import { listUsers } from "@/lib/users/queries";
import { CreateUserForm } from "./create-user-form";
import { UsersTable } from "./users-table";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const me = await requireRole("admin");
  const users = await listUsers();
  return (
    <>
      <PageHeader
        title="Users"
        description="People who can sign in. Clinicians raise consent requests and read records; administrators manage users, keys and the webhook inbox; auditors read the audit log."
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <UsersTable users={users} currentUserId={me.id} />
        <CreateUserForm />
      </div>
    </>
  );
}
