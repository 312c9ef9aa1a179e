DROP INDEX "timeline_items_search_idx";--> statement-breakpoint
ALTER TABLE "timeline_items" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;--> statement-breakpoint
CREATE INDEX "timeline_items_search_idx" ON "timeline_items" USING gin ("search_vector");