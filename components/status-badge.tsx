import type { CareContextStage, ConsentStatus } from "@/db/schema";
import { STAGE_INFO, STAGE_ORDER, STATUS_INFO } from "@/lib/consents/labels";

/**
 * Consent status as text + icon (never colour alone). The colour only repeats what the words say;
 * the icon is decorative (aria-hidden) so screen readers hear the label once.
 */
const TONE: Record<(typeof STATUS_INFO)[ConsentStatus]["tone"], string> = {
  pending: "border-amber-300 bg-amber-50 text-amber-900",
  ok: "border-emerald-300 bg-emerald-50 text-emerald-900",
  bad: "border-red-300 bg-red-50 text-red-900",
  ended: "border-slate-300 bg-slate-100 text-slate-800",
  unknown: "border-violet-300 bg-violet-50 text-violet-900",
};

export function StatusBadge({
  status,
  rawStatus,
  size = "sm",
}: {
  status: ConsentStatus;
  /** A status string EKA sent that we do not know: shown beside the known one. */
  rawStatus?: string | null;
  size?: "sm" | "lg";
}) {
  const info = STATUS_INFO[status] ?? STATUS_INFO.UNKNOWN;
  const pad = size === "lg" ? "px-3 py-1 text-base" : "px-2 py-0.5 text-xs";
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <span className={`inline-flex items-center gap-1 rounded-full border font-medium whitespace-nowrap ${pad} ${TONE[info.tone]}`} title={info.hint}>
        <span aria-hidden="true">{info.icon}</span>
        <span>{info.label}</span>
      </span>
      {rawStatus && (
        <span className={`inline-flex items-center gap-1 rounded-full border font-medium whitespace-nowrap ${pad} ${TONE.unknown}`}>
          <span aria-hidden="true">?</span>
          EKA says “{rawStatus}”
        </span>
      )}
    </span>
  );
}

const STAGE_TONE: Record<CareContextStage, string> = {
  awaiting: "text-amber-900",
  received: "text-sky-900",
  decrypted: "text-sky-900",
  stored: "text-emerald-900",
  failed: "text-red-800",
  purged: "text-slate-700",
};

/** A care context's data stage: the step reached, as words and a step counter. */
export function StageBadge({ stage }: { stage: CareContextStage }) {
  const info = STAGE_INFO[stage] ?? { label: stage, icon: "?", step: -1 };
  return (
    <span className={`inline-flex items-center gap-1 text-sm font-medium whitespace-nowrap ${STAGE_TONE[stage] ?? ""}`}>
      <span aria-hidden="true">{info.icon}</span>
      <span>{info.label}</span>
      {info.step >= 0 && (
        <span className="font-normal text-slate-600">
          {" "}
          (step {info.step + 1} of {STAGE_ORDER.length})
        </span>
      )}
    </span>
  );
}

/** awaiting → received → decrypted → stored, the reached steps filled. Decorative: StageBadge carries the words. */
export function StageTrack({ stage }: { stage: CareContextStage }) {
  const reached = STAGE_INFO[stage]?.step ?? -1;
  return (
    <ol aria-hidden="true" className="flex items-center gap-1">
      {STAGE_ORDER.map((s, i) => (
        <li
          key={s}
          className={`h-1.5 w-8 rounded-full ${
            stage === "failed" ? "bg-red-300" : stage === "purged" ? "bg-slate-200" : i <= reached ? "bg-emerald-600" : "bg-slate-200"
          }`}
        />
      ))}
    </ol>
  );
}
