// next-auth's own endpoints (sign-in, callback, session, CSRF, sign-out).
import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";

type Ctx = { params: Promise<{ nextauth: string[] }> };
const handler = (req: Request, ctx: Ctx) => NextAuth(getAuthOptions())(req, ctx);

export { handler as GET, handler as POST };
