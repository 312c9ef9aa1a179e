import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, users } from "@/db/schema";
import { runAs } from "@/lib/auth/session";
import { verifyPassword } from "@/lib/auth/password";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { changeUserRole, createUser, setUserStatus, UserAdminError } from "./mutations";
import { listUsers } from "./queries";

const t = setupTestDb();

describe("user administration", () => {
  it("an admin creates a user with a one-time password, audited", async () => {
    const admin = await createActor(t.db, "admin");
    const { id, temporaryPassword } = await runAs(admin, () =>
      createUser({ name: "Dr Asha", email: " Asha@Hospital.IN ", role: "clinician", registrationNumber: "MH-1", registrationSystem: "" }),
    );
    const [row] = await t.db.select().from(users).where(eq(users.id, id));
    expect(row.email).toBe("asha@hospital.in");
    expect(row.registrationSystem).toBeNull();
    expect(await verifyPassword(temporaryPassword, row.passwordHash)).toBe(true);
    const audits = await t.db.select().from(auditEvents).where(eq(auditEvents.targetId, id));
    expect(audits.map((a) => a.action)).toEqual(["user.created"]);
  });

  it("a clinician cannot be created without a registration number (consent requests need it)", async () => {
    const admin = await createActor(t.db, "admin");
    await expect(runAs(admin, () => createUser({ name: "Dr No Reg", email: "noreg@h.in", role: "clinician" }))).rejects.toThrow(
      /registration number/,
    );
    const rows = await t.db.select().from(users).where(eq(users.email, "noreg@h.in"));
    expect(rows).toHaveLength(0);
  });

  it("refuses a duplicate email", async () => {
    const admin = await createActor(t.db, "admin");
    await runAs(admin, () => createUser({ name: "One", email: "dup@h.in", role: "auditor" }));
    await expect(runAs(admin, () => createUser({ name: "Two", email: "DUP@h.in", role: "auditor" }))).rejects.toMatchObject({
      code: "email_taken",
    });
  });

  it("never removes the last active admin, by role change or by disabling", async () => {
    await t.db.update(users).set({ status: "disabled" }).where(eq(users.role, "admin"));
    const a = await createActor(t.db, "admin");
    const b = await createActor(t.db, "admin");
    await runAs(a, () => setUserStatus({ userId: b.id, status: "disabled" }));
    const err = await runAs(a, () => changeUserRole({ userId: a.id, role: "clinician" })).catch((e) => e);
    expect(err).toBeInstanceOf(UserAdminError);
    expect(err.code).toBe("last_admin");
    const [still] = await t.db.select().from(users).where(eq(users.id, a.id));
    expect(still.role).toBe("admin");
  });

  it("an admin cannot disable their own account", async () => {
    const a = await createActor(t.db, "admin");
    await expect(runAs(a, () => setUserStatus({ userId: a.id, status: "disabled" }))).rejects.toMatchObject({ code: "self" });
  });

  it("a clinician cannot use admin functions (not found, nothing written)", async () => {
    const c = await createActor(t.db, "clinician");
    const before = await t.db.select().from(users);
    await expect(runAs(c, () => createUser({ name: "X", email: "x@h.in", role: "admin" }))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404|NEXT_NOT_FOUND/);
    await expect(runAs(c, () => listUsers())).rejects.toThrow();
    expect(await t.db.select().from(users)).toHaveLength(before.length);
  });

  it("a disabled admin loses access on the next call, despite a still-valid session", async () => {
    const a = await createActor(t.db, "admin");
    const b = await createActor(t.db, "admin");
    await runAs(a, () => setUserStatus({ userId: b.id, status: "disabled" }));
    await expect(runAs(b, () => listUsers())).rejects.toThrow();
  });

  it("lists users without password hashes", async () => {
    const a = await createActor(t.db, "admin");
    const rows = await runAs(a, () => listUsers());
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain("scrypt$");
  });
});
