/**
 * Zod schemas for EKA webhook envelopes (eka-api.md §4.3) and the two events the portal acts on
 * (§4.4 `abha.hiu_data_push`, §4.5 `abha.consent_update`). Lenient where EKA's published shapes
 * are loose or disagree (extra fields tolerated, numbers as strings, `consentArtefacts` as an
 * object or an array), strict where processing depends on a field.
 */
import { z } from "zod";

export const DATA_PUSH_EVENT = "abha.hiu_data_push";
export const CONSENT_UPDATE_EVENT = "abha.consent_update";
export const KNOWN_EVENTS = [DATA_PUSH_EVENT, CONSENT_UPDATE_EVENT] as const;
export type KnownEvent = (typeof KNOWN_EVENTS)[number];

const unixish = z.union([z.number(), z.string()]).nullish();
const nonEmpty = z.string().trim().min(1);

export const envelopeSchema = z
  .object({
    service: z.string().nullish(),
    event: z.string().trim().min(1).nullish(),
    /** Non-ABDM EKA webhooks name the event here instead (§4.3). */
    event_type: z.string().trim().min(1).nullish(),
    event_time: unixish,
    timestamp: unixish,
    /** The delivery id: identical on every retry of one delivery, so it is our dedupe key. */
    transaction_id: z.union([nonEmpty, z.number().transform(String)]).pipe(z.string().max(200)),
    business_id: z.union([z.string(), z.number()]).nullish(),
    client_id: z.union([z.string(), z.number()]).nullish(),
    data: z.record(z.string(), z.unknown()),
  })
  .loose()
  .refine((e) => Boolean(e.event ?? e.event_type), { message: "event or event_type is required", path: ["event"] });
export type Envelope = z.infer<typeof envelopeSchema>;

/** The event name to route on: `event ?? event_type`, lower-cased (EKA is not consistent in case). */
export function eventName(envelope: Envelope): string {
  return String(envelope.event ?? envelope.event_type).trim().toLowerCase();
}

export function isKnownEvent(name: string): name is KnownEvent {
  return (KNOWN_EVENTS as readonly string[]).includes(name);
}

const intish = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const dataPushEntrySchema = z
  .object({
    care_context_id: nonEmpty,
    checksum: z.string().nullish(),
    /** base64(AES-GCM ciphertext ‖ tag) of one FHIR Bundle (fidelius.md §2). */
    content: z.string().min(1),
    media: z.string().nullish(),
  })
  .loose();
export type DataPushEntry = z.infer<typeof dataPushEntrySchema>;

export const keyInformationSchema = z
  .object({
    crypto_alg: z.string().nullish(),
    curve: z.string().nullish(),
    dh_public_key: z
      .object({ expiry: z.string().nullish(), parameters: z.string().nullish(), key_value: nonEmpty })
      .loose(),
    nonce: nonEmpty,
  })
  .loose();

export const dataPushSchema = z
  .object({
    abha_address: z.string().nullish(),
    abha_number: z.string().nullish(),
    hip_id: z.string().nullish(),
    oid: z.string().nullish(),
    partner_patient_id: z.string().nullish(),
    /** A consent id or, with some EKA set-ups, a consent artefact id (eka-api.md §8 q4). */
    consent_id: nonEmpty,
    /** The ABDM data-flow transaction id (not the delivery id). */
    transaction_id: nonEmpty,
    entries: z.array(dataPushEntrySchema).min(1),
    key_information: keyInformationSchema,
    /** Not in EKA's HIU sample; ABDM pages pushes, so tolerate both presence and absence. */
    page_number: intish.pipe(z.number().int().min(1)).nullish(),
    page_count: intish.pipe(z.number().int().min(1)).nullish(),
  })
  .loose();
export type DataPush = z.infer<typeof dataPushSchema>;

const artefactRef = z.object({ id: z.string() }).loose();

export const consentUpdateSchema = z
  .object({
    timestamp: z.string().nullish(),
    status: z.string().nullish(),
    consent_id: z.string().nullish(),
    notification: z
      .object({
        consentRequestId: z.string().nullish(),
        status: z.string().nullish(),
        consentArtefacts: z.union([artefactRef, z.array(artefactRef)]).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose()
  .refine((d) => Boolean(d.notification?.consentRequestId || d.consent_id), {
    message: "notification.consentRequestId or consent_id is required",
    path: ["notification", "consentRequestId"],
  });
export type ConsentUpdate = z.infer<typeof consentUpdateSchema>;

/** Issue paths and messages only: zod's default messages never echo values, and we add none. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}
