-- Files and media (issue 13), SQLite: a stored file's channel, uploader,
-- declared type, state (a row is "pending" before its object is written and
-- "stored" after, so a crash between the two leaves a row the cleanup
-- finds), and the conversation and message that reference it; a tenant's
-- file retention in days (0: the server's default).

-- +goose Up
ALTER TABLE `stored_files` ADD COLUMN `channel_config_id` text NOT NULL DEFAULT '';
ALTER TABLE `stored_files` ADD COLUMN `uploader_type` text NOT NULL DEFAULT '';
ALTER TABLE `stored_files` ADD COLUMN `file_type` text NOT NULL DEFAULT '';
ALTER TABLE `stored_files` ADD COLUMN `state` text NOT NULL DEFAULT '';
ALTER TABLE `stored_files` ADD COLUMN `conversation_id` text NOT NULL DEFAULT '';
ALTER TABLE `stored_files` ADD COLUMN `message_seq` integer NOT NULL DEFAULT 0;
ALTER TABLE `stored_files` ADD COLUMN `referenced_at` datetime NULL;
CREATE INDEX `idx_stored_files_conversation` ON `stored_files` (`conversation_id`, `created_at`);
CREATE INDEX `idx_stored_files_created_at` ON `stored_files` (`created_at`);
ALTER TABLE `tenants` ADD COLUMN `file_retention_days` integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE `tenants` DROP COLUMN `file_retention_days`;
DROP INDEX `idx_stored_files_created_at`;
DROP INDEX `idx_stored_files_conversation`;
ALTER TABLE `stored_files` DROP COLUMN `referenced_at`;
ALTER TABLE `stored_files` DROP COLUMN `message_seq`;
ALTER TABLE `stored_files` DROP COLUMN `conversation_id`;
ALTER TABLE `stored_files` DROP COLUMN `state`;
ALTER TABLE `stored_files` DROP COLUMN `file_type`;
ALTER TABLE `stored_files` DROP COLUMN `uploader_type`;
ALTER TABLE `stored_files` DROP COLUMN `channel_config_id`;
