"use server";

import { z } from "zod";
import { pokeConsent } from "@/lib/consents/mutations";
import { getConsentVersion } from "@/lib/consents/queries";

const idSchema = z.uuid();

export type LiveCheck = { changed: boolean; live: boolean; version: string };

/**
 * Polled by the open consent page: asks EKA for news (throttled per consent in lib) and says
 * whether anything the page shows has changed since `knownVersion`.
 */
export async function checkConsentAction(id: string, knownVersion: string): Promise<LiveCheck> {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success || typeof knownVersion !== "string") return { changed: false, live: false, version: "" };
  await pokeConsent(parsed.data);
  const v = await getConsentVersion(parsed.data);
  return { changed: v.version !== knownVersion, live: v.live, version: v.version };
}
