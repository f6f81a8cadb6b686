CREATE TABLE accounts (id TEXT PRIMARY KEY, owner TEXT NOT NULL, balance_cents INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE transfers (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, amount_cents INTEGER NOT NULL);
CREATE TABLE approvals (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, amount_cents INTEGER NOT NULL);
CREATE TABLE holds (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, reason TEXT NOT NULL);
INSERT INTO accounts VALUES
 ('ACC-1001', 'Northwind Traders', 500000, 'active'),
 ('ACC-1002', 'Contoso Ltd', 120000, 'active'),
 ('ACC-1003', 'Fabrikam Inc', 25000, 'active'),
 ('ACC-1004', 'Globex Corp', 900000, 'frozen'),
 ('ACC-1005', 'Initech', 80000, 'active'),
 ('ACC-1006', 'Umbrella Supplies', 0, 'active'),
 ('ACC-1007', 'Hooli', 300000, 'active');
