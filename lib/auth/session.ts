import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { eq } from "drizzle-orm";
import { notFound, redirect } from "next/navigation";
import { getDb } from "@/db";
import { users, type Role } from "@/db/schema";

/** The signed-in person as every lib/ function sees them, re-read from the database per request. */
export type Actor = {
  id: string;
  email: string;
  name: string;
  role: Role;
  registrationNumber: string | null;
  registrationSystem: string | null;
};

const actorStore = new AsyncLocalStorage<Actor>();

/**
 * Runs `fn` as `actor` without an HTTP session: used by tests and scripts. Pages, actions and
 * route handlers never call it; they get the actor from the next-auth session cookie.
 */
export function runAs<T>(actor: Actor, fn: () => Promise<T>): Promise<T> {
  return actorStore.run(actor, fn);
}

async function loadActiveUser(id: string): Promise<Actor | null> {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!row || row.status !== "active") return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    registrationNumber: row.registrationNumber,
    registrationSystem: row.registrationSystem,
  };
}

/**
 * The current user or null. The JWT only names the user; role and status come from the database
 * each time, so a disabled account or a changed role takes effect on the next request.
 */
export async function getCurrentUser(): Promise<Actor | null> {
  const stored = actorStore.getStore();
  if (stored) return loadActiveUser(stored.id);
  const [{ getServerSession }, { getAuthOptions }] = await Promise.all([import("next-auth"), import("./options")]);
  const session = await getServerSession(getAuthOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  return loadActiveUser(id);
}

/** For pages and server actions: anonymous visitors are sent to the sign-in page. */
export async function requireUser(): Promise<Actor> {
  const user = await getCurrentUser();
  if (!user) redirect("/sign-in");
  return user;
}

/** A user without one of `roles` sees a not-found page: no hint that the page exists. */
export async function requireRole(...roles: Role[]): Promise<Actor> {
  const user = await requireUser();
  if (!roles.includes(user.role)) notFound();
  return user;
}

/** For route handlers that answer JSON: null instead of a redirect. */
export async function getApiUser(...roles: Role[]): Promise<Actor | null> {
  const user = await getCurrentUser();
  if (!user) return null;
  if (roles.length && !roles.includes(user.role)) return null;
  return user;
}
