"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Link } from "@/i18n/navigation";
import { api } from "@/lib/api/client";

/** Ends the session on the server (its cookies are cleared there) and forgets cached data. */
export function LogoutForm() {
  const t = useTranslations("auth");
  const { mutate } = useSWRConfig();
  const [done, setDone] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api
      .POST("/api/v1/auth/logout")
      .catch(() => undefined)
      .then(() => mutate(() => true, undefined, { revalidate: false }))
      .finally(() => {
        if (!cancelled) setDone(true);
      });
    return () => {
      cancelled = true;
    };
  }, [mutate]);

  return (
    <div className="flex flex-col items-start gap-4" aria-live="polite">
      <h1 className="text-2xl font-semibold">{t("logoutTitle")}</h1>
      <p className="text-muted-foreground text-sm">{done ? t("loggedOut") : t("loggingOut")}</p>
      {done ? (
        <Button asChild>
          <Link href="/login">{t("signInAgain")}</Link>
        </Button>
      ) : null}
    </div>
  );
}
