import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";

/**
 * Convenience only: sends anonymous visitors to the sign-in page. Every page, action and route
 * handler still checks the user itself through lib/auth — this is never the security boundary.
 */
export default async function proxy(req: NextRequest) {
  const token = await getToken({ req, secret: env().auth.secret });
  if (token) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/sign-in";
  url.search = "";
  const back = req.nextUrl.pathname + req.nextUrl.search;
  if (back !== "/") url.searchParams.set("callbackUrl", back);
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/((?!api/|_next/|favicon.ico|sign-in).*)"],
};
