CREATE TABLE users (login TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, manager TEXT);
CREATE TABLE groups (name TEXT PRIMARY KEY, privileged INTEGER NOT NULL);
CREATE TABLE memberships (login TEXT NOT NULL, grp TEXT NOT NULL, PRIMARY KEY (login, grp));
CREATE TABLE api_keys (id TEXT PRIMARY KEY, login TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE resources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL);
INSERT INTO users VALUES
 ('sofia', 'Sofia Ruiz', 'active', NULL), ('mkhan', 'Mira Khan', 'active', 'sofia'),
 ('jdoe', 'John Doe', 'active', 'mkhan'), ('tlee', 'Tara Lee', 'active', 'sofia'),
 ('pnair', 'Priya Nair', 'active', 'mkhan');
INSERT INTO groups VALUES ('admins', 1), ('deploy', 1), ('engineering', 0), ('all-staff', 0);
INSERT INTO memberships VALUES
 ('jdoe', 'engineering'), ('jdoe', 'deploy'), ('jdoe', 'all-staff'),
 ('mkhan', 'admins'), ('mkhan', 'engineering'), ('mkhan', 'all-staff'),
 ('tlee', 'engineering'), ('tlee', 'all-staff'), ('pnair', 'engineering'), ('pnair', 'all-staff'),
 ('sofia', 'admins'), ('sofia', 'all-staff');
INSERT INTO api_keys VALUES ('K-1', 'jdoe', 1), ('K-2', 'jdoe', 0), ('K-3', 'mkhan', 1), ('K-4', 'tlee', 1),
 ('K-5', 'pnair', 1), ('K-6', 'jdoe', 1);
INSERT INTO resources VALUES
 ('R-1', 'repository', 'payments-api', 'jdoe'), ('R-2', 'bucket', 'ml-datasets', 'jdoe'),
 ('R-3', 'repository', 'infra-terraform', 'mkhan'), ('R-4', 'dashboard', 'sales-kpis', 'tlee'),
 ('R-5', 'repository', 'web-frontend', 'pnair');
