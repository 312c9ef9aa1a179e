import { formatMoney, formatNumber } from "@/lib/fhir/display";
import type { InvoiceDetail, PriceComponentView } from "@/lib/fhir/resources";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { Facts, FhirDate, Paragraphs, StatusText } from "./format";

function componentsOf(line: { components: PriceComponentView[] }, type: string) {
  return line.components.filter((c) => c.type === type);
}

function Amounts({ components, showFactor }: { components: PriceComponentView[]; showFactor?: boolean }) {
  if (components.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <>
      {components.map((c, i) => (
        <span key={i} className="block whitespace-nowrap">
          {components.length > 1 || c.type === "tax" || c.type === "informational" ? <span className="text-slate-600">{c.label} </span> : null}
          {c.amountText ?? "—"}
          {showFactor && c.factor !== null && <span className="text-xs text-slate-500"> ({formatNumber(c.factor * 100)}%)</span>}
        </span>
      ))}
    </>
  );
}

/**
 * An invoice: each line with its price components (rate, MRP, discount, taxes) and the totals
 * exactly as the HIP sent them. Line totals are computed from the components and marked so.
 */
export function InvoiceBlock({ item, headingId }: { item: TimelineItemDraft; headingId: string }) {
  const d = item.detail as unknown as InvoiceDetail;
  const lines = d.lines ?? [];
  const anyLineTotal = lines.some((l) => l.lineTotalText);
  const computedSum = lines.reduce((s, l) => s + (l.lineTotal ?? 0), 0);
  return (
    <article aria-labelledby={headingId} className="mt-2">
      <h4 id={headingId} className="text-base font-semibold text-slate-900">
        {item.title} {d.status && d.status !== "issued" && <StatusText value={d.status} />}
      </h4>
      <Facts
        className="mt-1"
        facts={[
          ["Invoice no.", d.identifier],
          ["Date", item.date ? <FhirDate value={item.date} /> : null],
          ["Issued by", d.issuer],
          ["Staff", d.participants],
          ["Payment", d.paymentTerms],
        ]}
      />
      <div className="mt-3 overflow-x-auto rounded-md border border-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Line items of {item.title}</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-3 py-2">#</th>
              <th scope="col" className="px-3 py-2">Item</th>
              <th scope="col" className="px-3 py-2">Qty</th>
              <th scope="col" className="px-3 py-2 text-right">Rate</th>
              <th scope="col" className="px-3 py-2 text-right">Discount</th>
              <th scope="col" className="px-3 py-2 text-right">Tax</th>
              {anyLineTotal && (
                <th scope="col" className="px-3 py-2 text-right">
                  Line total<span aria-hidden="true">*</span>
                  <span className="sr-only"> (computed from the price components)</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white align-top">
            {lines.map((l, i) => {
              const other = l.components.filter((c) => !["base", "discount", "tax", "informational"].includes(c.type ?? ""));
              return (
                <tr key={i}>
                  <td className="px-3 py-2 text-slate-600">{l.sequence ?? i + 1}</td>
                  <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                    {l.item}
                    {componentsOf(l, "informational").map((c, k) => (
                      <span key={k} className="block text-xs font-normal text-slate-600">
                        {c.label}: {c.amountText}
                      </span>
                    ))}
                    {other.map((c, k) => (
                      <span key={`o${k}`} className="block text-xs font-normal text-slate-600">
                        {c.label}: {c.amountText}
                      </span>
                    ))}
                  </th>
                  <td className="px-3 py-2">{l.quantity}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    <Amounts components={componentsOf(l, "base")} />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    <Amounts components={componentsOf(l, "discount")} showFactor />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    <Amounts components={componentsOf(l, "tax")} showFactor />
                  </td>
                  {anyLineTotal && <td className="px-3 py-2 text-right font-medium tabular-nums">{l.lineTotalText}</td>}
                </tr>
              );
            })}
          </tbody>
          <tfoot className="bg-slate-50 text-sm">
            {d.totalPriceComponents?.map((c, i) => (
              <tr key={i}>
                <th scope="row" colSpan={anyLineTotal ? 6 : 5} className="px-3 py-1 text-right font-normal text-slate-700">
                  {c.label}
                </th>
                <td className="px-3 py-1 text-right tabular-nums">{c.amountText}</td>
              </tr>
            ))}
            <tr>
              <th scope="row" colSpan={anyLineTotal ? 6 : 5} className="px-3 py-1 text-right font-normal text-slate-700">
                Net total (as sent)
              </th>
              <td className="px-3 py-1 text-right tabular-nums">{d.totalNet ?? "—"}</td>
            </tr>
            <tr>
              <th scope="row" colSpan={anyLineTotal ? 6 : 5} className="px-3 py-2 text-right font-semibold text-slate-900">
                Gross total (as sent)
              </th>
              <td className="px-3 py-2 text-right font-semibold tabular-nums">{d.totalGross ?? "—"}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      {anyLineTotal && (
        <p className="mt-1 text-xs text-slate-600">
          * Line totals are rate − discount + tax, computed by the portal
          {lines.length > 1 && ` (sum ${formatMoney({ value: Math.round(computedSum * 100) / 100, currency: d.currency ?? "INR" })})`}. Totals are
          shown exactly as the sender sent them.
        </p>
      )}
      <Paragraphs texts={d.notes ?? []} />
    </article>
  );
}
