-- PostgreSQL only: there, every process hears of changed tokens through
-- triggers (see migrations/postgres). A SQLite file serves one process,
-- which reads its tokens in-process and keeps none.
SELECT 1;
