import { z } from "zod";

/** "Rotate now" is a two-step form: the second step sends this explicit confirmation. */
export const rotateKeySchema = z.object({
  confirm: z.literal("rotate", { message: "Confirm the rotation to continue." }),
});
