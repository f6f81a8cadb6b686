CREATE TABLE records (id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, ttl INTEGER NOT NULL);
CREATE TABLE changes (id INTEGER PRIMARY KEY, ticket TEXT NOT NULL, action TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL);
INSERT INTO records (id, name, type, value, ttl) VALUES
 (1, '@', 'SOA', 'ns1.example.com. hostmaster.example.com. 2024060101 7200 3600 1209600 300', 3600),
 (2, '@', 'NS', 'ns1.example.com.', 86400),
 (3, '@', 'NS', 'ns2.example.com.', 86400),
 (4, '@', 'MX', '10 mail1.example.com.', 3600),
 (5, '@', 'MX', '20 mail2.example.com.', 3600),
 (6, '@', 'TXT', 'v=spf1 include:_spf.old-mail.net ~all', 3600),
 (7, 'www', 'A', '203.0.113.10', 3600),
 (8, 'api', 'A', '203.0.113.11', 300),
 (9, 'legacy', 'A', '198.51.100.7', 3600),
 (10, 'old-www', 'CNAME', 'legacy.example.com.', 3600),
 (11, 'mail1', 'A', '203.0.113.25', 3600),
 (12, 'mail2', 'A', '203.0.113.26', 3600),
 (13, 'intranet', 'CNAME', 'legacy.example.com.', 1800),
 (14, 'docs', 'CNAME', 'www.example.com.', 3600);
