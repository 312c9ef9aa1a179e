import fs from "node:fs";
import path from "node:path";
import { count } from "drizzle-orm";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "./index";
import { auditEvents, users, type Role } from "./schema";

export type DemoLogin = { role: Role; name: string; email: string; password: string };

const DEMO_USERS: Omit<DemoLogin, "password">[] = [
  { role: "clinician", name: "Dr. Meera Iyer", email: "clinician@demo.hiu" },
  { role: "admin", name: "Arjun Rao (Admin)", email: "admin@demo.hiu" },
  { role: "auditor", name: "Kavita Shah (Auditor)", email: "auditor@demo.hiu" },
];

function demoPassword(): string {
  return `demo-${Math.random().toString(36).slice(2, 8)}-${Date.now().toString(36).slice(-4)}`;
}

/**
 * Demo mode only: when the users table is empty, creates one user per role and writes their
 * logins to `<DATA_DIR>/demo-logins.json` (mode 0600). Returns the logins only when it created them.
 */
export async function seedDemoUsers(db: Db, dataDir: string): Promise<DemoLogin[] | null> {
  const [{ n }] = await db.select({ n: count() }).from(users);
  if (n > 0) return null;
  const logins: DemoLogin[] = [];
  for (const u of DEMO_USERS) {
    const password = process.env.DEMO_PASSWORD || demoPassword();
    await db.insert(users).values({
      ...u,
      passwordHash: await hashPassword(password),
      registrationNumber: u.role === "clinician" ? "KA-45821" : null,
      registrationSystem: u.role === "clinician" ? "https://www.nmc.org.in" : null,
    });
    logins.push({ ...u, password });
  }
  await db.insert(auditEvents).values({ actorLabel: "system", action: "demo.seeded", details: { users: logins.length } });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, "demo-logins.json"), JSON.stringify(logins, null, 2), { mode: 0o600 });
  return logins;
}

export function printLogins(logins: DemoLogin[], file: string): void {
  console.log(`\n  Demo logins (shown once; also saved in ${file}):`);
  for (const l of logins) console.log(`    ${l.role.padEnd(9)} ${l.email.padEnd(22)} ${l.password}`);
  console.log("");
}
