// DuckDB peer: loads transactions.csv into an in-memory table, computes features.sql
// (window functions, RANGE frames on integer microseconds) and writes tx_id,<features>.
// Usage: node duckdb.js TRANSACTIONS.csv OUT.csv [--threads N]
// Prints one JSON line: {"tool":"duckdb","load_s":..,"query_s":..,"rows":..}.
'use strict';

const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

function sqlString(text) {
  return `'${text.replace(/'/g, "''")}'`;
}

// Minor units = the decimal amount scaled by the currency's ISO 4217 exponent (2 unless
// listed), exactly as Panorama's ingest does; DECIMAL arithmetic keeps it exact.
const MINOR_UNITS = `CAST(amount * CASE currency
    WHEN 'BIF' THEN 1 WHEN 'CLP' THEN 1 WHEN 'DJF' THEN 1 WHEN 'GNF' THEN 1
    WHEN 'ISK' THEN 1 WHEN 'JPY' THEN 1 WHEN 'KMF' THEN 1 WHEN 'KRW' THEN 1
    WHEN 'PYG' THEN 1 WHEN 'RWF' THEN 1 WHEN 'UGX' THEN 1 WHEN 'UYI' THEN 1
    WHEN 'VND' THEN 1 WHEN 'VUV' THEN 1 WHEN 'XAF' THEN 1 WHEN 'XOF' THEN 1
    WHEN 'XPF' THEN 1
    WHEN 'BHD' THEN 1000 WHEN 'IQD' THEN 1000 WHEN 'JOD' THEN 1000 WHEN 'KWD' THEN 1000
    WHEN 'LYD' THEN 1000 WHEN 'OMR' THEN 1000 WHEN 'TND' THEN 1000
    WHEN 'CLF' THEN 10000 WHEN 'UYW' THEN 10000
    ELSE 100 END AS BIGINT)`;

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error('usage: node duckdb.js TRANSACTIONS.csv OUT.csv [--threads N]');
    process.exit(2);
  }
  const [input, output] = args;
  const options = {};
  const t = args.indexOf('--threads');
  if (t >= 0) options.threads = String(args[t + 1]);
  const featuresSql = fs.readFileSync(path.join(__dirname, 'features.sql'), 'utf8')
    .replace(/^\s*--.*$/gm, '')
    .trim();

  const instance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();

  const t0 = process.hrtime.bigint();
  await conn.run(`CREATE TABLE tx AS
    SELECT tx_id, epoch_us(ts) AS ts_us, customer_id, card_id, merchant_id,
           upper(channel) AS channel, ${MINOR_UNITS} AS amount
    FROM read_csv(${sqlString(input)}, header = true, auto_detect = false,
      columns = {'tx_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'customer_id': 'VARCHAR',
                 'account_id': 'VARCHAR', 'card_id': 'VARCHAR', 'merchant_id': 'VARCHAR',
                 'device_id': 'VARCHAR', 'ip': 'VARCHAR', 'channel': 'VARCHAR',
                 'type': 'VARCHAR', 'amount': 'DECIMAL(18,4)', 'currency': 'VARCHAR',
                 'mcc': 'VARCHAR', 'country': 'VARCHAR', 'city': 'VARCHAR', 'lat': 'VARCHAR',
                 'lon': 'VARCHAR', 'counterparty_id': 'VARCHAR'})`);
  const t1 = process.hrtime.bigint();
  await conn.run(`COPY (${featuresSql}) TO ${sqlString(output)} (FORMAT csv, HEADER true)`);
  const t2 = process.hrtime.bigint();
  const rows = await conn.runAndReadAll('SELECT count(*) AS n FROM tx');
  const threads = await conn.runAndReadAll("SELECT current_setting('threads') AS t");

  console.log(JSON.stringify({
    tool: 'duckdb',
    version: (await conn.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v,
    threads: Number(threads.getRowObjects()[0].t),
    load_s: Number(t1 - t0) / 1e9,
    query_s: Number(t2 - t1) / 1e9,
    rows: Number(rows.getRowObjects()[0].n),
  }));
  conn.closeSync();
}

main().catch((err) => {
  console.error(`duckdb.js: ${err.message}`);
  process.exit(1);
});
