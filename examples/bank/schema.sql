-- A bank whose only write is a transfer request. Everything else is derived from the log.
CREATE STREAM transfers KEY transfer_id PARTITIONS 4;

-- Each transfer becomes two ledger legs: a debit keyed by the payer's account and a credit keyed
-- by the payee's, so the legs land on the partitions of their accounts. Their ids come from the
-- transfer's id, so a replay or a retried transfer adds no leg twice.
CREATE STREAM ledger KEY account PARTITIONS 4 AS
  FROM transfers
  |> SELECT transfer_id, payer AS account, 0 - amount AS amount, 'debit' AS leg
  |> UNION ALL (FROM transfers |> SELECT transfer_id, payee AS account, amount, 'credit' AS leg);

CREATE VIEW balances AS
  FROM ledger |> AGGREGATE sum(amount) AS balance, count(*) AS legs GROUP BY account;

-- Overdrafts are allowed, then detected here and answered with a compensation (see README.md).
-- 'cash' (money paid in) and 'overdraft' (the bank's facility) are the bank's own accounts.
CREATE VIEW overdrawn AS
  FROM ledger |> AGGREGATE sum(amount) AS balance GROUP BY account |> WHERE balance < 0 AND account NOT IN ('cash', 'overdraft');
