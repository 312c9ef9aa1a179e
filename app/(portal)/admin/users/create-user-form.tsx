"use client";

import { useActionState } from "react";
import { FieldError } from "@/components/form-field";
import type { ActionState } from "@/lib/forms/action-state";
import { createUserAction } from "./actions";

const initial: ActionState<{ email: string; password: string }> = { status: "idle" };

export function CreateUserForm() {
  const [state, action, pending] = useActionState(createUserAction, initial);
  const errors = state.status === "error" ? state.fieldErrors ?? {} : {};
  return (
    <section aria-labelledby="create-user-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="create-user-heading" className="text-base font-semibold">
        Add a user
      </h2>
      <form action={action} className="mt-3 space-y-3" noValidate>
        <Field id="name" label="Full name" errors={errors.name} />
        <Field id="email" label="Email" type="email" errors={errors.email} />
        <div>
          <label htmlFor="role" className="block text-sm font-medium text-slate-800">
            Role
          </label>
          <select id="role" name="role" defaultValue="clinician" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="clinician">Clinician</option>
            <option value="admin">Administrator</option>
            <option value="auditor">Auditor</option>
          </select>
        </div>
        <Field id="registrationNumber" label="Registration number (for consent requests)" errors={errors.registrationNumber} />
        <Field
          id="registrationSystem"
          label="Registration system"
          placeholder="https://www.nmc.org.in"
          errors={errors.registrationSystem}
        />
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800 disabled:opacity-60"
        >
          {pending ? "Adding…" : "Add user"}
        </button>
        <div aria-live="polite">
          {state.status === "error" && <p className="text-sm text-red-700">{state.message}</p>}
          {state.status === "success" && state.data && (
            <div className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-950">
              <p className="font-medium">User added.</p>
              <p className="mt-1">
                Give {state.data.email} this one-time password (it is not shown again):{" "}
                <code className="rounded bg-white px-1 font-mono">{state.data.password}</code>
              </p>
            </div>
          )}
        </div>
      </form>
    </section>
  );
}

function Field({
  id,
  label,
  type = "text",
  placeholder,
  errors,
}: {
  id: string;
  label: string;
  type?: string;
  placeholder?: string;
  errors?: string[];
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={id}
        type={type}
        placeholder={placeholder}
        aria-invalid={errors ? true : undefined}
        aria-describedby={errors ? `${id}-error` : undefined}
        className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-invalid:border-red-600"
      />
      <FieldError id={`${id}-error`} errors={errors} />
    </div>
  );
}
