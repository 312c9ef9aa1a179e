export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: React.ReactNode;
  actions?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">{title}</h1>
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p>}
      </div>
      {actions && <div className="flex gap-2">{actions}</div>}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <h2 className="text-base font-semibold text-slate-800">{title}</h2>
      {children && <div className="mx-auto mt-2 max-w-xl text-sm text-slate-600">{children}</div>}
    </div>
  );
}

export function Notice({
  tone = "info",
  title,
  children,
}: {
  tone?: "info" | "warning" | "error" | "success";
  title?: string;
  children?: React.ReactNode;
}) {
  const styles = {
    info: "border-sky-300 bg-sky-50 text-sky-950",
    warning: "border-amber-400 bg-amber-50 text-amber-950",
    error: "border-red-400 bg-red-50 text-red-950",
    success: "border-emerald-400 bg-emerald-50 text-emerald-950",
  }[tone];
  const label = { info: "Note", warning: "Warning", error: "Error", success: "Done" }[tone];
  return (
    <div role={tone === "error" || tone === "warning" ? "alert" : "status"} className={`mb-4 rounded-md border-l-4 px-4 py-3 text-sm ${styles}`}>
      <p className="font-semibold">
        <span className="sr-only">{label}: </span>
        {title}
      </p>
      {children && <div className={title ? "mt-1" : ""}>{children}</div>}
    </div>
  );
}
