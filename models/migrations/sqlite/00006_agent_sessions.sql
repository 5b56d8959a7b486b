-- Revocable agent sessions, SQLite: an agent can be disabled, and every
-- session token carries the agent's session version, which a logout, a
-- password change or a disable increments.

-- +goose Up
ALTER TABLE `agents` ADD COLUMN `disabled` numeric NOT NULL DEFAULT false;
ALTER TABLE `agents` ADD COLUMN `session_version` integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE `agents` DROP COLUMN `session_version`;
ALTER TABLE `agents` DROP COLUMN `disabled`;
