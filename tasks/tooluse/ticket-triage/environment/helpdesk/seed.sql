CREATE TABLE engineers (handle TEXT PRIMARY KEY, team TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, requester TEXT NOT NULL, team TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', priority TEXT NOT NULL DEFAULT 'P3', assignee TEXT,
    resolution TEXT, duplicate_of INTEGER
);
INSERT INTO engineers VALUES
 ('ana', 'platform', 'available'), ('ben', 'platform', 'away'), ('chen', 'platform', 'available'),
 ('dee', 'payments', 'available'), ('eli', 'payments', 'available'), ('fay', 'payments', 'away'),
 ('gus', 'web', 'available'), ('hal', 'web', 'available');
INSERT INTO tickets (id, title, requester, team, status, assignee, resolution) VALUES
 (180, 'Flaky CI runner', 'ops@corp.example', 'platform', 'closed', 'chen', 'fixed'),
 (190, 'Rotate TLS certificates', 'sec@corp.example', 'platform', 'open', 'ana', NULL),
 (191, 'Upgrade Postgres to 16', 'dba@corp.example', 'platform', 'open', 'ana', NULL),
 (192, 'Payment retries too aggressive', 'finance@corp.example', 'payments', 'open', 'eli', NULL),
 (193, 'Footer links broken', 'marketing@corp.example', 'web', 'open', 'hal', NULL);
INSERT INTO tickets (id, title, requester, team) VALUES
 (201, 'Checkout page down for all users', 'support@corp.example', 'web'),
 (202, 'Login API outage: 500 on every request', 'support@corp.example', 'platform'),
 (203, 'Typo on pricing page', 'marketing@corp.example', 'web'),
 (204, 'Refund job failing nightly', 'finance@corp.example', 'payments'),
 (205, 'Checkout page down for all users', 'support@corp.example', 'web'),
 (206, 'Card payments down in EU', 'support@corp.example', 'payments'),
 (207, 'Add dark mode to dashboard', 'sales@corp.example', 'web'),
 (208, 'Refund job failing nightly', 'finance@corp.example', 'payments'),
 (209, 'Dashboard slow to load', 'sales@corp.example', 'platform'),
 (210, 'Cheap watches, best prices', 'promo@cheap-watches.biz', 'web'),
 (211, 'Refund job failing nightly', 'support@corp.example', 'payments');
