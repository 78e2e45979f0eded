-- tradeperf store, schema version 3, duckdb (tests/store/old_stores)
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS "trades" (
  "trade_id" VARCHAR NOT NULL,
  "strategy" VARCHAR NOT NULL,
  "symbol" VARCHAR NOT NULL,
  "side" VARCHAR NOT NULL,
  "status" VARCHAR NOT NULL,
  "entry_time" TIMESTAMPTZ,
  "exit_time" TIMESTAMPTZ,
  "quantity" DECIMAL(38,18),
  "entry_price" DECIMAL(38,18),
  "exit_price" DECIMAL(38,18),
  "fees" DECIMAL(38,18) NOT NULL,
  "gross_pnl" DECIMAL(38,18),
  "net_pnl" DECIMAL(38,18),
  "return_pct" DOUBLE,
  "risk_reward" DOUBLE,
  "signal_id" VARCHAR,
  "exit_reason" VARCHAR,
  "currency" VARCHAR,
  "tags" VARCHAR[],
  "news_event_ids" VARCHAR[],
  "sentiment_json" VARCHAR,
  "metadata_json" VARCHAR,
  "source" VARCHAR,
  "source_line" BIGINT,
  PRIMARY KEY ("trade_id")
);
CREATE TABLE IF NOT EXISTS "quarantine" (
  "source" VARCHAR NOT NULL,
  "line" BIGINT,
  "field" VARCHAR,
  "reason" VARCHAR NOT NULL,
  "raw" VARCHAR,
  "ingested_at" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "sources" (
  "path" VARCHAR NOT NULL,
  "size" BIGINT NOT NULL,
  "mtime_ns" BIGINT NOT NULL,
  "checksum" VARCHAR NOT NULL,
  "prefix_checksum" VARCHAR NOT NULL,
  "end_offset" BIGINT NOT NULL,
  "format" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "rows" BIGINT NOT NULL,
  "rejected" BIGINT NOT NULL,
  "unreadable" BOOLEAN NOT NULL,
  "ingested_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("path")
);
CREATE TABLE IF NOT EXISTS "daily_partials" (
  "timezone" VARCHAR NOT NULL,
  "day" DATE NOT NULL,
  "strategy" VARCHAR NOT NULL,
  "symbol" VARCHAR NOT NULL,
  "trades" BIGINT NOT NULL,
  "wins" BIGINT NOT NULL,
  "losses" BIGINT NOT NULL,
  "breakevens" BIGINT NOT NULL,
  "net_pnl" DECIMAL(38,18),
  "gross_pnl" DECIMAL(38,18),
  "fees" DECIMAL(38,18),
  "win_sum" DECIMAL(38,18),
  "loss_sum" DECIMAL(38,18),
  "net_sq_sum" DOUBLE NOT NULL,
  "max_win" DECIMAL(38,18),
  "min_loss" DECIMAL(38,18),
  "holding_us_sum" BIGINT NOT NULL,
  "holding_count" BIGINT NOT NULL,
  "first_exit" TIMESTAMPTZ NOT NULL,
  "last_exit" TIMESTAMPTZ NOT NULL,
  "lead_win" BIGINT NOT NULL,
  "trail_win" BIGINT NOT NULL,
  "best_win_run" BIGINT NOT NULL,
  "lead_loss" BIGINT NOT NULL,
  "trail_loss" BIGINT NOT NULL,
  "best_loss_run" BIGINT NOT NULL,
  "max_prefix" DECIMAL(38,18),
  "min_prefix" DECIMAL(38,18),
  "max_drawdown" DECIMAL(38,18),
  PRIMARY KEY ("timezone", "day", "strategy", "symbol")
);
CREATE TABLE IF NOT EXISTS partial_timezones (timezone VARCHAR PRIMARY KEY, built_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS "fills" (
  "fill_id" VARCHAR NOT NULL,
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" VARCHAR NOT NULL,
  "venue" VARCHAR,
  "strategy" VARCHAR NOT NULL,
  "symbol" VARCHAR NOT NULL,
  "side" VARCHAR NOT NULL,
  "quantity" DECIMAL(38,18) NOT NULL,
  "price" DECIMAL(38,18) NOT NULL,
  "fee" DECIMAL(38,18) NOT NULL,
  "fee_currency" VARCHAR,
  "liquidity" VARCHAR,
  "order_id" VARCHAR,
  "multiplier" DECIMAL(38,18) NOT NULL,
  "currency" VARCHAR,
  "tags" VARCHAR[],
  "source" VARCHAR,
  "source_line" BIGINT,
  PRIMARY KEY ("fill_id")
);
CREATE TABLE IF NOT EXISTS "marks" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "symbol" VARCHAR NOT NULL,
  "price" DECIMAL(38,18) NOT NULL,
  "source" VARCHAR,
  "source_line" BIGINT,
  PRIMARY KEY ("symbol", "timestamp")
);
CREATE TABLE IF NOT EXISTS "funding" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" VARCHAR NOT NULL,
  "symbol" VARCHAR NOT NULL,
  "amount" DECIMAL(38,18) NOT NULL,
  "currency" VARCHAR,
  "source" VARCHAR NOT NULL,
  "source_line" BIGINT NOT NULL,
  PRIMARY KEY ("source", "source_line")
);
CREATE TABLE IF NOT EXISTS "cash_flows" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" VARCHAR NOT NULL,
  "amount" DECIMAL(38,18) NOT NULL,
  "currency" VARCHAR,
  "source" VARCHAR NOT NULL,
  "source_line" BIGINT NOT NULL,
  PRIMARY KEY ("source", "source_line")
);
CREATE TABLE IF NOT EXISTS "alert_history" (
  "alert_id" VARCHAR NOT NULL,
  "rule" VARCHAR NOT NULL,
  "figure" VARCHAR NOT NULL,
  "severity" VARCHAR NOT NULL,
  "fired_at" TIMESTAMPTZ NOT NULL,
  "message" VARCHAR NOT NULL,
  "window" VARCHAR,
  "strategy" VARCHAR,
  "symbol" VARCHAR,
  "value" DOUBLE,
  "threshold" DOUBLE,
  PRIMARY KEY ("alert_id")
);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', '*', '*', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', '*', 'BTC-USD', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', 'trend', '*', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', 'trend', 'BTC-USD', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', '*', '*', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', '*', 'ETH-USD', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', 'revert', '*', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', 'revert', 'ETH-USD', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f1', TIMESTAMPTZ '2024-05-01T09:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'BUY', 2.000000000000000000, 60000.000000000000000000, 6.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, []::VARCHAR[], '/data/old/fills.csv', 2);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f2', TIMESTAMPTZ '2024-05-01T15:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'SELL', 1.000000000000000000, 61000.000000000000000000, 3.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, []::VARCHAR[], '/data/old/fills.csv', 3);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f3', TIMESTAMPTZ '2024-05-02T10:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'SELL', 1.000000000000000000, 59500.000000000000000000, 3.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, []::VARCHAR[], '/data/old/fills.csv', 4);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f4', TIMESTAMPTZ '2024-05-03T10:00:00+00:00', 'default', 'kraken', 'mm', 'ETH-USD', 'SELL', 10.000000000000000000, 3000.000000000000000000, 1.500000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, []::VARCHAR[], '/data/old/fills.csv', 5);
INSERT INTO "marks" ("timestamp", "symbol", "price", "source", "source_line") VALUES (TIMESTAMPTZ '2024-05-01T20:00:00+00:00', 'BTC-USD', 60500.000000000000000000, '/data/old/marks.csv', 3);
INSERT INTO "marks" ("timestamp", "symbol", "price", "source", "source_line") VALUES (TIMESTAMPTZ '2024-05-03T20:00:00+00:00', 'ETH-USD', 2950.000000000000000000, '/data/old/marks.csv', 2);
INSERT INTO "partial_timezones" ("timezone", "built_at") VALUES ('UTC', TIMESTAMPTZ '2026-12-02T01:08:16.066680+00:00');
INSERT INTO "quarantine" ("source", "line", "field", "reason", "raw", "ingested_at") VALUES ('/data/old/logs/2024-05-01.jsonl', 3, NULL, 'malformed JSON (Expecting '','' delimiter at column 39)', '{"trade_id": "b1", "net_pnl": "twelve"', TIMESTAMPTZ '2026-12-02T01:08:16.234354+00:00');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at") VALUES ('/data/old/fills.csv', 299, 1796173695967732158, 'a68a88e40b765bd641475a0cb849e7e60485032dfae639d29cfcf34ddd2d222c', 'fp1:e194f8e4ba8f5fd325b9218df120a4375f5408c52e4c18bb357e69bff5bc84b6', 299, 'csv', 'fills', 4, 0, FALSE, TIMESTAMPTZ '2026-12-02T01:08:16.157758+00:00');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at") VALUES ('/data/old/logs/2024-05-01.jsonl', 586, 1796173695967665308, 'cac193f146f3b40df53e9666811e4b07a5452e899f2952882538292681ddbfd3', 'fp1:e63ad8d04af4f8149acb3d28c8430b0f85484b3ba244f0415135db7f3438616a', 586, 'jsonl', 'trades', 2, 1, FALSE, TIMESTAMPTZ '2026-12-02T01:08:16.121007+00:00');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at") VALUES ('/data/old/marks.csv', 92, 1796173695967764083, '47656e7b86325af6509339c8e982f4eb12fa26b48deecdc5c967926331d8882b', 'fp1:fbab9c04196eb45e8b0bd9e4d9a8b8e99fe67b99a27c8d1a4994a9337974fcfc', 92, 'csv', 'marks', 2, 0, FALSE, TIMESTAMPTZ '2026-12-02T01:08:16.161440+00:00');
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a1', 'trend', 'BTC-USD', 'long', 'CLOSED', TIMESTAMPTZ '2024-05-01T08:00:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 0.100000000000000000, 60000.000000000000000000, 60300.000000000000000000, 1.200000000000000000, 30.000000000000000000, 28.800000000000000000, NULL, NULL, NULL, NULL, NULL, []::VARCHAR[], []::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 1);
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a2', 'revert', 'ETH-USD', 'short', 'CLOSED', TIMESTAMPTZ '2024-05-02T08:00:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 1.000000000000000000, 3000.000000000000000000, 3030.000000000000000000, 0.600000000000000000, -30.000000000000000000, -30.600000000000000000, NULL, NULL, NULL, NULL, NULL, []::VARCHAR[], []::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 2);
INSERT INTO schema_version VALUES (1);
INSERT INTO schema_version VALUES (2);
INSERT INTO schema_version VALUES (3);
