import "server-only";
import { headers } from "next/headers";
import { getDb, type DbOrTx } from "@/db";
import { auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";

export type AuditInput = {
  action: string;
  targetType?: string;
  targetId?: string | null;
  patientId?: string | null;
  consentRequestId?: string | null;
  /** Metadata only — never health data, keys or tokens. */
  details?: Record<string, unknown>;
};

async function requestIp(): Promise<string | null> {
  try {
    const h = await headers();
    return h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || null;
  } catch {
    return null; // outside a request (background job, test)
  }
}

/**
 * Writes one audit row. Pass the transaction (`tx`) when the audited change is written in one,
 * so the change and its audit row commit together.
 */
export async function audit(actor: Actor | "system", input: AuditInput, tx?: DbOrTx): Promise<void> {
  const db = tx ?? (await getDb());
  await db.insert(auditEvents).values({
    actorId: actor === "system" ? null : actor.id,
    actorLabel: actor === "system" ? "system" : actor.email,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    patientId: input.patientId ?? null,
    consentRequestId: input.consentRequestId ?? null,
    ip: await requestIp(),
    details: input.details,
  });
}
