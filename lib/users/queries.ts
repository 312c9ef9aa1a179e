import "server-only";
import { asc } from "drizzle-orm";
import { getDb } from "@/db";
import { users } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";

export type UserRow = {
  id: string;
  name: string;
  email: string;
  role: string;
  status: string;
  registration: string | null;
  lastSignInAt: string | null;
  sso: boolean;
};

/** Admins only. Password hashes and SSO subjects never leave this function. */
export async function listUsers(): Promise<UserRow[]> {
  await requireRole("admin");
  const db = await getDb();
  const rows = await db.select().from(users).orderBy(asc(users.name));
  return rows.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    status: u.status,
    registration: u.registrationNumber
      ? `${u.registrationNumber}${u.registrationSystem ? ` (${u.registrationSystem})` : ""}`
      : null,
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
    sso: Boolean(u.ssoSubject),
  }));
}
