CREATE TABLE rooms (id INTEGER PRIMARY KEY, name TEXT NOT NULL, capacity INTEGER NOT NULL, projector INTEGER NOT NULL);
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL, day TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
    organizer TEXT NOT NULL, title TEXT NOT NULL, attendees INTEGER NOT NULL, request_id TEXT
);
CREATE TABLE cancellations (id INTEGER PRIMARY KEY, booking_id INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE declines (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, reason TEXT NOT NULL);
INSERT INTO rooms VALUES (1, 'Aurora', 4, 0), (2, 'Borealis', 8, 1), (3, 'Cirrus', 12, 1), (4, 'Dune', 20, 1), (5, 'Ember', 6, 0);
INSERT INTO bookings (id, room_id, day, start, end, organizer, title, attendees) VALUES
 (1, 2, '2024-06-12', '09:00', '10:00', 'priya', 'Sprint planning (projector)', 7),
 (2, 2, '2024-06-12', '11:00', '12:00', 'omar', '1:1', 2),
 (3, 3, '2024-06-12', '09:00', '09:30', 'lena', 'Standup', 9),
 (4, 1, '2024-06-12', '11:30', '12:00', 'sam', 'Interview debrief', 3),
 (5, 2, '2024-06-12', '14:00', '15:00', 'priya', 'Design review (projector)', 10),
 (6, 2, '2024-06-13', '10:00', '11:00', 'omar', 'Roadmap (projector)', 6),
 (7, 4, '2024-06-12', '14:00', '16:00', 'lena', 'All hands (projector)', 18),
 (8, 5, '2024-06-12', '15:00', '16:00', 'sam', 'Hiring sync', 5);
