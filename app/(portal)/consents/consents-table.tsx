"use client";

import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { StatusBadge } from "@/components/status-badge";
import { formatDateTime, relativeTime } from "@/lib/consents/dates";
import { hiTypeLabel, purposeLabel } from "@/lib/consents/labels";
import type { WorklistRow } from "@/lib/consents/queries";
import { worklistQuery, type WorklistParams, type WorklistSort } from "@/lib/consents/schemas";

/**
 * The worklist table. Sorting, filtering and paging happen in the database; TanStack Table runs in
 * manual mode and each sortable header is a link to the URL with the new order, so any view can
 * be bookmarked or shared (and works without JavaScript).
 */
export function ConsentsTable({ rows, params, now }: { rows: WorklistRow[]; params: WorklistParams; now: string }) {
  const sorting: SortingState = [{ id: params.sort, desc: params.dir === "desc" }];
  const nowDate = new Date(now);
  const columns: ColumnDef<WorklistRow, unknown>[] = [
    {
      id: "patient",
      header: "Patient",
      cell: ({ row }) => (
        <div>
          <Link href={`/consents/${row.original.id}`} className="font-medium text-brand-800 underline-offset-2 hover:underline">
            {row.original.patientName ?? row.original.abhaAddress}
            <span className="sr-only"> — open consent request</span>
          </Link>
          {row.original.patientName && <div className="text-xs text-slate-600">{row.original.abhaAddress}</div>}
          {row.original.unread && (
            <div className="mt-0.5 text-xs font-medium text-sky-800">
              <span aria-hidden="true">● </span>New records
            </div>
          )}
        </div>
      ),
    },
    { id: "purpose", header: "Purpose", cell: ({ row }) => <span className="whitespace-nowrap">{purposeLabel(row.original.purpose)}</span> },
    {
      id: "hiTypes",
      header: "Record types",
      enableSorting: false,
      cell: ({ row }) => <span className="text-sm">{row.original.hiTypes.map(hiTypeLabel).join(", ")}</span>,
    },
    {
      id: "requester",
      header: "Requested by",
      enableSorting: false,
      cell: ({ row }) => (row.original.requestedByMe ? <span title={row.original.requesterName}>You</span> : row.original.requesterName),
    },
    { id: "created", header: "Created", cell: ({ row }) => <span className="whitespace-nowrap">{formatDateTime(row.original.createdAt)}</span> },
    { id: "status", header: "Status", cell: ({ row }) => <StatusBadge status={row.original.status} rawStatus={row.original.rawStatus} /> },
    {
      id: "expires",
      header: "Expires in",
      cell: ({ row }) => {
        const r = row.original;
        if (r.status !== "GRANTED" && r.status !== "REQUESTED" && r.status !== "INITIATING") return <span className="text-slate-500">—</span>;
        const soon = new Date(r.expiresAt).getTime() - nowDate.getTime() < 48 * 3_600_000;
        return (
          <span className={`whitespace-nowrap ${soon ? "font-medium text-amber-900" : ""}`}>
            {soon && <span aria-hidden="true">⚠ </span>}
            {relativeTime(r.expiresAt, nowDate)}
            {soon && <span className="sr-only"> (soon)</span>}
          </span>
        );
      },
    },
  ];
  const sortable = new Set<string>(["patient", "purpose", "created", "status", "expires"]);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    manualSorting: true,
    manualFiltering: true,
    manualPagination: true,
    enableSortingRemoval: false,
    getCoreRowModel: getCoreRowModel(),
  });

  const sortHref = (id: string) => {
    const dir = params.sort === id ? (params.dir === "desc" ? "asc" : "desc") : id === "patient" || id === "purpose" ? "asc" : "desc";
    return `/consents${worklistQuery({ ...params, sort: id as WorklistSort, dir, page: 1 })}`;
  };

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">
          Consent requests, sorted by {params.sort} ({params.dir === "asc" ? "ascending" : "descending"})
        </caption>
        <thead className="bg-slate-50">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const id = header.column.id;
                const active = params.sort === id;
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={active ? (params.dir === "asc" ? "ascending" : "descending") : undefined}
                    className="px-4 py-2 text-left font-semibold whitespace-nowrap text-slate-700"
                  >
                    {sortable.has(id) ? (
                      <Link href={sortHref(id)} className="inline-flex items-center gap-1 hover:underline" scroll={false}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true" className={active ? "" : "text-slate-400"}>
                          {active ? (params.dir === "asc" ? "▲" : "▼") : "↕"}
                        </span>
                        <span className="sr-only">{active ? ", change sort order" : ", sort by this column"}</span>
                      </Link>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100">
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="px-4 py-8 text-center text-slate-600">
                No consent requests match these filters.
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id} className={`align-top hover:bg-slate-50 ${row.original.unread ? "bg-sky-50/50" : ""}`}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className="px-4 py-2">
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
