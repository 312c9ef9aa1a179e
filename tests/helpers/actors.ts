import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { users, type Role } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";

let n = 0;

/** Inserts an active user and returns it as an Actor for `runAs`. */
export async function createActor(db: Db, role: Role, extra: Partial<typeof users.$inferInsert> = {}): Promise<Actor> {
  n += 1;
  const [row] = await db
    .insert(users)
    .values({
      email: `${role}.${n}.${Date.now()}@test.hiu`,
      name: `Test ${role} ${n}`,
      role,
      registrationNumber: role === "clinician" ? `REG-${n}` : null,
      registrationSystem: role === "clinician" ? "https://www.nmc.org.in" : null,
      ...extra,
    })
    .returning();
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    registrationNumber: row.registrationNumber,
    registrationSystem: row.registrationSystem,
  };
}

export async function disableUser(db: Db, id: string): Promise<void> {
  await db.update(users).set({ status: "disabled" }).where(eq(users.id, id));
}
