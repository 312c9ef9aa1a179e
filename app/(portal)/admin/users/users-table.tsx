"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useActionState } from "react";
import { DataTable } from "@/components/data-table";
import type { ActionState } from "@/lib/forms/action-state";
import type { UserRow } from "@/lib/users/queries";
import { changeRoleAction, resetPasswordAction, setStatusAction } from "./actions";

const dateTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" });

export function UsersTable({ users, currentUserId }: { users: UserRow[]; currentUserId: string }) {
  const columns: ColumnDef<UserRow, unknown>[] = [
    {
      accessorKey: "name",
      header: "Name",
      cell: ({ row }) => (
        <div>
          <div className="font-medium">{row.original.name}</div>
          {row.original.registration && <div className="text-xs text-slate-600">Reg. {row.original.registration}</div>}
        </div>
      ),
    },
    { accessorKey: "email", header: "Email" },
    {
      accessorKey: "role",
      header: "Role",
      cell: ({ row }) => <RoleCell user={row.original} />,
    },
    {
      accessorKey: "status",
      header: "Status",
      cell: ({ row }) =>
        row.original.status === "active" ? (
          <span className="text-emerald-800">● Active</span>
        ) : (
          <span className="text-slate-600">○ Disabled</span>
        ),
    },
    {
      accessorKey: "lastSignInAt",
      header: "Last sign-in",
      cell: ({ row }) => (row.original.lastSignInAt ? dateTime.format(new Date(row.original.lastSignInAt)) : "Never"),
    },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      cell: ({ row }) => <RowActions user={row.original} isSelf={row.original.id === currentUserId} />,
    },
  ];
  return <DataTable columns={columns} data={users} caption="Users" filterLabel="Search users" emptyMessage="No users yet." />;
}

const idleState: ActionState = { status: "idle" };

function RoleCell({ user }: { user: UserRow }) {
  const [state, action, pending] = useActionState(changeRoleAction, idleState);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="userId" value={user.id} />
      <label htmlFor={`role-${user.id}`} className="sr-only">
        Role for {user.name}
      </label>
      <select
        id={`role-${user.id}`}
        name="role"
        defaultValue={user.role}
        className="rounded-md border border-slate-300 px-2 py-1 text-sm"
      >
        <option value="clinician">Clinician</option>
        <option value="admin">Administrator</option>
        <option value="auditor">Auditor</option>
      </select>
      <button type="submit" disabled={pending} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50">
        Save<span className="sr-only"> role for {user.name}</span>
      </button>
      <span aria-live="polite" className="text-xs">
        {state.status === "error" && <span className="text-red-700">{state.message}</span>}
        {state.status === "success" && <span className="text-emerald-800">Saved</span>}
      </span>
    </form>
  );
}

function RowActions({ user, isSelf }: { user: UserRow; isSelf: boolean }) {
  const [statusState, statusAction, statusPending] = useActionState(setStatusAction, idleState);
  const [resetState, resetAction, resetPending] = useActionState(resetPasswordAction, { status: "idle" } as ActionState<{
    password: string;
  }>);
  const next = user.status === "active" ? "disabled" : "active";
  return (
    <div className="flex flex-col gap-1">
      <div className="flex flex-wrap gap-2">
        {!isSelf && (
          <form action={statusAction}>
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="status" value={next} />
            <button
              type="submit"
              disabled={statusPending}
              className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50"
            >
              {next === "disabled" ? "Disable" : "Enable"}
              <span className="sr-only"> {user.name}</span>
            </button>
          </form>
        )}
        {!user.sso && (
          <form action={resetAction}>
            <input type="hidden" name="userId" value={user.id} />
            <button type="submit" disabled={resetPending} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50">
              Reset password<span className="sr-only"> for {user.name}</span>
            </button>
          </form>
        )}
      </div>
      <div aria-live="polite" className="text-xs">
        {statusState.status === "error" && <p className="text-red-700">{statusState.message}</p>}
        {resetState.status === "error" && <p className="text-red-700">{resetState.message}</p>}
        {resetState.status === "success" && resetState.data && (
          <p>
            New one-time password: <code className="rounded bg-slate-100 px-1 font-mono">{resetState.data.password}</code>
          </p>
        )}
      </div>
    </div>
  );
}
