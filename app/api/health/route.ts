// GET /api/health — liveness + database ping for load balancers. No auth, no data.
import { sql } from "drizzle-orm";
import { getDb, getDbKind } from "@/db";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    return Response.json({ status: "ok", database: await getDbKind() });
  } catch (err) {
    return Response.json(
      { status: "unavailable", reason: "database", message: err instanceof Error ? err.name : "error" },
      { status: 503 },
    );
  }
}
