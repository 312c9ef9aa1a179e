"use client";

import { useActionState, useEffect, useId, useRef, useState } from "react";
import type { ActionState } from "@/lib/forms/action-state";
import { retryPushAction, rotateKeyAction } from "./actions";

const idle: ActionState = { status: "idle" };

function Result({ state }: { state: ActionState }) {
  return (
    <div aria-live="polite" className="text-sm">
      {state.status === "error" && <p className="mt-2 text-red-700">{state.message}</p>}
      {state.status === "success" && <p className="mt-2 text-emerald-800">{state.message}</p>}
    </div>
  );
}

/** "Rotate now" with an explicit confirmation step: rotation changes what every HIP encrypts to. */
export function RotateKeyForm({ hasActiveKey, retirementDays }: { hasActiveKey: boolean; retirementDays: number }) {
  const [state, action, pending] = useActionState(rotateKeyAction, idle);
  // The confirmation belongs to the state it was opened in: a finished action closes it.
  const [openedFor, setOpenedFor] = useState<ActionState | null>(null);
  const confirming = openedFor === state;
  const panelId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) headingRef.current?.focus();
  }, [confirming]);
  useEffect(() => {
    if (state.status !== "idle") openerRef.current?.focus();
  }, [state]);

  const label = hasActiveKey ? "Rotate now" : "Generate a key";
  return (
    <div>
      {!confirming && (
        <button
          ref={openerRef}
          type="button"
          aria-expanded={false}
          aria-controls={panelId}
          onClick={() => setOpenedFor(state)}
          className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800"
        >
          {label}
        </button>
      )}
      {confirming && (
        <div id={panelId} className="rounded-md border border-amber-400 bg-amber-50 p-4">
          <h3 ref={headingRef} tabIndex={-1} className="text-sm font-semibold text-amber-950">
            {hasActiveKey ? "Rotate the encryption key?" : "Generate an encryption key?"}
          </h3>
          <p className="mt-1 max-w-prose text-sm text-amber-950">
            {hasActiveKey
              ? `A new key becomes active and is registered with EKA. The current key is retired: it keeps decrypting pushes already on their way for ${retirementDays} days after the new key reaches EKA, then it is destroyed.`
              : "A new key is generated, becomes active and is registered with EKA."}
          </p>
          <form action={action} className="mt-3 flex flex-wrap gap-2">
            <input type="hidden" name="confirm" value="rotate" />
            <button
              type="submit"
              disabled={pending}
              className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800 disabled:opacity-60"
            >
              {pending ? "Working…" : hasActiveKey ? "Yes, rotate the key" : "Yes, generate a key"}
            </button>
            <button
              type="button"
              disabled={pending}
              onClick={() => {
                setOpenedFor(null);
                requestAnimationFrame(() => openerRef.current?.focus());
              }}
              className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
            >
              Cancel
            </button>
          </form>
        </div>
      )}
      <Result state={state} />
    </div>
  );
}

export function RetryPushForm({ label }: { label: string }) {
  const [state, action, pending] = useActionState(retryPushAction, idle);
  return (
    <form action={action}>
      <button
        type="submit"
        disabled={pending}
        className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50 disabled:opacity-60"
      >
        {pending ? "Pushing…" : label}
      </button>
      <Result state={state} />
    </form>
  );
}
