import { z } from "zod";

/** "Process again" form: the inbox row id. */
export const reprocessDeliverySchema = z.object({ inboxId: z.uuid({ message: "Unknown delivery." }) });
