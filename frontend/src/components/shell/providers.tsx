"use client";

import { ThemeProvider } from "next-themes";
import type { ReactNode } from "react";
import { SWRConfig } from "swr";
import { ApiError } from "@/lib/api/errors";
import { ToastProvider } from "@/components/ui/toast";

function shouldRetry(error: unknown): boolean {
  // A 4xx will not change by asking again; network errors and 5xx may.
  return !(error instanceof ApiError && error.status < 500);
}

export function Providers({ children, closeLabel }: { children: ReactNode; closeLabel: string }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <SWRConfig
        value={{
          revalidateOnFocus: false,
          shouldRetryOnError: shouldRetry,
          errorRetryCount: 2,
        }}
      >
        <ToastProvider closeLabel={closeLabel}>{children}</ToastProvider>
      </SWRConfig>
    </ThemeProvider>
  );
}
