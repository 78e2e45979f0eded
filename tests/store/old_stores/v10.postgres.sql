-- tradeperf store, schema version 10, postgres (tests/store/old_stores)
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
CREATE INDEX IF NOT EXISTS trades_exit_time ON trades (exit_time);
CREATE INDEX IF NOT EXISTS trades_source ON trades (source);
CREATE INDEX IF NOT EXISTS quarantine_source ON quarantine (source, line);
CREATE TABLE IF NOT EXISTS "daily_partials" (
  "timezone" TEXT NOT NULL,
  "day" DATE NOT NULL,
  "strategy" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "trades" BIGINT NOT NULL,
  "wins" BIGINT NOT NULL,
  "losses" BIGINT NOT NULL,
  "breakevens" BIGINT NOT NULL,
  "net_pnl" NUMERIC(38,18),
  "gross_pnl" NUMERIC(38,18),
  "fees" NUMERIC(38,18),
  "win_sum" NUMERIC(38,18),
  "loss_sum" NUMERIC(38,18),
  "net_sq_sum" DOUBLE PRECISION NOT NULL,
  "max_win" NUMERIC(38,18),
  "min_loss" NUMERIC(38,18),
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
  "max_prefix" NUMERIC(38,18),
  "min_prefix" NUMERIC(38,18),
  "max_drawdown" NUMERIC(38,18),
  PRIMARY KEY ("timezone", "day", "strategy", "symbol")
);
CREATE TABLE IF NOT EXISTS partial_timezones (timezone VARCHAR PRIMARY KEY, built_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS "fills" (
  "fill_id" TEXT NOT NULL,
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" TEXT NOT NULL,
  "venue" TEXT,
  "strategy" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "side" TEXT NOT NULL,
  "quantity" NUMERIC(38,18) NOT NULL,
  "price" NUMERIC(38,18) NOT NULL,
  "fee" NUMERIC(38,18) NOT NULL,
  "fee_currency" TEXT,
  "liquidity" TEXT,
  "order_id" TEXT,
  "multiplier" NUMERIC(38,18) NOT NULL,
  "currency" TEXT,
  "tags" TEXT[],
  "source" TEXT,
  "source_line" BIGINT,
  PRIMARY KEY ("fill_id")
);
CREATE TABLE IF NOT EXISTS "marks" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "symbol" TEXT NOT NULL,
  "price" NUMERIC(38,18) NOT NULL,
  "source" TEXT,
  "source_line" BIGINT,
  PRIMARY KEY ("symbol", "timestamp")
);
CREATE TABLE IF NOT EXISTS "funding" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "amount" NUMERIC(38,18) NOT NULL,
  "currency" TEXT,
  "source" TEXT NOT NULL,
  "source_line" BIGINT NOT NULL,
  PRIMARY KEY ("source", "source_line")
);
CREATE TABLE IF NOT EXISTS "cash_flows" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" TEXT NOT NULL,
  "amount" NUMERIC(38,18) NOT NULL,
  "currency" TEXT,
  "source" TEXT NOT NULL,
  "source_line" BIGINT NOT NULL,
  PRIMARY KEY ("source", "source_line")
);
CREATE TABLE IF NOT EXISTS "alert_history" (
  "alert_id" TEXT NOT NULL,
  "rule" TEXT NOT NULL,
  "figure" TEXT NOT NULL,
  "severity" TEXT NOT NULL,
  "fired_at" TIMESTAMPTZ NOT NULL,
  "message" TEXT NOT NULL,
  "window" TEXT,
  "strategy" TEXT,
  "symbol" TEXT,
  "value" DOUBLE PRECISION,
  "threshold" DOUBLE PRECISION,
  PRIMARY KEY ("alert_id")
);
ALTER TABLE sources ADD COLUMN digest_state VARCHAR NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN end_line BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN options VARCHAR NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS "conflicts_trades" (
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
  "source_line" BIGINT
);
CREATE TABLE IF NOT EXISTS "conflicts_fills" (
  "fill_id" TEXT NOT NULL,
  "timestamp" TIMESTAMPTZ NOT NULL,
  "account" TEXT NOT NULL,
  "venue" TEXT,
  "strategy" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "side" TEXT NOT NULL,
  "quantity" NUMERIC(38,18) NOT NULL,
  "price" NUMERIC(38,18) NOT NULL,
  "fee" NUMERIC(38,18) NOT NULL,
  "fee_currency" TEXT,
  "liquidity" TEXT,
  "order_id" TEXT,
  "multiplier" NUMERIC(38,18) NOT NULL,
  "currency" TEXT,
  "tags" TEXT[],
  "source" TEXT,
  "source_line" BIGINT
);
CREATE TABLE IF NOT EXISTS "conflicts_marks" (
  "timestamp" TIMESTAMPTZ NOT NULL,
  "symbol" TEXT NOT NULL,
  "price" NUMERIC(38,18) NOT NULL,
  "source" TEXT,
  "source_line" BIGINT
);
ALTER TABLE sources ADD COLUMN capital VARCHAR NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN currency VARCHAR NOT NULL DEFAULT '';
ALTER TABLE daily_partials ALTER COLUMN "fees" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "gross_pnl" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "loss_sum" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "max_drawdown" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "max_prefix" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "min_prefix" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "net_pnl" DROP NOT NULL;
ALTER TABLE daily_partials ALTER COLUMN "win_sum" DROP NOT NULL;
CREATE TABLE IF NOT EXISTS "fx_rates" (
  "date" DATE NOT NULL,
  "currency" TEXT NOT NULL,
  "base" TEXT NOT NULL,
  "rate" NUMERIC(38,18) NOT NULL,
  "source" TEXT,
  "source_line" BIGINT,
  PRIMARY KEY ("date", "currency", "base")
);
CREATE TABLE IF NOT EXISTS "conflicts_fx_rates" (
  "date" DATE NOT NULL,
  "currency" TEXT NOT NULL,
  "base" TEXT NOT NULL,
  "rate" NUMERIC(38,18) NOT NULL,
  "source" TEXT,
  "source_line" BIGINT
);
CREATE TABLE IF NOT EXISTS "book_trades" (
  "scope" TEXT NOT NULL,
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
  PRIMARY KEY ("scope", "trade_id")
);
CREATE TABLE IF NOT EXISTS "book_days" (
  "timezone" TEXT NOT NULL,
  "scope" TEXT NOT NULL,
  "account" TEXT NOT NULL,
  "symbol" TEXT NOT NULL,
  "day" DATE NOT NULL,
  "currency" TEXT,
  "fills" BIGINT NOT NULL,
  "realized_pnl" NUMERIC(38,18) NOT NULL,
  "fees" NUMERIC(38,18) NOT NULL,
  "funding" NUMERIC(38,18) NOT NULL,
  "open" BOOLEAN NOT NULL,
  "unmarked" BOOLEAN NOT NULL,
  "unrealized_pnl" NUMERIC(38,18) NOT NULL,
  PRIMARY KEY ("timezone", "scope", "account", "symbol", "day")
);
CREATE TABLE IF NOT EXISTS book_state (cost_basis VARCHAR NOT NULL, timezones VARCHAR NOT NULL, built_at TIMESTAMPTZ NOT NULL);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', '', 'default', 'BTC-USD', DATE '2024-05-01', NULL, 2, 1000.000000000000000000, 9.000000000000000000, 0.000000000000000000, TRUE, FALSE, 500.000000000000000000);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', '', 'default', 'BTC-USD', DATE '2024-05-02', NULL, 1, 500.000000000000000000, 12.000000000000000000, 0.000000000000000000, FALSE, FALSE, 0.000000000000000000);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', '', 'default', 'ETH-USD', DATE '2024-05-03', NULL, 1, 0.000000000000000000, 1.500000000000000000, 0.000000000000000000, TRUE, FALSE, 500.000000000000000000);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', 'mm', 'default', 'BTC-USD', DATE '2024-05-01', NULL, 2, 1000.000000000000000000, 9.000000000000000000, 0.000000000000000000, TRUE, FALSE, 500.000000000000000000);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', 'mm', 'default', 'BTC-USD', DATE '2024-05-02', NULL, 1, 500.000000000000000000, 12.000000000000000000, 0.000000000000000000, FALSE, FALSE, 0.000000000000000000);
INSERT INTO "book_days" ("timezone", "scope", "account", "symbol", "day", "currency", "fills", "realized_pnl", "fees", "funding", "open", "unmarked", "unrealized_pnl") VALUES ('UTC', 'mm', 'default', 'ETH-USD', DATE '2024-05-03', NULL, 1, 0.000000000000000000, 1.500000000000000000, 0.000000000000000000, TRUE, FALSE, 500.000000000000000000);
INSERT INTO "book_state" ("cost_basis", "timezones", "built_at") VALUES ('fifo', '["UTC"]', TIMESTAMPTZ '2026-12-02T01:08:18.931280+00:00');
INSERT INTO "book_trades" ("scope", "trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('', 'default/BTC-USD/1', 'mm', 'BTC-USD', 'long', 'CLOSED', TIMESTAMPTZ '2024-05-01T09:00:00+00:00', TIMESTAMPTZ '2024-05-02T10:00:00+00:00', 2.000000000000000000, 60000.000000000000000000, 60250.000000000000000000, 12.000000000000000000, 500.000000000000000000, 488.000000000000000000, 0.004066666666666666, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, '{"account":"default","entry_fees":"6.000000000000000000","exit_fees":"6.000000000000000000","funding":"0.000000000000000000","holding_time_us":90000000000,"mae":"0.000000000000000000","mfe":"1000.000000000000000000","multiplier":"1.000000000000000000"}', 'ledger', NULL);
INSERT INTO "book_trades" ("scope", "trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('mm', 'default/mm/BTC-USD/1', 'mm', 'BTC-USD', 'long', 'CLOSED', TIMESTAMPTZ '2024-05-01T09:00:00+00:00', TIMESTAMPTZ '2024-05-02T10:00:00+00:00', 2.000000000000000000, 60000.000000000000000000, 60250.000000000000000000, 12.000000000000000000, 500.000000000000000000, 488.000000000000000000, 0.004066666666666666, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, '{"account":"default","entry_fees":"6.000000000000000000","exit_fees":"6.000000000000000000","funding":"0.000000000000000000","holding_time_us":90000000000,"mae":"0.000000000000000000","mfe":"1000.000000000000000000","multiplier":"1.000000000000000000"}', 'ledger', NULL);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', '*', '*', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', '*', 'BTC-USD', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', 'trend', '*', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-01', 'trend', 'BTC-USD', 1, 1, 0, 0, 28.800000000000000000, 30.000000000000000000, 1.200000000000000000, 28.800000000000000000, 0.000000000000000000, 829.44, 28.800000000000000000, NULL, 5400000000, 1, TIMESTAMPTZ '2024-05-01T09:30:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 1, 1, 1, 0, 0, 0, 28.800000000000000000, 0.000000000000000000, 0.000000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', '*', '*', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', '*', 'ETH-USD', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', 'revert', '*', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "daily_partials" ("timezone", "day", "strategy", "symbol", "trades", "wins", "losses", "breakevens", "net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "net_sq_sum", "max_win", "min_loss", "holding_us_sum", "holding_count", "first_exit", "last_exit", "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run", "max_prefix", "min_prefix", "max_drawdown") VALUES ('UTC', DATE '2024-05-02', 'revert', 'ETH-USD', 1, 0, 1, 0, -30.600000000000000000, -30.000000000000000000, 0.600000000000000000, 0.000000000000000000, -30.600000000000000000, 936.3600000000001, NULL, -30.600000000000000000, 55800000000, 1, TIMESTAMPTZ '2024-05-02T23:30:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 0, 0, 0, 1, 1, 1, 0.000000000000000000, -30.600000000000000000, 30.600000000000000000);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f1', TIMESTAMPTZ '2024-05-01T09:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'BUY', 2.000000000000000000, 60000.000000000000000000, 6.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, ARRAY[]::VARCHAR[], '/data/old/fills.csv', 2);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f2', TIMESTAMPTZ '2024-05-01T15:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'SELL', 1.000000000000000000, 61000.000000000000000000, 3.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, ARRAY[]::VARCHAR[], '/data/old/fills.csv', 3);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f3', TIMESTAMPTZ '2024-05-02T10:00:00+00:00', 'default', 'coinbase', 'mm', 'BTC-USD', 'SELL', 1.000000000000000000, 59500.000000000000000000, 3.000000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, ARRAY[]::VARCHAR[], '/data/old/fills.csv', 4);
INSERT INTO "fills" ("fill_id", "timestamp", "account", "venue", "strategy", "symbol", "side", "quantity", "price", "fee", "fee_currency", "liquidity", "order_id", "multiplier", "currency", "tags", "source", "source_line") VALUES ('f4', TIMESTAMPTZ '2024-05-03T10:00:00+00:00', 'default', 'kraken', 'mm', 'ETH-USD', 'SELL', 10.000000000000000000, 3000.000000000000000000, 1.500000000000000000, NULL, NULL, NULL, 1.000000000000000000, NULL, ARRAY[]::VARCHAR[], '/data/old/fills.csv', 5);
INSERT INTO "marks" ("timestamp", "symbol", "price", "source", "source_line") VALUES (TIMESTAMPTZ '2024-05-01T20:00:00+00:00', 'BTC-USD', 60500.000000000000000000, '/data/old/marks.csv', 3);
INSERT INTO "marks" ("timestamp", "symbol", "price", "source", "source_line") VALUES (TIMESTAMPTZ '2024-05-03T20:00:00+00:00', 'ETH-USD', 2950.000000000000000000, '/data/old/marks.csv', 2);
INSERT INTO "partial_timezones" ("timezone", "built_at") VALUES ('UTC', TIMESTAMPTZ '2026-12-02T01:08:18.758673+00:00');
INSERT INTO "quarantine" ("source", "line", "field", "reason", "raw", "ingested_at") VALUES ('/data/old/logs/2024-05-01.jsonl', 3, NULL, 'malformed JSON (Expecting '','' delimiter at column 39)', '{"trade_id": "b1", "net_pnl": "twelve"', TIMESTAMPTZ '2026-12-02T01:08:18.867356+00:00');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at", "digest_state", "end_line", "options", "capital", "currency") VALUES ('/data/old/fills.csv', 299, 1796173698701692461, 'a68a88e40b765bd641475a0cb849e7e60485032dfae639d29cfcf34ddd2d222c', 'fp1:e194f8e4ba8f5fd325b9218df120a4375f5408c52e4c18bb357e69bff5bc84b6', 299, 'csv', 'fills', 4, 0, FALSE, TIMESTAMPTZ '2026-12-02T01:08:18.807045+00:00', '0:', 0, '{"decimal":null,"format":null,"limits":[1048576,64,65536],"mapping":[]}', '', '');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at", "digest_state", "end_line", "options", "capital", "currency") VALUES ('/data/old/logs/2024-05-01.jsonl', 586, 1796173698701584446, 'cac193f146f3b40df53e9666811e4b07a5452e899f2952882538292681ddbfd3', 'fp1:e63ad8d04af4f8149acb3d28c8430b0f85484b3ba244f0415135db7f3438616a', 586, 'jsonl', 'trades', 2, 1, FALSE, TIMESTAMPTZ '2026-12-02T01:08:18.799095+00:00', '0:', 3, '{"decimal":null,"format":null,"limits":[1048576,64,65536],"mapping":[]}', '', '');
INSERT INTO "sources" ("path", "size", "mtime_ns", "checksum", "prefix_checksum", "end_offset", "format", "kind", "rows", "rejected", "unreadable", "ingested_at", "digest_state", "end_line", "options", "capital", "currency") VALUES ('/data/old/marks.csv', 92, 1796173698701746799, '47656e7b86325af6509339c8e982f4eb12fa26b48deecdc5c967926331d8882b', 'fp1:fbab9c04196eb45e8b0bd9e4d9a8b8e99fe67b99a27c8d1a4994a9337974fcfc', 92, 'csv', 'marks', 2, 0, FALSE, TIMESTAMPTZ '2026-12-02T01:08:18.810095+00:00', '0:', 0, '{"decimal":null,"format":null,"limits":[1048576,64,65536],"mapping":[]}', '', '');
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a1', 'trend', 'BTC-USD', 'long', 'CLOSED', TIMESTAMPTZ '2024-05-01T08:00:00+00:00', TIMESTAMPTZ '2024-05-01T09:30:00+00:00', 0.100000000000000000, 60000.000000000000000000, 60300.000000000000000000, 1.200000000000000000, 30.000000000000000000, 28.800000000000000000, NULL, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 1);
INSERT INTO "trades" ("trade_id", "strategy", "symbol", "side", "status", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl", "return_pct", "risk_reward", "signal_id", "exit_reason", "currency", "tags", "news_event_ids", "sentiment_json", "metadata_json", "source", "source_line") VALUES ('a2', 'revert', 'ETH-USD', 'short', 'CLOSED', TIMESTAMPTZ '2024-05-02T08:00:00+00:00', TIMESTAMPTZ '2024-05-02T23:30:00+00:00', 1.000000000000000000, 3000.000000000000000000, 3030.000000000000000000, 0.600000000000000000, -30.000000000000000000, -30.600000000000000000, NULL, NULL, NULL, NULL, NULL, ARRAY[]::VARCHAR[], ARRAY[]::VARCHAR[], NULL, NULL, '/data/old/logs/2024-05-01.jsonl', 2);
INSERT INTO schema_version VALUES (1);
INSERT INTO schema_version VALUES (2);
INSERT INTO schema_version VALUES (3);
INSERT INTO schema_version VALUES (4);
INSERT INTO schema_version VALUES (5);
INSERT INTO schema_version VALUES (6);
INSERT INTO schema_version VALUES (7);
INSERT INTO schema_version VALUES (8);
INSERT INTO schema_version VALUES (9);
INSERT INTO schema_version VALUES (10);
