-- The features of examples/features/peers.yaml as window functions, run unchanged by
-- DuckDB (duckdb.js) and PostgreSQL (postgres.sh) over
--   tx(tx_id, ts_us BIGINT, customer_id, card_id, merchant_id, channel, amount BIGINT)
-- with amount in minor units and ts_us in UTC microseconds.
-- "RANGE BETWEEN W PRECEDING AND 1 PRECEDING" over integer microseconds is the frame
-- [ts - W, ts - 1us] = [ts - W, ts): same-microsecond events are peers and stay out.
-- An empty frame gives count 0, sum NULL (so COALESCE to 0), avg/min/max/stddev NULL.
-- A row without the entity's field (no card, no merchant) has that entity's features NULL.
SELECT
  tx_id,
  count(*) OVER c_1h AS customer_count_1h,
  CAST(COALESCE(sum(amount) OVER c_24h, 0) AS BIGINT) AS customer_amount_sum_24h,
  CAST(avg(amount) OVER c_7d AS DOUBLE PRECISION) AS customer_amount_mean_7d,
  min(amount) OVER c_24h AS customer_amount_min_24h,
  max(amount) OVER c_24h AS customer_amount_max_24h,
  CAST(stddev_pop(amount) OVER c_30d AS DOUBLE PRECISION) AS customer_amount_stddev_30d,
  count(CASE WHEN channel = 'ONLINE' THEN 1 END) OVER c_24h AS customer_online_count_24h,
  CASE WHEN card_id IS NOT NULL THEN count(*) OVER k_24h END AS card_count_24h,
  CASE WHEN card_id IS NOT NULL THEN CAST(COALESCE(sum(amount) OVER k_1h, 0) AS BIGINT) END
    AS card_amount_sum_1h,
  CASE WHEN merchant_id IS NOT NULL THEN count(*) OVER m_1h END AS merchant_count_1h
FROM tx
WINDOW
  c_1h AS (PARTITION BY customer_id ORDER BY ts_us
           RANGE BETWEEN CAST(3600000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  c_24h AS (PARTITION BY customer_id ORDER BY ts_us
            RANGE BETWEEN CAST(86400000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  c_7d AS (PARTITION BY customer_id ORDER BY ts_us
           RANGE BETWEEN CAST(604800000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  c_30d AS (PARTITION BY customer_id ORDER BY ts_us
            RANGE BETWEEN CAST(2592000000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  k_24h AS (PARTITION BY card_id ORDER BY ts_us
            RANGE BETWEEN CAST(86400000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  k_1h AS (PARTITION BY card_id ORDER BY ts_us
           RANGE BETWEEN CAST(3600000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING),
  m_1h AS (PARTITION BY merchant_id ORDER BY ts_us
           RANGE BETWEEN CAST(3600000000 AS BIGINT) PRECEDING AND CAST(1 AS BIGINT) PRECEDING)
