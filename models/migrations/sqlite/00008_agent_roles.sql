-- Agent roles, SQLite: an agent is an "agent" or a "supervisor"; a
-- supervisor also sees the tenant's live view and reports (issue 12).

-- +goose Up
ALTER TABLE `agents` ADD COLUMN `role` text NOT NULL DEFAULT 'agent';

-- +goose Down
ALTER TABLE `agents` DROP COLUMN `role`;
