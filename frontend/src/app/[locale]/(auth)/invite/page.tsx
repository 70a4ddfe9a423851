import type { Metadata } from "next";
import { getTranslations, setRequestLocale } from "next-intl/server";
import { InviteFlow } from "@/components/auth/invite-flow";
import type { Locale } from "@/i18n/routing";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ locale: Locale }>;
}): Promise<Metadata> {
  const { locale } = await params;
  const t = await getTranslations({ locale, namespace: "invite" });
  return { title: t("title") };
}

/** `/invite#<token>`: the link an invitation sends. The token stays in the browser. */
export default async function InvitePage({ params }: { params: Promise<{ locale: Locale }> }) {
  const { locale } = await params;
  setRequestLocale(locale);
  return <InviteFlow />;
}
