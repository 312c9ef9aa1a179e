import Link from "next/link";

/** "Page N of M · T things" with Previous / Next links, for server-paged lists. */
export function Pager({ page, pages, total, noun, href }: { page: number; pages: number; total: number; noun: string; href: (page: number) => string }) {
  return (
    <nav aria-label="Pagination" className="mt-3 flex items-center gap-3 text-sm">
      <span>
        Page {page} of {pages} · {total} {noun}
      </span>
      {page > 1 && (
        <Link href={href(page - 1)} className="text-brand-700 underline">
          Previous
        </Link>
      )}
      {page < pages && (
        <Link href={href(page + 1)} className="text-brand-700 underline">
          Next
        </Link>
      )}
    </nav>
  );
}
