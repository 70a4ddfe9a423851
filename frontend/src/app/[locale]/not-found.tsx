import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Link } from "@/i18n/navigation";

export default function NotFound() {
  const t = useTranslations("common");
  return (
    <main className="mx-auto flex max-w-md flex-col items-center gap-4 px-4 py-24 text-center">
      <p className="text-lg font-semibold">{t("notFound")}</p>
      <Button asChild variant="secondary">
        <Link href="/agents">{t("backToAgents")}</Link>
      </Button>
    </main>
  );
}
