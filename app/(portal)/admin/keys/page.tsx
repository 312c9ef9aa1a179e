import type { Metadata } from "next";
import { Notice, PageHeader } from "@/components/page-header";
import { requireRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { listKeys, type KeyRow } from "@/lib/keys";
import { RetryPushForm, RotateKeyForm } from "./key-actions";

export const metadata: Metadata = { title: "Encryption keys" };
export const dynamic = "force-dynamic";

const DAY_MS = 24 * 60 * 60 * 1000;
const dateTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" });
const fmt = (iso: string | null) => (iso ? dateTime.format(new Date(iso)) : "—");

function graceText(k: KeyRow): string {
  if (k.graceEndsAt === null) return "Not started: begins when the new key reaches EKA";
  if (!k.graceRemainingMs) return "Over: destroyed at the next clean-up";
  const days = Math.ceil(k.graceRemainingMs / DAY_MS);
  return `${days} day${days === 1 ? "" : "s"} left (until ${fmt(k.graceEndsAt)})`;
}

function PushResult({ k }: { k: KeyRow }) {
  if (k.pushStatus === "ok") return <span className="text-emerald-800">● Registered with EKA</span>;
  if (k.pushStatus === "pending") return <span className="text-amber-800">○ Not pushed yet</span>;
  return (
    <span className="text-red-700">
      ✕ Failed{k.pushError ? `: ${k.pushError}` : ""}
    </span>
  );
}

export default async function KeysPage() {
  await requireRole("admin");
  const keys = await listKeys();
  const cfg = env();
  const active = keys.find((k) => k.status === "active") ?? null;
  const retired = keys.filter((k) => k.status === "retired");
  const destroyed = keys.filter((k) => k.status === "destroyed");
  const format = cfg.eka.keysetFormat === "x509" ? "X.509 SubjectPublicKeyInfo" : "raw 65-byte point (88 characters)";

  return (
    <>
      <PageHeader
        title="Encryption keys"
        description={
          <>
            EKA gives HIPs this HIU&apos;s public key and nonce; HIPs encrypt health records to it (ABDM Fidelius) and
            only the private key kept here can read them. Private keys never leave the server and are stored encrypted.
          </>
        }
      />

      {!active && (
        <Notice tone="error" title="There is no active encryption key">
          HIPs cannot encrypt health records for this HIU until a key is generated and registered with EKA. Generate one
          below.
        </Notice>
      )}
      {active?.pushStatus === "failed" && (
        <Notice tone="error" title="The active key is not registered with EKA">
          The last push ({fmt(active.lastPushAttemptAt)}) failed: {active.pushError ?? "unknown error"}. Until it
          succeeds, HIPs keep encrypting to the key EKA had before, and the previous key is kept for decryption. Retry
          the push below.
        </Notice>
      )}
      {active?.pushStatus === "pending" && (
        <Notice tone="warning" title="The active key has not been pushed to EKA yet">
          It is pushed automatically in the background; you can also push it now.
        </Notice>
      )}

      <section aria-labelledby="active-key-heading" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="active-key-heading" className="text-base font-semibold">
          Active key
        </h2>
        {active ? (
          <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
            <dt className="font-medium text-slate-700">Fingerprint</dt>
            <dd className="font-mono">{active.fingerprint}</dd>
            <dt className="font-medium text-slate-700">Created</dt>
            <dd>{fmt(active.createdAt)}</dd>
            <dt className="font-medium text-slate-700">Pushed to EKA at</dt>
            <dd>{active.pushedAt ? fmt(active.pushedAt) : "Not yet"}</dd>
            <dt className="font-medium text-slate-700">Last push</dt>
            <dd>
              <PushResult k={active} />
              {active.lastPushAttemptAt && <span className="text-slate-600"> · {fmt(active.lastPushAttemptAt)}</span>}
            </dd>
            <dt className="font-medium text-slate-700">Sent to EKA as</dt>
            <dd>{format}</dd>
          </dl>
        ) : (
          <p className="mt-2 text-sm text-slate-600">None.</p>
        )}
        <div className="mt-4 flex flex-wrap items-start gap-3">
          <RotateKeyForm hasActiveKey={Boolean(active)} retirementDays={cfg.keyRetirementDays} />
          {active && active.pushStatus !== "ok" && (
            <RetryPushForm label={active.pushStatus === "failed" ? "Retry push" : "Push to EKA now"} />
          )}
        </div>
      </section>

      <section aria-labelledby="retired-keys-heading" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="retired-keys-heading" className="text-base font-semibold">
          Retired keys
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Kept to decrypt pushes that were encrypted before a rotation, for {cfg.keyRetirementDays} days after the newer
          key reached EKA; then the private key is destroyed.
        </p>
        {retired.length ? (
          <div className="mt-3 overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Retired keys and their remaining grace period</caption>
              <thead className="border-b border-slate-200 text-slate-700">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Fingerprint</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Created</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Retired</th>
                  <th scope="col" className="py-2 font-medium">Grace period</th>
                </tr>
              </thead>
              <tbody>
                {retired.map((k) => (
                  <tr key={k.id} className="border-b border-slate-100 last:border-0">
                    <td className="py-2 pr-4 font-mono">{k.fingerprint}</td>
                    <td className="py-2 pr-4">{fmt(k.createdAt)}</td>
                    <td className="py-2 pr-4">{fmt(k.retiredAt)}</td>
                    <td className="py-2">{graceText(k)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="mt-2 text-sm text-slate-600">None.</p>
        )}
      </section>

      {destroyed.length > 0 && (
        <details className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <summary className="cursor-pointer font-semibold">Destroyed keys ({destroyed.length})</summary>
          <ul className="mt-2 space-y-1">
            {destroyed.map((k) => (
              <li key={k.id}>
                <span className="font-mono">{k.fingerprint}</span> · destroyed {fmt(k.destroyedAt)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
