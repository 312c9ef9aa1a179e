import "server-only";
import { randomBytes } from "node:crypto";
import { and, eq, ne, sql } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db";
import { users, type Role } from "@/db/schema";
import { audit } from "@/lib/audit";
import { hashPassword } from "@/lib/auth/password";
import { requireRole } from "@/lib/auth/session";
import { changeRoleSchema, createUserSchema, setStatusSchema, userIdSchema, type CreateUserInput } from "./schemas";

export class UserAdminError extends Error {
  constructor(
    public readonly code: "email_taken" | "last_admin" | "self" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "UserAdminError";
  }
}

/** A readable one-time password: 4 groups of 4 from an unambiguous alphabet (≈80 bits). */
export function temporaryPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join("")).join("-");
}

/** Creates a user with a temporary password, returned once so the admin can hand it over. */
export async function createUser(input: CreateUserInput): Promise<{ id: string; temporaryPassword: string }> {
  const actor = await requireRole("admin");
  const data = createUserSchema.parse(input);
  const password = temporaryPassword();
  const passwordHash = await hashPassword(password);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, data.email));
    if (existing) throw new UserAdminError("email_taken", "A user with this email already exists.");
    const [row] = await tx
      .insert(users)
      .values({ ...data, passwordHash })
      .returning({ id: users.id });
    await audit(actor, { action: "user.created", targetType: "user", targetId: row.id, details: { role: data.role } }, tx);
    return { id: row.id, temporaryPassword: password };
  });
}

/** Locks the active admins and refuses a change that would leave none. */
async function assertAdminsRemain(tx: DbOrTx, excludingUserId: string): Promise<void> {
  const others = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active"), ne(users.id, excludingUserId)))
    .for("update");
  if (others.length === 0) {
    throw new UserAdminError("last_admin", "This is the last active administrator. Make someone else an administrator first.");
  }
}

export async function changeUserRole(input: { userId: string; role: Role }): Promise<void> {
  const actor = await requireRole("admin");
  const { userId, role } = changeRoleSchema.parse(input);
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [target] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
    if (!target) throw new UserAdminError("not_found", "User not found.");
    if (target.role === role) return;
    if (target.role === "admin" && target.status === "active") await assertAdminsRemain(tx, userId);
    await tx.update(users).set({ role, updatedAt: sql`now()` }).where(eq(users.id, userId));
    await audit(actor, { action: "user.role_changed", targetType: "user", targetId: userId, details: { from: target.role, to: role } }, tx);
  });
}

export async function setUserStatus(input: { userId: string; status: "active" | "disabled" }): Promise<void> {
  const actor = await requireRole("admin");
  const { userId, status } = setStatusSchema.parse(input);
  if (status === "disabled" && userId === actor.id) {
    throw new UserAdminError("self", "You cannot disable your own account.");
  }
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [target] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
    if (!target) throw new UserAdminError("not_found", "User not found.");
    if (target.status === status) return;
    if (status === "disabled" && target.role === "admin") await assertAdminsRemain(tx, userId);
    await tx.update(users).set({ status, updatedAt: sql`now()` }).where(eq(users.id, userId));
    await audit(actor, { action: status === "disabled" ? "user.disabled" : "user.enabled", targetType: "user", targetId: userId }, tx);
  });
}

export async function resetUserPassword(input: { userId: string }): Promise<{ temporaryPassword: string }> {
  const actor = await requireRole("admin");
  const { userId } = userIdSchema.parse(input);
  const password = temporaryPassword();
  const passwordHash = await hashPassword(password);
  const db = await getDb();
  const updated = await db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId)).returning({ id: users.id });
  if (!updated.length) throw new UserAdminError("not_found", "User not found.");
  await audit(actor, { action: "user.password_reset", targetType: "user", targetId: userId });
  return { temporaryPassword: password };
}
