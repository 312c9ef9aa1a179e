"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, useSyncExternalStore } from "react";

function describe(error: string | undefined | null): string | null {
  if (!error) return null;
  if (error.startsWith("throttled")) {
    const seconds = Number(error.split(":")[1] ?? 60);
    const minutes = Math.max(1, Math.ceil(seconds / 60));
    return `Too many failed attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`;
  }
  switch (error) {
    case "disabled":
      return "This account is disabled. Ask a hospital administrator to re-enable it.";
    case "sso_unknown":
      return "Your hospital account is not registered in this portal. Ask an administrator to add you.";
    case "SessionRequired":
      return null;
    default:
      return "The email or password is incorrect.";
  }
}

export function SignInForm({
  callbackUrl,
  initialError,
  oidcName,
}: {
  callbackUrl: string;
  initialError?: string;
  oidcName?: string;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(describe(initialError));
  const [pending, setPending] = useState(false);
  // Until React has hydrated, a click would submit the form natively; keep it disabled so the
  // password can never travel in a URL or reach the page as a plain form post.
  const hydrated = useSyncExternalStore(
    () => () => {},
    () => true,
    () => false,
  );

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setPending(false);
    if (!result || result.error) {
      setError(describe(result?.error ?? "invalid"));
      return;
    }
    router.replace(callbackUrl);
    router.refresh();
  }

  return (
    <div className="space-y-4">
      <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
        <div>
          <label htmlFor="email" className="block text-sm font-medium text-slate-800">
            Email
          </label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm"
          />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium text-slate-800">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm"
          />
        </div>
        <div role="alert" aria-live="assertive" className="min-h-5 text-sm text-red-700">
          {error}
        </div>
        <button
          type="submit"
          disabled={pending || !hydrated}
          className="w-full rounded-md bg-brand-700 px-4 py-2 font-medium text-white hover:bg-brand-800 disabled:opacity-60"
        >
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {oidcName && (
        <button
          type="button"
          onClick={() => signIn("oidc", { callbackUrl })}
          className="w-full rounded-md border border-slate-300 bg-white px-4 py-2 font-medium text-slate-800 hover:bg-slate-50"
        >
          Sign in with {oidcName}
        </button>
      )}
    </div>
  );
}
