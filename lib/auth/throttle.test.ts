import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/tests/helpers/db";
import { clearFailures, recordFailure, throttleCheck, throttleKeys } from "./throttle";

setupTestDb();

describe("sign-in throttling", () => {
  it("blocks an account after 5 failures in the window, and the delay grows", async () => {
    const keys = throttleKeys("slow@h.in", null);
    const t0 = new Date("2026-01-01T10:00:00Z");
    for (let i = 0; i < 4; i++) await recordFailure(keys, t0);
    expect((await throttleCheck(keys, t0)).blocked).toBe(false);
    await recordFailure(keys, t0);
    const first = await throttleCheck(keys, t0);
    expect(first.blocked).toBe(true);
    expect(first.retryAfterSeconds).toBe(15);
    await recordFailure(keys, t0);
    expect((await throttleCheck(keys, t0)).retryAfterSeconds).toBe(30);
    expect((await throttleCheck(keys, new Date(t0.getTime() + 31_000))).blocked).toBe(false);
  });

  it("counts per IP too: spraying many accounts from one address is slowed", async () => {
    const t0 = new Date("2026-01-02T10:00:00Z");
    for (let i = 0; i < 5; i++) await recordFailure(throttleKeys(`user${i}@h.in`, "203.0.113.9"), t0);
    expect((await throttleCheck(throttleKeys("fresh@h.in", "203.0.113.9"), t0)).blocked).toBe(true);
    expect((await throttleCheck(throttleKeys("fresh@h.in", "198.51.100.1"), t0)).blocked).toBe(false);
  });

  it("a new window starts the count again, and success clears the account", async () => {
    const keys = throttleKeys("window@h.in", null);
    const t0 = new Date("2026-01-03T10:00:00Z");
    for (let i = 0; i < 4; i++) await recordFailure(keys, t0);
    const later = new Date(t0.getTime() + 16 * 60_000);
    await recordFailure(keys, later);
    expect((await throttleCheck(keys, later)).blocked).toBe(false);
    await clearFailures(keys[0]);
    expect((await throttleCheck(keys, later)).blocked).toBe(false);
  });
});
