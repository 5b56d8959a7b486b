-- The message log (issue 9): messages are rows written when the API
-- acknowledges them, not workflow history. The conversation row is the gate
-- every write passes: its last_seq numbers the conversation's messages under
-- the row's lock, its phase decides what a send may do, and open_key (set
-- while the conversation is open, NULL after) keeps a visitor to one open
-- conversation per channel. MySQL.

-- +goose Up
ALTER TABLE `conversations`
  ADD COLUMN `open_key` varchar(200) NULL DEFAULT NULL,
  ADD COLUMN `last_seq` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `delivered_seq` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `last_activity` datetime(3) NULL DEFAULT NULL,
  ADD COLUMN `transition` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `agent_name` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN `agent_joined` tinyint(1) NOT NULL DEFAULT 0,
  ADD COLUMN `rated` tinyint(1) NOT NULL DEFAULT 0,
  ADD COLUMN `product_card` varchar(2000) NOT NULL DEFAULT '',
  ADD COLUMN `settings` text NOT NULL,
  ADD COLUMN `workflow_started` tinyint(1) NOT NULL DEFAULT 0,
  ADD UNIQUE KEY `idx_conversations_open_key` (`open_key`),
  ADD KEY `idx_conversations_visitor` (`channel_config_id`, `user_id`, `started_at`),
  ADD KEY `idx_conversations_unstarted` (`workflow_started`, `started_at`);

ALTER TABLE `chat_records`
  ADD COLUMN `client_key` varchar(128) NULL DEFAULT NULL,
  ADD COLUMN `control_type` varchar(16) NOT NULL DEFAULT '',
  ADD COLUMN `sender_nickname` varchar(128) NOT NULL DEFAULT '',
  ADD COLUMN `phase` varchar(16) NOT NULL DEFAULT '',
  ADD COLUMN `service_id` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN `service_name` varchar(128) NOT NULL DEFAULT '',
  ADD COLUMN `skill_group_id` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `closing` tinyint(1) NOT NULL DEFAULT 0,
  ADD COLUMN `inter_idx` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `sim_questions` text NOT NULL,
  ADD UNIQUE KEY `idx_chat_records_client_key` (`conversation_id`, `client_key`);

CREATE TABLE IF NOT EXISTS `agent_feeds` (
  `agent_id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `last_seq` bigint NOT NULL,
  `last_seen` datetime(3) NULL DEFAULT NULL,
  `status` varchar(16) NOT NULL DEFAULT 'OFFLINE',
  PRIMARY KEY (`agent_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `agent_events` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `agent_id` varchar(64) NOT NULL,
  `seq` bigint NOT NULL,
  `type` varchar(16) NOT NULL,
  `conversation_id` varchar(64) NOT NULL,
  `message_seq` bigint NOT NULL,
  `payload` text NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_agent_events_feed` (`agent_id`, `seq`),
  KEY `idx_agent_events_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `webhook_cursors` (
  `conversation_id` varchar(64) NOT NULL,
  `endpoint_id` bigint unsigned NOT NULL,
  `delivered_seq` bigint NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`conversation_id`, `endpoint_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `webhook_cursors`;
DROP TABLE IF EXISTS `agent_events`;
DROP TABLE IF EXISTS `agent_feeds`;
ALTER TABLE `chat_records` DROP INDEX `idx_chat_records_client_key`,
  DROP COLUMN `client_key`, DROP COLUMN `control_type`, DROP COLUMN `sender_nickname`, DROP COLUMN `phase`,
  DROP COLUMN `service_id`, DROP COLUMN `service_name`, DROP COLUMN `skill_group_id`, DROP COLUMN `closing`,
  DROP COLUMN `inter_idx`, DROP COLUMN `sim_questions`;
ALTER TABLE `conversations` DROP INDEX `idx_conversations_open_key`, DROP INDEX `idx_conversations_visitor`,
  DROP INDEX `idx_conversations_unstarted`,
  DROP COLUMN `open_key`, DROP COLUMN `last_seq`, DROP COLUMN `delivered_seq`, DROP COLUMN `last_activity`,
  DROP COLUMN `transition`, DROP COLUMN `agent_name`, DROP COLUMN `agent_joined`, DROP COLUMN `rated`,
  DROP COLUMN `product_card`, DROP COLUMN `settings`, DROP COLUMN `workflow_started`;
