/** Per-field error text, linked to its input by `aria-describedby` and announced when it appears. */
export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p id={id} role="alert" className="mt-1 text-sm text-red-700">
      {errors.join(" ")}
    </p>
  );
}
