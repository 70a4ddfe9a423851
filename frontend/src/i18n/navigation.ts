import { createNavigation } from "next-intl/navigation";
import { routing } from "./routing";

// Locale-aware Link, router and redirect: `/agents` stays `/de/agents` on German pages.
export const { Link, redirect, usePathname, useRouter, getPathname } = createNavigation(routing);
