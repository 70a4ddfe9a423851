import { defineRouting } from "next-intl/routing";

export const routing = defineRouting({
  locales: ["en", "de"],
  defaultLocale: "en",
  // `/agents` is always English and `/de/agents` always German: the URL alone decides, so a
  // link or a bookmark shows the same page to everyone.
  localePrefix: "as-needed",
  localeDetection: false,
});

export type Locale = (typeof routing.locales)[number];
