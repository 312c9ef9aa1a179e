import "server-only";

/** HIU keyset lifecycle: the key EKA hands to HIPs, kept sealed at rest, rotated with a grace period. */
export { getDecryptionKeys, listKeys, privateKeySealContext, type DecryptionKey, type KeyRow } from "./queries";
export {
  destroyExpiredKeys,
  ensureActiveKey,
  KeyError,
  pushActiveKey,
  resealPrivateKeys,
  retryKeyPush,
  rotateKey,
  type PushResult,
} from "./mutations";
export { graceEndsAt, inGrace } from "./grace";
