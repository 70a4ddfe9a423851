"use client";

import { Languages } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { usePathname, useRouter } from "@/i18n/navigation";
import type { Locale } from "@/i18n/routing";

const locales = [
  { value: "en", key: "languageEn" },
  { value: "de", key: "languageDe" },
] as const satisfies { value: Locale; key: string }[];

/** Switch the language, staying on the same page (`/agents` ⇄ `/de/agents`). */
export function LocaleSwitcher() {
  const t = useTranslations("nav");
  const current = useLocale();
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();

  function switchTo(locale: Locale) {
    const search = typeof window === "undefined" ? "" : window.location.search;
    startTransition(() => {
      router.replace(`${pathname}${search}`, { locale });
    });
  }

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={t("language")} disabled={pending}>
          <Languages className="size-4" aria-hidden />
          <span className="uppercase">{current}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent>
        <DropdownMenuLabel>{t("language")}</DropdownMenuLabel>
        {locales.map((locale) => (
          <DropdownMenuItem
            key={locale.value}
            lang={locale.value}
            onSelect={() => switchTo(locale.value)}
            aria-current={locale.value === current ? "true" : undefined}
          >
            {t(locale.key)}
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
