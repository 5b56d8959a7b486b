-- Revocable agent sessions, MySQL/MariaDB: an agent can be disabled, and every
-- session token carries the agent's session version, which a logout, a
-- password change or a disable increments. One ALTER, so the change is
-- applied whole or not at all (MySQL commits DDL implicitly).

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE `agents`
  ADD COLUMN `disabled` tinyint(1) NOT NULL DEFAULT 0,
  ADD COLUMN `session_version` bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE `agents` DROP COLUMN `disabled`, DROP COLUMN `session_version`;
