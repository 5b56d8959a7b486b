-- Chat records are scoped to a channel config (issue 10): a record of a
-- conversation takes its conversation's channel; a record a client created
-- itself (chat-records/create, no conversation) carries the channel of the
-- token that created it. Such records created before this migration go to
-- their tenant's first channel config, the one the entries use. SQLite.

-- +goose Up
ALTER TABLE `chat_records` ADD COLUMN `channel_config_id` text NOT NULL DEFAULT '';
UPDATE `chat_records` SET `channel_config_id` = COALESCE((
  SELECT `cc`.`id` FROM `channel_configs` `cc` WHERE `cc`.`tenant_id` = `chat_records`.`tenant_id`
  ORDER BY `cc`.`created_at`, `cc`.`id` LIMIT 1), '')
WHERE `conversation_id` = '';

-- +goose Down
ALTER TABLE `chat_records` DROP COLUMN `channel_config_id`;
