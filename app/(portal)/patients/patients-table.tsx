"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { formatDateTime } from "@/lib/consents/dates";
import type { PatientRow } from "@/lib/patients/queries";

const GENDER: Record<string, string> = { M: "Male", F: "Female", O: "Other", male: "Male", female: "Female", other: "Other", unknown: "Unknown" };

const columns: ColumnDef<PatientRow, unknown>[] = [
  {
    id: "patient",
    accessorFn: (r) => r.name ?? r.abhaAddress,
    header: "Patient",
    cell: ({ row }) => (
      <div>
        <Link href={`/patients/${row.original.id}`} className="font-medium text-brand-800 underline-offset-2 hover:underline">
          {row.original.name ?? row.original.abhaAddress}
        </Link>
        {row.original.name && <div className="text-xs text-slate-600">{row.original.abhaAddress}</div>}
      </div>
    ),
  },
  {
    accessorKey: "abhaNumber",
    header: "ABHA number",
    cell: ({ row }) => <span className="font-mono text-xs">{row.original.abhaNumber ?? "—"}</span>,
  },
  {
    id: "demographics",
    header: "Gender · age",
    enableSorting: false,
    cell: ({ row }) => {
      const g = row.original.gender ? (GENDER[row.original.gender] ?? row.original.gender) : null;
      const a = row.original.age !== null ? `${row.original.age} y` : null;
      return [g, a].filter(Boolean).join(" · ") || <span className="text-slate-500">Not known yet</span>;
    },
  },
  {
    id: "consents",
    header: "Consents",
    accessorFn: (r) => r.awaitingConsents * 1000 + r.grantedConsents,
    cell: ({ row }) => {
      const { awaitingConsents: w, grantedConsents: g } = row.original;
      if (!w && !g) return <span className="text-slate-500">None open</span>;
      return (
        <span className="text-sm">
          {w > 0 && <span>{w} awaiting</span>}
          {w > 0 && g > 0 && " · "}
          {g > 0 && <span>{g} granted</span>}
        </span>
      );
    },
  },
  {
    accessorKey: "lastActivityAt",
    header: "Last activity",
    cell: ({ row }) => formatDateTime(row.original.lastActivityAt),
  },
];

export function PatientsTable({ rows, emptyMessage }: { rows: PatientRow[]; emptyMessage: string }) {
  return <DataTable columns={columns} data={rows} caption="Your patients" emptyMessage={emptyMessage} />;
}
