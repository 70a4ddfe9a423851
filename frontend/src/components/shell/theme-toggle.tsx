"use client";

import { Monitor, Moon, Sun } from "lucide-react";
import { useTranslations } from "next-intl";
import { useTheme } from "next-themes";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

const themes = [
  { value: "light", key: "themeLight", icon: Sun },
  { value: "dark", key: "themeDark", icon: Moon },
  { value: "system", key: "themeSystem", icon: Monitor },
] as const;

export function ThemeToggle() {
  const t = useTranslations("nav");
  const { setTheme } = useTheme();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={t("theme")}>
          <Sun className="size-4 dark:hidden" aria-hidden />
          <Moon className="hidden size-4 dark:block" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent>
        <DropdownMenuLabel>{t("theme")}</DropdownMenuLabel>
        {themes.map((theme) => (
          <DropdownMenuItem key={theme.value} onSelect={() => setTheme(theme.value)}>
            <theme.icon className="size-4" aria-hidden />
            {t(theme.key)}
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
