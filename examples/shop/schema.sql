-- A small shop, turned inside out: what happened goes into the log, and every view is derived from it.

-- Orders are events: each one happened once and is never changed.
CREATE STREAM orders KEY order_id PARTITIONS 3;

-- Customers, products and exchange rates are tables: the latest event per key is the current row.
CREATE TABLE customers KEY customer_id PARTITIONS 2;
CREATE TABLE products KEY product_id;
CREATE TABLE rates KEY currency;

-- Paid revenue per customer country, in the currency it was paid in (money in two currencies does
-- not add up, so the currency is part of the key). A customer who moves takes their orders along.
CREATE VIEW revenue_by_country AS
  FROM orders
  |> WHERE status = 'paid'
  |> JOIN customers USING (customer_id)
  |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country, currency;

-- Orders per minute of event time (_time). An order that arrives more than an hour after its
-- minute ended (the default LATENESS) is counted in the view's late_events instead.
CREATE VIEW orders_per_minute AS
  FROM orders
  |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE)
  |> AGGREGATE count(*) AS orders, count(DISTINCT customer_id) AS customers GROUP BY window_start;

-- The exchange-rate example: each paid order enriched with the current rate of its currency,
-- converted to EUR, enriched with its product, and summed per product category (to the cent; the
-- sum itself is exact).
CREATE VIEW revenue_eur_by_category AS
  FROM orders
  |> WHERE status = 'paid'
  |> JOIN rates USING (currency)
  |> EXTEND amount * eur AS amount_eur
  |> JOIN products USING (product_id)
  |> AGGREGATE count(*) AS orders, round(sum(amount_eur), 2) AS revenue_eur GROUP BY category;
