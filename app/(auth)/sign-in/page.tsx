import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string }>;
}) {
  if (await getCurrentUser()) redirect("/");
  const { callbackUrl, error } = await searchParams;
  const cfg = env();
  // Only same-site paths: never bounce a user to another origin after sign-in.
  const safeCallback = callbackUrl && callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <p className="text-sm font-semibold tracking-wide text-brand-700 uppercase">ABDM Health Information User</p>
          <h1 className="mt-1 text-2xl font-semibold">Sign in to the HIU Portal</h1>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <SignInForm callbackUrl={safeCallback} initialError={error} oidcName={cfg.auth.oidc?.name} />
        </div>
        {cfg.mode === "demo" && (
          <p className="mt-4 text-center text-sm text-slate-600">
            Demo mode: the demo logins were printed by <code>npm start</code> and are kept in <code>.data/demo-logins.json</code>.
          </p>
        )}
      </div>
    </main>
  );
}
