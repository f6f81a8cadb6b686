CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer TEXT NOT NULL, status TEXT NOT NULL,
    total_cents INTEGER NOT NULL, refunded_cents INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE order_items (order_id INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, sku));
CREATE TABLE approvals (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, amount_cents INTEGER NOT NULL);
CREATE TABLE refunds (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, amount_cents INTEGER NOT NULL);
CREATE TABLE flags (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, code TEXT NOT NULL);

INSERT INTO products VALUES
 ('KB-101', 'Mechanical keyboard', 8900, 12),
 ('MS-220', 'Wireless mouse', 2900, 40),
 ('MN-270', '27-inch monitor', 32900, 5),
 ('LT-140', '14-inch laptop', 129900, 3),
 ('HD-050', 'USB-C hub', 4900, 25),
 ('CH-300', 'Office chair', 24900, 6);

INSERT INTO orders (id, customer, status, total_cents) VALUES
 (1001, 'alice@example.com', 'delivered', 8900),
 (1002, 'bob@example.com', 'placed', 5800),
 (1003, 'carol@example.com', 'placed', 37800),
 (1004, 'dan@example.com', 'delivered', 129900),
 (1005, 'erin@example.com', 'shipped', 49800),
 (1006, 'alice@example.com', 'placed', 14700),
 (1007, 'bob@example.com', 'delivered', 65800),
 (1008, 'carol@example.com', 'delivered', 2900),
 (1009, 'erin@example.com', 'placed', 11800);

INSERT INTO order_items VALUES
 (1001, 'KB-101', 1), (1002, 'MS-220', 2), (1003, 'MN-270', 1), (1003, 'HD-050', 1),
 (1004, 'LT-140', 1), (1005, 'CH-300', 2), (1006, 'HD-050', 3), (1007, 'MN-270', 2),
 (1008, 'MS-220', 1), (1009, 'KB-101', 1), (1009, 'MS-220', 1);
