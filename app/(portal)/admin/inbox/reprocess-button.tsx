"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/forms/action-state";
import { reprocessDeliveryAction } from "./actions";

const idle: ActionState = { status: "idle" };

export function ReprocessButton({ inboxId, label }: { inboxId: string; label: string }) {
  const [state, action, pending] = useActionState(reprocessDeliveryAction, idle);
  return (
    <form action={action}>
      <input type="hidden" name="inboxId" value={inboxId} />
      <button
        type="submit"
        disabled={pending || state.status === "success"}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium whitespace-nowrap hover:bg-slate-50 disabled:opacity-60"
      >
        {pending ? "Queuing…" : "Process again"}
        <span className="sr-only"> {label}</span>
      </button>
      <p aria-live="polite" className="mt-1 text-xs">
        {state.status === "error" && <span className="text-red-700">{state.message}</span>}
        {state.status === "success" && <span className="text-emerald-800">{state.message}</span>}
      </p>
    </form>
  );
}
