-- Revocations of cached authentication reads (issue 9), SQLite: a change to
-- an app key or an agent's sessions writes a row here in its transaction,
-- and every replica's tailer drops the subject from its in-memory cache.

-- +goose Up
CREATE TABLE `auth_changes` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `subject` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE INDEX `idx_auth_changes_created_at` ON `auth_changes`(`created_at`);

-- +goose Down
DROP TABLE `auth_changes`;
