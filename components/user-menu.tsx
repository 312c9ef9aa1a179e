"use client";

import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

export function UserMenu({ name, email, role }: { name: string; email: string; role: string }) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onClick = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="user-menu-panel"
        onClick={() => setOpen((v) => !v)}
        className="flex items-center gap-2 rounded-md px-3 py-2 text-sm hover:bg-slate-100"
      >
        <span className="font-medium text-slate-800">{name}</span>
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 capitalize">{role}</span>
        <span aria-hidden="true">▾</span>
        <span className="sr-only">(open user menu)</span>
      </button>
      {open && (
        <div id="user-menu-panel" className="absolute right-0 z-20 mt-1 w-64 rounded-md border border-slate-200 bg-white p-3 shadow-lg">
          <p className="text-sm font-medium text-slate-900">{name}</p>
          <p className="truncate text-sm text-slate-600">{email}</p>
          <button
            type="button"
            onClick={async () => {
              // Relative redirect: works whatever NEXTAUTH_URL says (several copies may run side by side).
              await signOut({ redirect: false });
              router.replace("/sign-in");
              router.refresh();
            }}
            className="mt-3 w-full rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
