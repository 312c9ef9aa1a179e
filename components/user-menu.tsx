"use client";

import { signOut } from "next-auth/react";

export function UserMenu({ name, email, role }: { name: string; email: string; role: string }) {
  return (
    <details className="relative">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md px-3 py-2 text-sm hover:bg-slate-100">
        <span className="font-medium text-slate-800">{name}</span>
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 capitalize">{role}</span>
        <span aria-hidden="true">▾</span>
        <span className="sr-only">Open user menu</span>
      </summary>
      <div className="absolute right-0 z-20 mt-1 w-64 rounded-md border border-slate-200 bg-white p-3 shadow-lg">
        <p className="text-sm font-medium text-slate-900">{name}</p>
        <p className="truncate text-sm text-slate-600">{email}</p>
        <button
          type="button"
          onClick={() => signOut({ callbackUrl: "/sign-in" })}
          className="mt-3 w-full rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
        >
          Sign out
        </button>
      </div>
    </details>
  );
}
