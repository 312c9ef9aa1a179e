import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { openDb, setDbForTests, type Db, type DbHandle } from "@/db";

/**
 * A fresh database for one test file: a copy of the migrated PGlite template, or — when the run
 * targets PostgreSQL (`TEST_DB=postgres` with `TEST_DATABASE_URL`) — a new database created for
 * this file and dropped afterwards. Never a shared, pre-existing one.
 */
export async function createTestDb(): Promise<DbHandle> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl && process.env.TEST_DB === "postgres") {
    const { default: postgres } = await import("postgres");
    const name = `hiu_test_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const handle = await openDb({ url: url.toString() });
    return {
      ...handle,
      close: async () => {
        await handle.close();
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const template = inject("pgliteTemplate");
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const schema = await import("@/db/schema");
  const client = new PGlite({ loadDataDir: new Blob([fs.readFileSync(template)]) });
  await client.waitReady;
  return { db: drizzle(client, { schema }) as unknown as Db, kind: "pglite", close: () => client.close() };
}

/** Registers beforeAll/afterAll hooks that give the file its own database as the process database. */
export function setupTestDb(): { readonly db: Db; readonly handle: DbHandle } {
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    handle = await createTestDb();
    setDbForTests(handle);
  });
  afterAll(async () => {
    setDbForTests(undefined);
    await handle?.close();
  });
  return {
    get db() {
      if (!handle) throw new Error("test database not ready (use it inside a test or hook)");
      return handle.db;
    },
    get handle() {
      if (!handle) throw new Error("test database not ready");
      return handle;
    },
  };
}
