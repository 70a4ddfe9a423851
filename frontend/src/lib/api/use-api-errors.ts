"use client";

import { useLocale, useTranslations } from "next-intl";
import { useCallback, useMemo } from "react";
import { ApiError, describeError, fieldErrors, type ValidationIssue } from "./errors";

/**
 * The API's errors in the page's language. Known error codes (`auth_invalid`, `conflict:email`,
 * ...) have their own sentence in every language; field validation messages stay the API's
 * precise English on English pages and become a translated sentence per validation type on
 * other pages. Anything unknown shows the API's own message.
 */
export function useApiErrors() {
  const locale = useLocale();
  const tc = useTranslations("common");
  const tCodes = useTranslations("apiErrors");
  const tTypes = useTranslations("validation");

  const localizeIssue = useCallback(
    (issue: ValidationIssue): string | undefined => {
      if (locale === "en" || !issue.type) return undefined;
      const key = issue.type as Parameters<typeof tTypes>[0];
      return tTypes.has(key) ? tTypes(key) : undefined;
    },
    [locale, tTypes],
  );

  const describe = useCallback(
    (error: unknown): string => {
      if (error instanceof ApiError) {
        const key = error.code.replace(/:/g, "_") as Parameters<typeof tCodes>[0];
        if (tCodes.has(key)) return tCodes(key);
      }
      return describeError(error, tc("unexpectedError"));
    },
    [tCodes, tc],
  );

  const fields = useCallback((error: unknown) => fieldErrors(error, localizeIssue), [localizeIssue]);

  return useMemo(() => ({ describe, fields }), [describe, fields]);
}
