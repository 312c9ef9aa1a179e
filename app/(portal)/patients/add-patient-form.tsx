"use client";

import { startTransition, useActionState, useState } from "react";
import { FieldError } from "@/components/form-field";
import type { ActionState } from "@/lib/forms/action-state";
import { addPatientAction } from "./actions";

const idle: ActionState = { status: "idle" };

export function AddPatientForm({ defaultSuffix }: { defaultSuffix: "sbx" | "abdm" }) {
  const [state, action, pending] = useActionState(addPatientAction, idle);
  // Controlled fields: the values survive a refused submission (React resets uncontrolled ones).
  const [values, setValues] = useState({ abhaAddress: "", abhaNumber: "", name: "", accessReason: "" });
  const errors = state.status === "error" ? (state.fieldErrors ?? {}) : {};
  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));

  return (
    <section aria-labelledby="add-patient-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="add-patient-heading" className="text-base font-semibold text-slate-900">
        Find or add a patient
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        By ABHA address. A patient already under other clinicians&apos; care can be opened with a reason, which is audited.
      </p>
      <form
        noValidate
        // Before hydration the browser posts the server action itself (never a GET with the ABHA address in the URL).
        action={action}
        className="mt-3 space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          startTransition(() => action(data));
        }}
      >
        <Field
          id="abhaAddress"
          label="ABHA address"
          hint={`For example ravi.kumar@${defaultSuffix}. Type just the name and @${defaultSuffix} is added.`}
          value={values.abhaAddress}
          onChange={set("abhaAddress")}
          errors={errors.abhaAddress}
          autoComplete="off"
          required
        />
        <Field
          id="abhaNumber"
          label="ABHA number (optional)"
          hint="14 digits, shown as XX-XXXX-XXXX-XXXX."
          value={values.abhaNumber}
          onChange={set("abhaNumber")}
          errors={errors.abhaNumber}
          inputMode="numeric"
          autoComplete="off"
        />
        <Field
          id="name"
          label="Name (optional)"
          hint="As the patient gives it; records from facilities may add to it."
          value={values.name}
          onChange={set("name")}
          errors={errors.name}
          autoComplete="off"
        />
        {(errors.accessReason || values.accessReason) && (
          <div>
            <label htmlFor="accessReason" className="block text-sm font-medium text-slate-800">
              Reason for access
            </label>
            <textarea
              id="accessReason"
              name="accessReason"
              rows={2}
              value={values.accessReason}
              onChange={set("accessReason")}
              aria-invalid={errors.accessReason ? true : undefined}
              aria-describedby={errors.accessReason ? "accessReason-error" : undefined}
              className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-invalid:border-red-600"
            />
            <FieldError id="accessReason-error" errors={errors.accessReason} />
          </div>
        )}
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800 disabled:opacity-60"
        >
          {pending ? "Opening…" : "Find or add patient"}
        </button>
        <div aria-live="polite">
          {state.status === "error" && !Object.keys(errors).length && (
            <p role="alert" className="text-sm text-red-700">
              {state.message}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}

function Field({
  id,
  label,
  hint,
  errors,
  ...input
}: {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
} & React.InputHTMLAttributes<HTMLInputElement>) {
  const describedBy = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      <input
        id={id}
        name={id}
        type="text"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy}
        className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-invalid:border-red-600"
        {...input}
      />
      <FieldError id={`${id}-error`} errors={errors} />
    </div>
  );
}
