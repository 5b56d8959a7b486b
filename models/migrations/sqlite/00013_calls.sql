-- Calls, SQLite (issue 15): the click-to-call record grows what the call
-- workflow writes (conversation, agent, times, how it ended, the WebRTC
-- offer and answer ccflow relays), the visitor's call events, and each
-- channel's click-to-call settings.

-- +goose Up
ALTER TABLE `click_to_calls` ADD COLUMN `conversation_id` text NOT NULL DEFAULT '';
ALTER TABLE `click_to_calls` ADD COLUMN `agent_id` text NOT NULL DEFAULT '';
ALTER TABLE `click_to_calls` ADD COLUMN `access_code` text;
ALTER TABLE `click_to_calls` ADD COLUMN `step` integer NOT NULL DEFAULT 0;
ALTER TABLE `click_to_calls` ADD COLUMN `end_reason` text NOT NULL DEFAULT '';
ALTER TABLE `click_to_calls` ADD COLUMN `queued_at` datetime;
ALTER TABLE `click_to_calls` ADD COLUMN `ringing_at` datetime;
ALTER TABLE `click_to_calls` ADD COLUMN `connected_at` datetime;
ALTER TABLE `click_to_calls` ADD COLUMN `ended_at` datetime;
ALTER TABLE `click_to_calls` ADD COLUMN `duration_sec` integer NOT NULL DEFAULT 0;
ALTER TABLE `click_to_calls` ADD COLUMN `offer_sdp` text;
ALTER TABLE `click_to_calls` ADD COLUMN `answer_sdp` text;
ALTER TABLE `click_to_calls` ADD COLUMN `events_delivered` integer NOT NULL DEFAULT 0;
ALTER TABLE `click_to_calls` ADD COLUMN `last_event` integer NOT NULL DEFAULT 0;
CREATE INDEX `idx_click_to_calls_visitor` ON `click_to_calls` (`channel_config_id`, `user_id`, `created_at`);
CREATE INDEX `idx_click_to_calls_conversation_id` ON `click_to_calls` (`conversation_id`);
CREATE INDEX `idx_click_to_calls_agent_id` ON `click_to_calls` (`agent_id`);
CREATE UNIQUE INDEX `idx_click_to_calls_access_code` ON `click_to_calls` (`access_code`);
CREATE TABLE `click_to_call_events` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `call_id` text NOT NULL,
  `seq` integer NOT NULL,
  `event_id` text NOT NULL,
  `result_desc` text NOT NULL,
  `cause_id` text NOT NULL,
  `cause_desc` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_click_to_call_events_seq` ON `click_to_call_events` (`call_id`, `seq`);
CREATE TABLE `click_to_call_settings` (
  `channel_config_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `enabled` numeric NOT NULL,
  `video_allowed` numeric NOT NULL,
  `queue_timeout_sec` integer NOT NULL,
  `ring_timeout_sec` integer NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`channel_config_id`)
);
CREATE INDEX `idx_click_to_call_settings_tenant_id` ON `click_to_call_settings` (`tenant_id`);

-- +goose Down
DROP TABLE `click_to_call_settings`;
DROP TABLE `click_to_call_events`;
DROP INDEX `idx_click_to_calls_access_code`;
DROP INDEX `idx_click_to_calls_agent_id`;
DROP INDEX `idx_click_to_calls_conversation_id`;
DROP INDEX `idx_click_to_calls_visitor`;
ALTER TABLE `click_to_calls` DROP COLUMN `last_event`;
ALTER TABLE `click_to_calls` DROP COLUMN `events_delivered`;
ALTER TABLE `click_to_calls` DROP COLUMN `answer_sdp`;
ALTER TABLE `click_to_calls` DROP COLUMN `offer_sdp`;
ALTER TABLE `click_to_calls` DROP COLUMN `duration_sec`;
ALTER TABLE `click_to_calls` DROP COLUMN `ended_at`;
ALTER TABLE `click_to_calls` DROP COLUMN `connected_at`;
ALTER TABLE `click_to_calls` DROP COLUMN `ringing_at`;
ALTER TABLE `click_to_calls` DROP COLUMN `queued_at`;
ALTER TABLE `click_to_calls` DROP COLUMN `end_reason`;
ALTER TABLE `click_to_calls` DROP COLUMN `step`;
ALTER TABLE `click_to_calls` DROP COLUMN `access_code`;
ALTER TABLE `click_to_calls` DROP COLUMN `agent_id`;
ALTER TABLE `click_to_calls` DROP COLUMN `conversation_id`;
