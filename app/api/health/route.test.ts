import { describe, expect, it } from "vitest";
import { setDbForTests } from "@/db";
import { createTestDb } from "@/tests/helpers/db";
import { GET } from "./route";

describe("GET /api/health", () => {
  it("answers 200 with the database kind when the database answers", async () => {
    const handle = await createTestDb();
    setDbForTests(handle);
    const res = await GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: handle.kind });
    await handle.close();
  });

  it("answers 503 with a JSON reason when the database is gone", async () => {
    const handle = await createTestDb();
    setDbForTests(handle);
    await handle.close();
    const res = await GET();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable", reason: "database" });
    setDbForTests(undefined);
  });
});
