"use client";

import { Bot, Menu, Settings } from "lucide-react";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Button } from "@/components/ui/button";
import { Link, usePathname } from "@/i18n/navigation";
import { ApiError } from "@/lib/api/errors";
import { useMe } from "@/lib/api/hooks";
import { cn } from "@/lib/utils";
import { LocaleSwitcher } from "./locale-switcher";
import { ThemeToggle } from "./theme-toggle";
import { UserMenu } from "./user-menu";

const navItems = [
  { href: "/agents", key: "agents", icon: Bot },
  { href: "/settings", key: "settings", icon: Settings },
] as const;

/** The signed-in frame: top bar with navigation, language, theme and account; then the page. */
export function AppShell({ children }: { children: ReactNode }) {
  const t = useTranslations("nav");
  const tc = useTranslations("common");
  const pathname = usePathname();
  const me = useMe();

  const isActive = (href: string) => pathname === href || pathname.startsWith(`${href}/`);

  let body: ReactNode = children;
  if (me.error && !(me.error instanceof ApiError && me.error.status === 401)) {
    body = <ErrorState error={me.error} onRetry={() => me.mutate()} />;
  } else if (!me.data) {
    // Loading, or a 401 on its way to the login page.
    body = (
      <div className="flex flex-col gap-4" aria-busy="true" aria-label={tc("loading")}>
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-24 w-full" />
        <Skeleton className="h-24 w-full" />
      </div>
    );
  }

  return (
    <div className="flex min-h-dvh flex-col">
      <a
        href="#main"
        className="bg-primary text-primary-foreground sr-only z-50 rounded px-3 py-2 focus:not-sr-only focus:absolute focus:top-2 focus:left-2"
      >
        {tc("skipToContent")}
      </a>
      <header className="bg-background/95 sticky top-0 z-30 border-b backdrop-blur">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-2 px-4">
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="ghost" size="icon" className="sm:hidden" aria-label={t("openMenu")}>
                <Menu className="size-5" aria-hidden />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="start">
              {navItems.map((item) => (
                <DropdownMenuItem key={item.href} asChild>
                  <Link href={item.href}>
                    <item.icon className="size-4" aria-hidden />
                    {t(item.key)}
                  </Link>
                </DropdownMenuItem>
              ))}
            </DropdownMenuContent>
          </DropdownMenu>
          <Link href="/agents" className="mr-4 flex items-center gap-2 font-semibold">
            <span className="bg-primary text-primary-foreground grid size-7 place-items-center rounded-md text-xs">
              AB
            </span>
            <span className="hidden md:inline">{tc("appName")}</span>
          </Link>
          <nav aria-label={t("mainNavigation")} className="hidden items-center gap-1 sm:flex">
            {navItems.map((item) => (
              <Link
                key={item.href}
                href={item.href}
                aria-current={isActive(item.href) ? "page" : undefined}
                className={cn(
                  "text-muted-foreground hover:text-foreground flex items-center gap-2 rounded-md px-3 py-1.5 text-sm",
                  "focus-visible:ring-ring focus-visible:ring-2 focus-visible:outline-none",
                  "aria-[current=page]:bg-muted aria-[current=page]:text-foreground",
                )}
              >
                <item.icon className="size-4" aria-hidden />
                {t(item.key)}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-1">
            <LocaleSwitcher />
            <ThemeToggle />
            {me.data ? <UserMenu me={me.data} /> : null}
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
        {body}
      </main>
    </div>
  );
}
