import "server-only";
import { and, eq, or } from "drizzle-orm";
import type { NextAuthOptions, User as NextAuthUser } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db";
import { users } from "@/db/schema";
import { audit } from "@/lib/audit";
import { env } from "@/lib/env";
import { verifyPassword } from "./password";
import { clearFailures, recordFailure, throttleCheck, throttleKeys } from "./throttle";

/** Error codes the sign-in form turns into sentences (next-auth passes `error` through). */
export const SIGN_IN_ERRORS = {
  invalid: "invalid",
  disabled: "disabled",
  throttled: "throttled",
  sso_unknown: "sso_unknown",
} as const;

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(1024),
});

function clientIp(headers: Record<string, unknown> | undefined): string | null {
  const fwd = headers?.["x-forwarded-for"];
  const value = Array.isArray(fwd) ? fwd[0] : fwd;
  return typeof value === "string" && value ? value.split(",")[0].trim() : null;
}

async function authorizeCredentials(
  raw: Record<string, string> | undefined,
  headers: Record<string, unknown> | undefined,
): Promise<NextAuthUser> {
  const parsed = credentialsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(SIGN_IN_ERRORS.invalid);
  const { email, password } = parsed.data;
  const ip = clientIp(headers);
  const keys = throttleKeys(email, ip);
  const gate = await throttleCheck(keys);
  if (gate.blocked) throw new Error(`${SIGN_IN_ERRORS.throttled}:${gate.retryAfterSeconds}`);

  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!ok || !user) {
    await recordFailure(keys);
    await audit("system", { action: "auth.sign_in_failed", targetType: "user", targetId: user?.id, details: { email } });
    throw new Error(SIGN_IN_ERRORS.invalid);
  }
  if (user.status !== "active") {
    await audit("system", { action: "auth.sign_in_refused_disabled", targetType: "user", targetId: user.id });
    throw new Error(SIGN_IN_ERRORS.disabled);
  }
  await clearFailures(keys[0]);
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
  await audit(
    { id: user.id, email: user.email, name: user.name, role: user.role, registrationNumber: null, registrationSystem: null },
    { action: "auth.sign_in", targetType: "user", targetId: user.id },
  );
  return { id: user.id, email: user.email, name: user.name };
}

function buildOptions(): NextAuthOptions {
  const cfg = env();
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: (credentials, req) => authorizeCredentials(credentials, req?.headers),
    }),
  ];
  const oidc = cfg.auth.oidc;
  if (oidc) {
    providers.push({
      id: "oidc",
      name: oidc.name,
      type: "oauth",
      wellKnown: `${oidc.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      idToken: true,
      checks: ["pkce", "state"],
      authorization: { params: { scope: "openid email profile" } },
      profile: (p: { sub: string; email?: string; name?: string }) => ({ id: p.sub, email: p.email ?? null, name: p.name ?? null }),
    });
  }

  return {
    secret: cfg.auth.secret,
    providers,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider !== "oidc") return true;
        // SSO never creates accounts: an admin adds the person first, by email.
        const db = await getDb();
        const email = user.email?.toLowerCase() ?? "";
        const [row] = await db
          .select()
          .from(users)
          .where(or(eq(users.ssoSubject, account.providerAccountId), and(eq(users.email, email))))
          .limit(1);
        if (!row) return `/sign-in?error=${SIGN_IN_ERRORS.sso_unknown}`;
        if (row.status !== "active") return `/sign-in?error=${SIGN_IN_ERRORS.disabled}`;
        await db
          .update(users)
          .set({ ssoSubject: account.providerAccountId, lastSignInAt: new Date() })
          .where(eq(users.id, row.id));
        user.id = row.id;
        return true;
      },
      async jwt({ token, user }) {
        if (user?.id) token.uid = user.id;
        return token;
      },
      async session({ session, token }) {
        if (session.user) (session.user as { id?: string }).id = token.uid as string | undefined;
        return session;
      },
    },
    logger: {
      // next-auth logs credential errors with stack traces; keep only the code, never the input.
      error: (code) => console.error(`[auth] ${code}`),
      warn: () => {},
      debug: () => {},
    },
  };
}

let cached: NextAuthOptions | undefined;

/** Built on first use, not at import, so `next build` needs no configuration. */
export function getAuthOptions(): NextAuthOptions {
  cached ??= buildOptions();
  return cached;
}
