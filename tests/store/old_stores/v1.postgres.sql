-- tradeperf store, schema version 1, postgres (tests/store/old_stores)
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS "trades" (
  "trade_id" TEXT NOT NULL,
  "strategy" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "side" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "entry_time" TIMESTAMPTZ,
  "exit_time" TIMESTAMPTZ,
  "quantity" NUMERIC(38,18),
  "entry_price" NUMERIC(38,18),
  "exit_price" NUMERIC(38,18),
  "fees" NUMERIC(38,18) NOT NULL,
  "gross_pnl" NUMERIC(38,18),
  "net_pnl" NUMERIC(38,18),
  "return_pct" DOUBLE PRECISION,
  "risk_reward" DOUBLE PRECISION,
  "signal_id" TEXT,
  "exit_reason" TEXT,
  "currency" TEXT,
  "tags" TEXT[],
  "news_event_ids" TEXT[],
  "sentiment_json" TEXT,
  "metadata_json" TEXT,
  "source" TEXT,
  "source_line" BIGINT,
  PRIMARY KEY ("trade_id")
);
CREATE TABLE IF NOT EXISTS "quarantine" (
  "source" TEXT NOT NULL,
  "line" BIGINT,
  "field" TEXT,
  "reason" TEXT NOT NULL,
  "raw" TEXT,
  "ingested_at" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "sources" (
  "path" TEXT NOT NULL,
  "size" BIGINT NOT NULL,
  "mtime_ns" BIGINT NOT NULL,
  "checksum" TEXT NOT NULL,
  "prefix_checksum" TEXT NOT NULL,
  "end_offset" BIGINT NOT NULL,
  "format" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "rows" BIGINT NOT NULL,
  "rejected" BIGINT NOT NULL,
  "unreadable" BOOLEAN NOT NULL,
  "ingested_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("path")
);
INSERT INTO "quarantine" ("source", "line", "field", "reason", "raw", "ingested_at") VALUES ('/data/old/logs/2024-05-01.jsonl', 3, NULL, 'malformed JSON (Expecting '','' delimiter at column 39)', '{"trade_id": "b1", "net_pnl": "twelve"', TIMESTAMPTZ '2026-12-01T18:34:00.728580+00:00');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at") VALUES ('/data/old/logs/2024-05-01.jsonl', 586, 1796150040610960097, 'cac193f146f3b40df53e9666811e4b07a5452e899f2952882538292681ddbfd3', 'fp1:e63ad8d04af4f8149acb3d28c8430b0f85484b3ba244f0415135db7f3438616a', 586, 'jsonl', 'trades', 2, 1, FALSE, TIMESTAMPTZ '2026-12-01T18:34:00.702518+00:00');
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a1', 'trend', 'BTC-USD', 'long', 'CLOSED', TIMESTAMPTZ '2024-05-01T08:00:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 0.100000000000000000, 60000.000000000000000000, 60300.000000000000000000, 1.200000000000000000, 30.000000000000000000, 28.800000000000000000, NULL, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 1);
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a2', 'revert', 'ETH-USD', 'short', 'CLOSED', TIMESTAMPTZ '2024-05-02T08:00:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 1.000000000000000000, 3000.000000000000000000, 3030.000000000000000000, 0.600000000000000000, -30.000000000000000000, -30.600000000000000000, NULL, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 2);
INSERT INTO schema_version VALUES (1);
