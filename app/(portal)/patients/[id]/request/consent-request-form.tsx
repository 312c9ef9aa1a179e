"use client";

import Link from "next/link";
import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import { FieldError } from "@/components/form-field";
import { DEFAULT_HI_TYPES, HI_TYPE_INFO, HI_TYPES, PURPOSE_INFO, PURPOSES } from "@/lib/consents/labels";
import type { ConsentFormValues } from "@/lib/consents/schemas";
import { createConsentRequestAction, type ConsentFormState } from "./actions";

const idle: ConsentFormState = { status: "idle" };

export type FormContext = {
  today: string;
  tomorrow: string;
  rangePresets: Record<"3" | "6" | "12", { dateFrom: string; dateTo: string }>;
  expiryPresets: Record<"7" | "30" | "90", string>;
  knownHips: { id: string; name: string | null }[];
  requester: { name: string; registration: string | null };
};

const FIELD_LABELS: Record<string, string> = {
  purpose: "Purpose",
  hiTypes: "Types of record",
  rangePreset: "Records from",
  dateFrom: "From",
  dateTo: "To",
  expiryPreset: "Consent lasts",
  expiryDate: "Consent ends on",
  hipId: "Facility (HIP) id",
  patientId: "Patient",
};

/** Where the error summary's links point: the first control of each field. */
const FIELD_TARGET: Record<string, string> = {
  purpose: "purpose-0",
  hiTypes: "hiType-0",
  rangePreset: "range-3",
  dateFrom: "dateFrom",
  dateTo: "dateTo",
  expiryPreset: "expiry-7",
  expiryDate: "expiryDate",
  hipId: "hipId",
};

