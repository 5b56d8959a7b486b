-- Files and media (issue 13), MySQL/MariaDB: a stored file's channel,
-- uploader, declared type, state (a row is "pending" before its object is
-- written and "stored" after, so a crash between the two leaves a row the
-- cleanup finds), and the conversation and message that reference it; a
-- tenant's file retention in days (0: the server's default). One statement
-- per table, so a run cut between them (DDL commits implicitly) is whole
-- per table; the tenants column goes first and is checked by the second.

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE `tenants` ADD COLUMN IF NOT EXISTS `file_retention_days` bigint NOT NULL DEFAULT 0;
ALTER TABLE `stored_files`
  ADD COLUMN IF NOT EXISTS `channel_config_id` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `uploader_type` varchar(16) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `file_type` varchar(8) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `state` varchar(16) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `conversation_id` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `message_seq` bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS `referenced_at` datetime(3) NULL DEFAULT NULL,
  ADD INDEX IF NOT EXISTS `idx_stored_files_conversation` (`conversation_id`, `created_at`),
  ADD INDEX IF NOT EXISTS `idx_stored_files_created_at` (`created_at`);

-- +goose Down
ALTER TABLE `stored_files`
  DROP INDEX `idx_stored_files_created_at`, DROP INDEX `idx_stored_files_conversation`,
  DROP COLUMN `referenced_at`, DROP COLUMN `message_seq`, DROP COLUMN `conversation_id`, DROP COLUMN `state`,
  DROP COLUMN `file_type`, DROP COLUMN `uploader_type`, DROP COLUMN `channel_config_id`;
ALTER TABLE `tenants` DROP COLUMN `file_retention_days`;
