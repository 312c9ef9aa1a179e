import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle; lib/ functions that write take `Db | DbTx` so callers can compose them. */
export type DbTx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | DbTx;
export type DbHandle = { db: Db; kind: "pglite" | "postgres"; close: () => Promise<void> };

const MIGRATIONS = path.join(/*turbopackIgnore: true*/ process.cwd(), "db", "migrations");

type Holder = { handle?: Promise<DbHandle> };
const holder = globalThis as unknown as { __hiuDb?: Holder };
holder.__hiuDb ??= {};

/**
 * Opens the database named by the environment: PostgreSQL via postgres.js when `DATABASE_URL`
 * is set, otherwise embedded PGlite in `PGLITE_DIR` (default `.data/pglite`; `memory://` for an
 * in-memory one). Migrations are applied on open (≈20 ms when none are pending).
 */
export async function openDb(opts: { url?: string; pgliteDir?: string; migrate?: boolean } = {}): Promise<DbHandle> {
  const url = opts.url ?? process.env.DATABASE_URL;
  let handle: DbHandle;
  if (url) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(url, {
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      onnotice: () => {},
      connection: { application_name: "hiu-portal" },
    });
    handle = { db: drizzle(client, { schema }) as unknown as Db, kind: "postgres", close: () => client.end() };
    if (opts.migrate !== false) {
      const { migrate } = await import("drizzle-orm/postgres-js/migrator");
      await migrate(handle.db as never, { migrationsFolder: MIGRATIONS });
    }
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const dir = opts.pgliteDir ?? process.env.PGLITE_DIR ?? path.join(path.resolve(/*turbopackIgnore: true*/ process.env.DATA_DIR ?? ".data"), "pglite");
    const client = dir === "memory://" ? new PGlite() : new PGlite(dir);
    const { drizzle } = await import("drizzle-orm/pglite");
    handle = { db: drizzle(client, { schema }) as unknown as Db, kind: "pglite", close: () => client.close() };
    if (opts.migrate !== false) {
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      await migrate(handle.db as never, { migrationsFolder: MIGRATIONS });
    }
  }
  return handle;
}

/** The process-wide database, opened lazily (never at import time, so `next build` never touches it). */
export async function getDb(): Promise<Db> {
  holder.__hiuDb!.handle ??= openDb().catch((err) => {
    holder.__hiuDb!.handle = undefined;
    throw err;
  });
  return (await holder.__hiuDb!.handle).db;
}

export async function getDbKind(): Promise<"pglite" | "postgres"> {
  await getDb();
  return (await holder.__hiuDb!.handle!).kind;
}

/** Tests point the whole process at their own database. */
export function setDbForTests(handle: DbHandle | undefined): void {
  holder.__hiuDb!.handle = handle ? Promise.resolve(handle) : undefined;
}

export { schema };