export function ConsentRequestForm({ initial, ctx, blocked }: { initial: ConsentFormValues; ctx: FormContext; blocked: boolean }) {
  const [state, action, pending] = useActionState(createConsentRequestAction, idle);
  // Controlled: a refused submission keeps every choice (React resets uncontrolled fields).
  const [v, setV] = useState<ConsentFormValues>(initial);
  const summaryRef = useRef<HTMLDivElement>(null);
  const errors = state.status === "error" ? (state.fieldErrors ?? {}) : {};
  const errorKeys = Object.keys(errors);

  useEffect(() => {
    // Move focus to the summary so keyboard and screen-reader users land on what went wrong.
    if (state.status === "error" || state.status === "duplicate") summaryRef.current?.focus();
  }, [state]);

  const set = <K extends keyof ConsentFormValues>(k: K, value: ConsentFormValues[K]) => setV((old) => ({ ...old, [k]: value }));
  const toggleType = (t: string, on: boolean) => set("hiTypes", on ? [...v.hiTypes, t] : v.hiTypes.filter((x) => x !== t));
  const pickRange = (p: string) => {
    if (p === "custom") return set("rangePreset", p);
    setV((old) => ({ ...old, rangePreset: p, ...ctx.rangePresets[p as "3" | "6" | "12"] }));
  };
  const pickExpiry = (p: string) => {
    if (p === "custom") return set("expiryPreset", p);
    setV((old) => ({ ...old, expiryPreset: p, expiryDate: ctx.expiryPresets[p as "7" | "30" | "90"] }));
  };
  const invalid = (k: string) => (errors[k]?.length ? true : undefined);
  const described = (k: string, hint?: string) => [hint, errors[k]?.length ? `${k}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <form
      noValidate
      // Before hydration the browser posts the server action itself; after, onSubmit keeps the fields.
      action={action}
      aria-describedby="request-intro"
      className="space-y-6"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => action(data));
      }}
    >
      <input type="hidden" name="patientId" value={v.patientId} />

      <div ref={summaryRef} tabIndex={-1} className="outline-none">
        {state.status === "error" && (
          <div role="alert" className="rounded-md border-l-4 border-red-500 bg-red-50 px-4 py-3 text-sm text-red-950">
            <p className="font-semibold">{state.message}</p>
            {errorKeys.length > 0 && (
              <ul className="mt-1 list-disc pl-5">
                {errorKeys.map((k) => (
                  <li key={k}>
                    <a href={`#${FIELD_TARGET[k] ?? k}`} className="underline">
                      {FIELD_LABELS[k] ?? k}: {errors[k]!.join(" ")}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {state.status === "duplicate" && (
          <div role="alert" className="rounded-md border-l-4 border-amber-500 bg-amber-50 px-4 py-3 text-sm text-amber-950">
            <p className="font-semibold">Already asked</p>
            <p className="mt-1">{state.message}</p>
            <Link href={`/consents/${state.duplicateId}`} className="mt-2 inline-block font-medium underline">
              Open the pending request
            </Link>
          </div>
        )}
      </div>

      <Fieldset legend="Purpose" name="purpose" errors={errors.purpose}>
        <div className="grid gap-2 sm:grid-cols-2">
          {PURPOSES.map((p, i) => (
            <label key={p} className="flex cursor-pointer gap-2 rounded-md border border-slate-200 p-3 has-checked:border-brand-700 has-checked:bg-brand-50">
              <input
                id={`purpose-${i}`}
                type="radio"
                name="purpose"
                value={p}
                checked={v.purpose === p}
                onChange={() => set("purpose", p)}
                aria-describedby={described("purpose", `purpose-${i}-hint`)}
                className="mt-1"
              />
              <span>
                <span className="block text-sm font-medium text-slate-900">{PURPOSE_INFO[p].label}</span>
                <span id={`purpose-${i}-hint`} className="block text-xs text-slate-600">
                  {PURPOSE_INFO[p].hint}
                </span>
              </span>
            </label>
          ))}
        </div>
      </Fieldset>

      <Fieldset
        legend="Types of record"
        name="hiTypes"
        errors={errors.hiTypes}
        hint="Ask only for what this care needs. The patient may allow fewer."
        extra={
          <div className="flex gap-3 text-sm">
            <button type="button" className="text-brand-800 underline" onClick={() => set("hiTypes", [...DEFAULT_HI_TYPES])}>
              Clinical records
            </button>
            <button type="button" className="text-brand-800 underline" onClick={() => set("hiTypes", [...HI_TYPES])}>
              All types
            </button>
            <button type="button" className="text-brand-800 underline" onClick={() => set("hiTypes", [])}>
              Clear
            </button>
          </div>
        }
      >
        <div className="grid gap-x-4 gap-y-2 sm:grid-cols-2">
          {HI_TYPES.map((t, i) => (
            <label key={t} className="flex cursor-pointer items-start gap-2 text-sm">
              <input
                id={`hiType-${i}`}
                type="checkbox"
                name="hiTypes"
                value={t}
                checked={v.hiTypes.includes(t)}
                onChange={(e) => toggleType(t, e.target.checked)}
                aria-invalid={invalid("hiTypes")}
                aria-describedby={described("hiTypes")}
                className="mt-0.5"
              />
              <span>
                <span className="font-medium text-slate-900">{HI_TYPE_INFO[t].label}</span>
                <span className="text-slate-600"> — {HI_TYPE_INFO[t].hint}</span>
              </span>
            </label>
          ))}
        </div>
      </Fieldset>

      <Fieldset legend="Records from" name="rangePreset" errors={errors.rangePreset} hint="Which period the records should come from (up to today).">
        <Presets
          name="rangePreset"
          idPrefix="range"
          value={v.rangePreset}
          onChange={pickRange}
          options={[
            ["3", "Last 3 months"],
            ["6", "Last 6 months"],
            ["12", "Last 12 months"],
            ["custom", "Choose dates"],
          ]}
        />
        <div className="mt-3 flex flex-wrap gap-4">
          <DateField
            id="dateFrom"
            label="From"
            value={v.dateFrom}
            max={ctx.today}
            errors={errors.dateFrom}
            onChange={(d) => setV((old) => ({ ...old, dateFrom: d, rangePreset: "custom" }))}
          />
          <DateField
            id="dateTo"
            label="To"
            value={v.dateTo}
            max={ctx.today}
            errors={errors.dateTo}
            onChange={(d) => setV((old) => ({ ...old, dateTo: d, rangePreset: "custom" }))}
          />
        </div>
      </Fieldset>

      <Fieldset legend="Consent lasts" name="expiryPreset" errors={errors.expiryPreset} hint="After this the records are no longer available here and are deleted.">
        <Presets
          name="expiryPreset"
          idPrefix="expiry"
          value={v.expiryPreset}
          onChange={pickExpiry}
          options={[
            ["7", "7 days"],
            ["30", "30 days"],
            ["90", "90 days"],
            ["custom", "Until a date"],
          ]}
        />
        <div className="mt-3">
          <DateField
            id="expiryDate"
            label="Consent ends on"
            value={v.expiryDate}
            min={ctx.tomorrow}
            errors={errors.expiryDate}
            onChange={(d) => setV((old) => ({ ...old, expiryDate: d, expiryPreset: "custom" }))}
          />
        </div>
      </Fieldset>

      <Fieldset legend="Facility (optional)" name="hip" hint="Leave empty to ask every facility linked to the patient's ABHA address.">
        <div className="flex flex-wrap gap-4">
          <div>
            <label htmlFor="hipId" className="block text-sm font-medium text-slate-800">
              Facility (HIP) id
            </label>
            <input
              id="hipId"
              name="hipId"
              list="known-hips"
              value={v.hipId}
              onChange={(e) => {
                const id = e.target.value;
                const known = ctx.knownHips.find((h) => h.id === id);
                setV((old) => ({ ...old, hipId: id, hipName: known?.name ?? old.hipName }));
              }}
              aria-invalid={invalid("hipId")}
              aria-describedby={described("hipId")}
              autoComplete="off"
              className="mt-1 w-64 rounded-md border border-slate-300 px-3 py-2 font-mono text-sm aria-invalid:border-red-600"
            />
            <datalist id="known-hips">
              {ctx.knownHips.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name ?? h.id}
                </option>
              ))}
            </datalist>
            <FieldError id="hipId-error" errors={errors.hipId} />
          </div>
          <div>
            <label htmlFor="hipName" className="block text-sm font-medium text-slate-800">
              Facility name
            </label>
            <input
              id="hipName"
              name="hipName"
              value={v.hipName}
              onChange={(e) => set("hipName", e.target.value)}
              autoComplete="off"
              className="mt-1 w-72 rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
          </div>
        </div>
      </Fieldset>

      <div className="flex flex-wrap items-center gap-4 border-t border-slate-200 pt-4">
        <button
          type="submit"
          disabled={pending || blocked}
          className="rounded-md bg-brand-700 px-5 py-2 text-sm font-medium text-white hover:bg-brand-800 disabled:opacity-60"
        >
          {pending ? "Sending…" : "Send consent request"}
        </button>
        <Link href={`/patients/${v.patientId}`} className="text-sm text-brand-800 underline">
          Cancel
        </Link>
        <p className="text-sm text-slate-600">
          Sent in the name of <span className="font-medium text-slate-900">{ctx.requester.name}</span>
          {ctx.requester.registration ? <> (Reg. {ctx.requester.registration})</> : null}.
        </p>
      </div>
    </form>
  );
}

