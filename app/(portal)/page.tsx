import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Each role lands where its work is. */
export default async function Home() {
  const user = await requireUser();
  if (user.role === "admin") redirect("/admin/users");
  if (user.role === "auditor") redirect("/audit");
  redirect("/consents");
}
