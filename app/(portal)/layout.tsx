import Link from "next/link";
import { NavLink } from "@/components/nav-link";
import { UserMenu } from "@/components/user-menu";
import { requireUser } from "@/lib/auth/session";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const cfg = env();
  const nav: { href: string; label: string }[] = [];
  if (user.role === "clinician") nav.push({ href: "/patients", label: "Patients" }, { href: "/consents", label: "Consents" });
  if (user.role === "admin")
    nav.push(
      { href: "/admin/users", label: "Users" },
      { href: "/admin/keys", label: "Encryption keys" },
      { href: "/admin/inbox", label: "Webhook inbox" },
    );
  if (user.role === "admin" || user.role === "auditor") nav.push({ href: "/audit", label: "Audit log" });

  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-2">
          <Link href="/" className="text-base font-semibold text-brand-800">
            HIU Portal
          </Link>
          <nav aria-label="Main" className="flex flex-1 flex-wrap gap-1">
            {nav.map((item) => (
              <NavLink key={item.href} href={item.href}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          {cfg.mode === "demo" && (
            <span className="rounded bg-amber-100 px-2 py-1 text-xs font-medium text-amber-900" title="Connected to the local EKA sandbox">
              Demo · EKA sandbox
            </span>
          )}
          <UserMenu name={user.name} email={user.email} role={user.role} />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
