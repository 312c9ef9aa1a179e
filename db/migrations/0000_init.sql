CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"patient_id" uuid,
	"consent_request_id" uuid,
	"ip" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "care_contexts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"artefact_id" uuid NOT NULL,
	"care_context_id" text NOT NULL,
	"display" text,
	"stage" text DEFAULT 'awaiting' NOT NULL,
	"stage_reason" text,
	"received_at" timestamp with time zone,
	"stored_at" timestamp with time zone,
	"fetch_attempts" integer DEFAULT 0 NOT NULL,
	"next_fetch_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_artefacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"consent_request_id" uuid NOT NULL,
	"artefact_id" text,
	"hip_id" text NOT NULL,
	"hip_name" text,
	"status" text DEFAULT 'GRANTED' NOT NULL,
	"hi_types" text[],
	"date_from" timestamp with time zone,
	"date_to" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"purged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"patient_id" uuid NOT NULL,
	"requested_by" uuid NOT NULL,
	"requester_name" text NOT NULL,
	"requester_reg_no" text,
	"requester_reg_system" text,
	"purpose" text NOT NULL,
	"hi_types" text[] NOT NULL,
	"date_from" timestamp with time zone NOT NULL,
	"date_to" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"hip_filter" jsonb,
	"status" text DEFAULT 'INITIATING' NOT NULL,
	"raw_status" text,
	"consent_init_id" text,
	"consent_id" text,
	"error_code" text,
	"error_message" text,
	"denial_reason" text,
	"granted_hi_types" text[],
	"granted_from" timestamp with time zone,
	"granted_to" timestamp with time zone,
	"granted_expires_at" timestamp with time zone,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"poll_lease_until" timestamp with time zone,
	"next_poll_at" timestamp with time zone DEFAULT now() NOT NULL,
	"poll_attempts" integer DEFAULT 0 NOT NULL,
	"last_polled_at" timestamp with time zone,
	"last_record_at" timestamp with time zone,
	"records_viewed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"patient_id" uuid NOT NULL,
	"consent_request_id" uuid NOT NULL,
	"artefact_id" uuid,
	"hip_id" text,
	"hip_name" text,
	"care_context_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"page" integer DEFAULT 1 NOT NULL,
	"page_count" integer,
	"content_hash" text NOT NULL,
	"hi_type" text,
	"document_date" text,
	"bundle" jsonb,
	"source_checksum" text,
	"checksum_matches" boolean,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"purged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hiu_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text NOT NULL,
	"public_key_raw" text NOT NULL,
	"public_key_x509" text NOT NULL,
	"nonce" text NOT NULL,
	"private_key_sealed" text,
	"kek_version" integer NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"retired_at" timestamp with time zone,
	"destroyed_at" timestamp with time zone,
	"push_status" text DEFAULT 'pending' NOT NULL,
	"pushed_at" timestamp with time zone,
	"last_push_attempt_at" timestamp with time zone,
	"push_error" text
);
--> statement-breakpoint
CREATE TABLE "patient_access" (
	"patient_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_visited_at" timestamp with time zone,
	CONSTRAINT "patient_access_patient_id_user_id_pk" PRIMARY KEY("patient_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"abha_address" text NOT NULL,
	"abha_number" text,
	"name" text,
	"gender" text,
	"birth_date" text,
	"demographics_seen" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"demographics_conflict" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"window_started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "timeline_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"record_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"consent_request_id" uuid NOT NULL,
	"hip_id" text,
	"hip_name" text,
	"hi_type" text,
	"resource_type" text NOT NULL,
	"resource_id" text,
	"date_text" text,
	"date_sort" timestamp with time zone,
	"date_precision" text,
	"kind" text,
	"title" text NOT NULL,
	"summary" text,
	"value" text,
	"abnormal" boolean DEFAULT false NOT NULL,
	"codes" jsonb,
	"section" text,
	"attachment" jsonb,
	"detail" jsonb,
	"search_text" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"password_hash" text,
	"sso_subject" text,
	"registration_number" text,
	"registration_system" text,
	"last_sign_in_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_inbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"delivery_id" text NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"headers" jsonb,
	"body_sealed" text NOT NULL,
	"body_bytes" integer NOT NULL,
	"signature_ok" boolean NOT NULL,
	"consent_id" text,
	"transaction_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"outcome" jsonb,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "care_contexts" ADD CONSTRAINT "care_contexts_artefact_id_consent_artefacts_id_fk" FOREIGN KEY ("artefact_id") REFERENCES "public"."consent_artefacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_artefacts" ADD CONSTRAINT "consent_artefacts_consent_request_id_consent_requests_id_fk" FOREIGN KEY ("consent_request_id") REFERENCES "public"."consent_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_requests" ADD CONSTRAINT "consent_requests_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_requests" ADD CONSTRAINT "consent_requests_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_records" ADD CONSTRAINT "health_records_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_records" ADD CONSTRAINT "health_records_consent_request_id_consent_requests_id_fk" FOREIGN KEY ("consent_request_id") REFERENCES "public"."consent_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_records" ADD CONSTRAINT "health_records_artefact_id_consent_artefacts_id_fk" FOREIGN KEY ("artefact_id") REFERENCES "public"."consent_artefacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_access" ADD CONSTRAINT "patient_access_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_access" ADD CONSTRAINT "patient_access_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeline_items" ADD CONSTRAINT "timeline_items_record_id_health_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."health_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeline_items" ADD CONSTRAINT "timeline_items_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "care_contexts_artefact_cc_key" ON "care_contexts" USING btree ("artefact_id","care_context_id");--> statement-breakpoint
CREATE UNIQUE INDEX "consent_artefacts_request_hip_key" ON "consent_artefacts" USING btree ("consent_request_id","hip_id");--> statement-breakpoint
CREATE UNIQUE INDEX "consent_requests_init_id_key" ON "consent_requests" USING btree ("consent_init_id");--> statement-breakpoint
CREATE INDEX "consent_requests_consent_id_idx" ON "consent_requests" USING btree ("consent_id");--> statement-breakpoint
CREATE INDEX "consent_requests_patient_idx" ON "consent_requests" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "consent_requests_status_idx" ON "consent_requests" USING btree ("status","next_poll_at");--> statement-breakpoint
CREATE UNIQUE INDEX "health_records_idem_key" ON "health_records" USING btree ("transaction_id","care_context_id","page","content_hash");--> statement-breakpoint
CREATE INDEX "health_records_patient_idx" ON "health_records" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "health_records_artefact_idx" ON "health_records" USING btree ("artefact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "hiu_keys_one_active" ON "hiu_keys" USING btree ("status") WHERE "hiu_keys"."status" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "patients_abha_address_key" ON "patients" USING btree ("abha_address");--> statement-breakpoint
CREATE INDEX "timeline_items_patient_date_idx" ON "timeline_items" USING btree ("patient_id","date_sort" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "timeline_items_record_idx" ON "timeline_items" USING btree ("record_id");--> statement-breakpoint
CREATE INDEX "timeline_items_search_idx" ON "timeline_items" USING gin (to_tsvector('simple', "search_text"));--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "users_sso_subject_key" ON "users" USING btree ("sso_subject");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_inbox_delivery_key" ON "webhook_inbox" USING btree ("delivery_id");--> statement-breakpoint
CREATE INDEX "webhook_inbox_status_idx" ON "webhook_inbox" USING btree ("status","next_attempt_at");