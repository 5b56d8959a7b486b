-- Agent roles, MySQL/MariaDB: an agent is an "agent" or a "supervisor"; a
-- supervisor also sees the tenant's live view and reports (issue 12).

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE `agents` ADD COLUMN `role` varchar(16) NOT NULL DEFAULT 'agent';

-- +goose Down
ALTER TABLE `agents` DROP COLUMN `role`;
