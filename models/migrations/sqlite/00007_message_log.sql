-- The message log (issue 9): messages are rows written when the API
-- acknowledges them, not workflow history. The conversation row is the gate
-- every write passes: its last_seq numbers the conversation's messages under
-- the row's lock, its phase decides what a send may do, and open_key (set
-- while the conversation is open, NULL after) keeps a visitor to one open
-- conversation per channel. SQLite.

-- +goose Up
ALTER TABLE `conversations` ADD COLUMN `open_key` text NULL;
ALTER TABLE `conversations` ADD COLUMN `last_seq` integer NOT NULL DEFAULT 0;
ALTER TABLE `conversations` ADD COLUMN `delivered_seq` integer NOT NULL DEFAULT 0;
ALTER TABLE `conversations` ADD COLUMN `last_activity` datetime NULL;
ALTER TABLE `conversations` ADD COLUMN `transition` integer NOT NULL DEFAULT 0;
ALTER TABLE `conversations` ADD COLUMN `agent_name` text NOT NULL DEFAULT '';
ALTER TABLE `conversations` ADD COLUMN `agent_joined` numeric NOT NULL DEFAULT false;
ALTER TABLE `conversations` ADD COLUMN `rated` numeric NOT NULL DEFAULT false;
ALTER TABLE `conversations` ADD COLUMN `product_card` text NOT NULL DEFAULT '';
ALTER TABLE `conversations` ADD COLUMN `settings` text NOT NULL DEFAULT '';
ALTER TABLE `conversations` ADD COLUMN `workflow_started` numeric NOT NULL DEFAULT false;
CREATE UNIQUE INDEX `idx_conversations_open_key` ON `conversations` (`open_key`);
CREATE INDEX `idx_conversations_visitor` ON `conversations` (`channel_config_id`, `user_id`, `started_at`);
CREATE INDEX `idx_conversations_unstarted` ON `conversations` (`workflow_started`, `started_at`);

ALTER TABLE `chat_records` ADD COLUMN `client_key` text NULL;
ALTER TABLE `chat_records` ADD COLUMN `control_type` text NOT NULL DEFAULT '';
ALTER TABLE `chat_records` ADD COLUMN `sender_nickname` text NOT NULL DEFAULT '';
ALTER TABLE `chat_records` ADD COLUMN `phase` text NOT NULL DEFAULT '';
ALTER TABLE `chat_records` ADD COLUMN `service_id` text NOT NULL DEFAULT '';
ALTER TABLE `chat_records` ADD COLUMN `service_name` text NOT NULL DEFAULT '';
ALTER TABLE `chat_records` ADD COLUMN `skill_group_id` integer NOT NULL DEFAULT 0;
ALTER TABLE `chat_records` ADD COLUMN `closing` numeric NOT NULL DEFAULT false;
ALTER TABLE `chat_records` ADD COLUMN `inter_idx` integer NOT NULL DEFAULT 0;
ALTER TABLE `chat_records` ADD COLUMN `sim_questions` text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX `idx_chat_records_client_key` ON `chat_records` (`conversation_id`, `client_key`);

CREATE TABLE `agent_feeds` (
  `agent_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `last_seq` integer NOT NULL,
  `last_seen` datetime NULL,
  `status` text NOT NULL DEFAULT 'OFFLINE',
  PRIMARY KEY (`agent_id`)
);

CREATE TABLE `agent_events` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `agent_id` text NOT NULL,
  `seq` integer NOT NULL,
  `type` text NOT NULL,
  `conversation_id` text NOT NULL,
  `message_seq` integer NOT NULL,
  `payload` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_agent_events_feed` ON `agent_events` (`agent_id`, `seq`);
CREATE INDEX `idx_agent_events_created_at` ON `agent_events` (`created_at`);

CREATE TABLE `webhook_cursors` (
  `conversation_id` text NOT NULL,
  `endpoint_id` integer NOT NULL,
  `delivered_seq` integer NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`conversation_id`, `endpoint_id`)
);

-- +goose Down
DROP TABLE `webhook_cursors`;
DROP TABLE `agent_events`;
DROP TABLE `agent_feeds`;
DROP INDEX `idx_chat_records_client_key`;
DROP INDEX `idx_conversations_unstarted`;
DROP INDEX `idx_conversations_visitor`;
DROP INDEX `idx_conversations_open_key`;
