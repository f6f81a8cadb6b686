CREATE TABLE members (id TEXT PRIMARY KEY, name TEXT NOT NULL, fines_cents INTEGER NOT NULL);
CREATE TABLE books (isbn TEXT PRIMARY KEY, title TEXT NOT NULL, copies INTEGER NOT NULL);
CREATE TABLE loans (
    id INTEGER PRIMARY KEY, member_id TEXT NOT NULL, isbn TEXT NOT NULL, due TEXT NOT NULL,
    renewals INTEGER NOT NULL, returned TEXT
);
CREATE TABLE holds (id INTEGER PRIMARY KEY, isbn TEXT NOT NULL, member_id TEXT NOT NULL);
CREATE TABLE payments (id INTEGER PRIMARY KEY, member_id TEXT NOT NULL, amount_cents INTEGER NOT NULL);
INSERT INTO members VALUES ('M-1', 'Ada Byron', 0), ('M-2', 'Grace Hopper', 0), ('M-3', 'Linus Benedict', 300),
 ('M-4', 'Ken Thompson', 0), ('M-5', 'Barbara Liskov', 300);
INSERT INTO books VALUES
 ('9780441013593', 'Dune', 1), ('9780141439587', 'Emma', 2), ('9780441569595', 'Neuromancer', 1),
 ('9780553380958', 'Snow Crash', 2), ('9780553283686', 'Hyperion', 1), ('9780553293357', 'Foundation', 1);
INSERT INTO loans (id, member_id, isbn, due, renewals) VALUES
 (1, 'M-1', '9780553380958', '2024-03-20', 0),
 (2, 'M-1', '9780553283686', '2024-03-18', 0),
 (3, 'M-1', '9780553293357', '2024-03-25', 2),
 (4, 'M-3', '9780441013593', '2024-03-05', 0),
 (5, 'M-3', '9780141439587', '2024-03-20', 0);
INSERT INTO holds (isbn, member_id) VALUES ('9780553283686', 'M-2');