function Fieldset({
  legend,
  name,
  hint,
  errors,
  extra,
  children,
}: {
  legend: string;
  name: string;
  hint?: string;
  errors?: string[];
  extra?: React.ReactNode;
  children: React.ReactNode;
}) {
  const describedBy = [hint ? `${name}-hint` : null, errors?.length ? `${name}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset
      aria-describedby={describedBy}
      className={`rounded-lg border bg-white p-4 ${errors?.length ? "border-red-400" : "border-slate-200"}`}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <legend className="float-left text-base font-semibold text-slate-900">{legend}</legend>
        {extra}
      </div>
      <div className="clear-both">
        {hint && (
          <p id={`${name}-hint`} className="mb-3 text-sm text-slate-600">
            {hint}
          </p>
        )}
        <FieldError id={`${name}-error`} errors={errors} />
        <div className={errors?.length ? "mt-2" : ""}>{children}</div>
      </div>
    </fieldset>
  );
}

function Presets({
  name,
  idPrefix,
  value,
  onChange,
  options,
}: {
  name: string;
  idPrefix: string;
  value: string;
  onChange: (v: string) => void;
  options: [string, string][];
}) {
  return (
    <div className="flex flex-wrap gap-2">
      {options.map(([val, label]) => (
        <label
          key={val}
          className="flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm has-checked:border-brand-700 has-checked:bg-brand-50 has-checked:font-medium"
        >
          <input id={`${idPrefix}-${val}`} type="radio" name={name} value={val} checked={value === val} onChange={() => onChange(val)} />
          {label}
        </label>
      ))}
    </div>
  );
}

function DateField({
  id,
  label,
  value,
  min,
  max,
  errors,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  min?: string;
  max?: string;
  errors?: string[];
  onChange: (v: string) => void;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={id}
        type="date"
        value={value}
        min={min}
        max={max}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? `${id}-error` : undefined}
        className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm aria-invalid:border-red-600"
      />
      <FieldError id={`${id}-error`} errors={errors} />
    </div>
  );
}
