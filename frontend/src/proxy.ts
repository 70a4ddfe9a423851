import createMiddleware from "next-intl/middleware";
import { routing } from "./i18n/routing";

export default createMiddleware(routing);

export const config = {
  // Everything except the API (rewritten to the backend), Next internals and files.
  matcher: "/((?!api|health|_next|_vercel|.*\\..*).*)",
};
