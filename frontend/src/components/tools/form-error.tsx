"use client";

import { useApiErrors } from "@/lib/api/use-api-errors";

/**
 * A failed save split for a form, in the page's language: messages per field, and whether the
 * error names none of the form's fields (then FormError shows it as one sentence).
 */
export function useFormErrors(error: unknown, knownFields: string[]): { fields: Record<string, string>; general: boolean } {
  const apiErrors = useApiErrors();
  // Pydantic prefixes a custom check's message with "Value error, ": the message says enough.
  const fields = Object.fromEntries(
    Object.entries(apiErrors.fields(error)).map(([key, message]) => [key, message.replace(/^Value error, /, "")]),
  );
  const shown = Object.keys(fields).some((key) => knownFields.includes(key));
  return { fields, general: error !== null && error !== undefined && !shown };
}

/** The form-level error: the API's message for its code (e.g. a check that names no field). */
export function FormError({ error }: { error: unknown }) {
  const apiErrors = useApiErrors();
  if (!error) return null;
  return (
    <p role="alert" className="border-destructive/40 bg-destructive/5 text-destructive rounded-md border px-3 py-2 text-sm">
      {apiErrors.describe(error)}
    </p>
  );
}
