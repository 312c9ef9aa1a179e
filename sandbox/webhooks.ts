/**
 * Webhook delivery to the portal, as EKA does it (eka-api.md §4): signed POSTs, at-least-once.
 *
 * - Envelope §4.3; `transaction_id` is the delivery id: unique per delivery, identical on every
 *   retry and on the duplicate copy (so the portal can deduplicate on it).
 * - `Eka-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(key as UTF-8, "<t>.<raw body>")>` (§4.2),
 *   computed per attempt over the exact bytes sent.
 * - Retries with exponential backoff (+ jitter) on non-2xx, network error or timeout, bounded by
 *   maxAttempts. EKA publishes no policy; this is the conservative reading.
 * - One delivery at a time, oldest first (newest first with the "reorder" fault).
 */
import { createHmac, randomUUID } from "node:crypto";
import type { SandboxSettings } from "./config";
import type { Faults } from "./faults";
import type { Delivery, Store } from "./state";

export function signatureHeader(key: string, rawBody: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac("sha256", Buffer.from(key, "utf8")).update(`${unixSeconds}.${rawBody}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

export interface EnqueueInput {
  event: string;
  service: "abha" | "abdm";
  data: unknown;
  meta?: Delivery["meta"];
  /** Unix seconds of the event (defaults to now). */
  eventTime?: number;
}

export class WebhookQueue {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private rerun = false;
  private stopped = false;
  private inflight: AbortController | undefined;

  constructor(
    private readonly store: Store,
    private readonly settings: () => SandboxSettings,
    private readonly faults: () => Faults,
    private readonly identity: { clientId: string; businessId: string; signingKey: string },
    private readonly log: (line: string) => void = () => {},
  ) {}

  enqueue(input: EnqueueInput): Delivery {
    const now = Date.now();
    const id = randomUUID();
    const envelope = {
      service: input.service,
      event: input.event,
      event_time: input.eventTime ?? Math.floor(now / 1000),
      timestamp: Math.floor(now / 1000),
      transaction_id: id,
      business_id: this.identity.businessId,
      client_id: this.identity.clientId,
      data: input.data,
    };
    this.store.writeOutbox(id, JSON.stringify(envelope));
    const faults = this.faults();
    const d: Delivery = {
      id,
      event: input.event,
      createdAt: new Date(now).toISOString(),
      status: "pending",
      attempts: 0,
      copiesLeft: faults.duplicate ? 2 : 1,
      copiesSent: 0,
      nextAttemptAt: now + faults.delayMs,
      meta: input.meta ?? {},
      history: [],
    };
    this.store.state.deliveries.push(d);
    this.store.save();
    // Not synchronously: events enqueued in the same tick are delivered as one batch, which is
    // what lets the "reorder" fault put a data push before its consent_update.
    this.kick(0);
    return d;
  }

  start(): void {
    this.stopped = false;
    this.kick(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.inflight?.abort();
    for (let i = 0; i < 100 && this.running; i++) await new Promise((r) => setTimeout(r, 10));
  }

  /** No delivery pending and none in flight. */
  isIdle(): boolean {
    return !this.running && !this.store.state.deliveries.some((d) => d.status === "pending");
  }

  kick(delayMs = 0): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      for (;;) {
        if (this.stopped) return;
        const now = Date.now();
        const due = this.store.state.deliveries.filter((d) => d.status === "pending" && d.nextAttemptAt <= now);
        if (due.length === 0) break;
        const pick = this.faults().reorder ? due[due.length - 1] : due[0];
        await this.attempt(pick);
      }
    } finally {
      this.running = false;
    }
    const pending = this.store.state.deliveries.filter((d) => d.status === "pending");
    if (pending.length) this.kick(Math.min(...pending.map((d) => d.nextAttemptAt)) - Date.now());
    else if (this.rerun) this.kick(0);
    this.rerun = false;
  }

  private async attempt(d: Delivery): Promise<void> {
    const settings = this.settings();
    const faults = this.faults();
    const body = this.store.readOutbox(d.id);
    if (body === undefined) {
      d.status = "failed";
      d.lastError = "body missing from the outbox";
      this.store.save();
      return;
    }
    const key = faults.wrongSignature ? `${this.identity.signingKey}-not-the-shared-key` : this.identity.signingKey;
    const started = Date.now();
    const copy = d.copiesSent + 1;
    let status: number | undefined;
    let error: string | undefined;
    this.inflight = new AbortController();
    const timeout = AbortSignal.timeout(settings.webhook.timeoutMs);
    try {
      const res = await fetch(settings.webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "eka-webhook-signature": signatureHeader(key, body),
          "user-agent": "eka-sandbox-webhooks/1",
        },
        body,
        redirect: "manual",
        signal: AbortSignal.any([this.inflight.signal, timeout]),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = timeout.aborted ? `timeout after ${settings.webhook.timeoutMs} ms` : describeNetworkError(e);
    } finally {
      this.inflight = undefined;
    }
    if (this.stopped && error) return; // aborted by stop(): stays pending for the next start

    d.attempts++;
    d.history.push({ at: new Date(started).toISOString(), status, error, durationMs: Date.now() - started, copy });
    if (d.history.length > 50) d.history.splice(0, d.history.length - 50);
    const ok = status !== undefined && status >= 200 && status < 300;
    if (ok) {
      d.copiesSent++;
      d.copiesLeft--;
      d.lastError = undefined;
      if (d.copiesLeft > 0) {
        d.nextAttemptAt = Date.now();
      } else {
        d.status = "delivered";
        d.deliveredAt = new Date().toISOString();
        this.store.dropOutbox(d.id);
      }
      this.log(`webhook ${d.event} ${d.id} → ${status}`);
    } else {
      d.lastError = error ?? `HTTP ${status}`;
      const failures = d.history.filter((h) => h.copy === copy && !(h.status && h.status >= 200 && h.status < 300)).length;
      if (faults.noRetry || failures >= settings.webhook.maxAttempts) {
        d.status = "failed";
        this.store.dropOutbox(d.id);
        this.log(`webhook ${d.event} ${d.id} gave up after ${failures} attempt(s): ${d.lastError}`);
      } else {
        const step = Math.min(settings.webhook.maxBackoffMs, settings.webhook.backoffMs * 2 ** (failures - 1));
        d.nextAttemptAt = Date.now() + Math.round(step * (0.8 + Math.random() * 0.4));
        this.log(`webhook ${d.event} ${d.id} attempt ${failures} failed (${d.lastError}); retrying`);
      }
    }
    this.store.save();
  }
}

function describeNetworkError(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === "object"; i++) {
    const c = cur as { code?: unknown; cause?: unknown; message?: unknown };
    if (typeof c.code === "string") return `network error (${c.code})`;
    cur = c.cause;
  }
  return "network error";
}
