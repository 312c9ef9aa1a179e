"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { checkConsentAction } from "./actions";

const FIRST_DELAY_MS = 1000;
const GROWTH = 1.5;

/**
 * Keeps the consent page true without a reload: asks the server (a server action) whether
 * anything changed, and re-renders the page when it did. Backoff: 1 s, growing ×1.5 to a cap
 * (10 s while waiting for the patient or for data, 20 s once granted), back to 1 s after every
 * change; paused while the tab is hidden; stops when the consent is final.
 */
export function LiveUpdates({ consentId, version, live, settled }: { consentId: string; version: string; live: boolean; settled: boolean }) {
  const router = useRouter();
  const [state, setState] = useState<"watching" | "offline" | "stopped">(live ? "watching" : "stopped");
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);
  const versionRef = useRef(version);
  const delayRef = useRef(FIRST_DELAY_MS);

  useEffect(() => {
    // A new version came from the server render: start quick again.
    versionRef.current = version;
    delayRef.current = FIRST_DELAY_MS;
  }, [version]);

  useEffect(() => {
    if (!live) return;
    const cap = settled ? 20_000 : 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;

    const schedule = () => {
      if (cancelled) return;
      timer = setTimeout(tick, delayRef.current);
    };
    const tick = async () => {
      if (document.hidden) return; // resumes on visibilitychange
      try {
        const r = await checkConsentAction(consentId, versionRef.current);
        if (cancelled) return;
        setCheckedAt(new Date());
        setState(r.live ? "watching" : "stopped");
        if (r.changed) {
          versionRef.current = r.version;
          delayRef.current = FIRST_DELAY_MS;
          router.refresh();
        } else {
          delayRef.current = Math.min(cap, Math.round(delayRef.current * GROWTH));
        }
        if (r.live || r.changed) schedule();
      } catch {
        if (cancelled) return;
        setState("offline");
        delayRef.current = Math.min(cap, Math.round(delayRef.current * GROWTH));
        schedule();
      }
    };
    const onVisible = () => {
      if (!document.hidden) {
        clearTimeout(timer);
        delayRef.current = FIRST_DELAY_MS;
        void tick();
      }
    };
    schedule();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [consentId, live, settled, router]);

  if (!live) return null;
  const time = checkedAt?.toLocaleTimeString("en-IN", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Asia/Kolkata" });
  return (
    <p className="inline-flex items-center gap-2 text-xs text-slate-600">
      <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${state === "offline" ? "bg-amber-500" : "animate-pulse bg-emerald-600"}`} />
      {state === "offline"
        ? "Connection lost — retrying…"
        : `Updates automatically${time ? ` · checked ${time}` : ""}`}
    </p>
  );
}
