-- Calls, MySQL/MariaDB (issue 15): the click-to-call record grows what the
-- call workflow writes (conversation, agent, times, how it ended, the WebRTC
-- offer and answer ccflow relays), the visitor's call events, and each
-- channel's click-to-call settings. One ALTER for the columns and the new
-- tables IF NOT EXISTS, so that a run cut short (MySQL commits DDL
-- implicitly) completes on the next.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `click_to_call_events` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `call_id` varchar(64) NOT NULL,
  `seq` bigint NOT NULL,
  `event_id` varchar(16) NOT NULL,
  `result_desc` varchar(64) NOT NULL,
  `cause_id` varchar(16) NOT NULL,
  `cause_desc` varchar(256) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_click_to_call_events_seq` (`call_id`, `seq`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS `click_to_call_settings` (
  `channel_config_id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `enabled` tinyint(1) NOT NULL,
  `video_allowed` tinyint(1) NOT NULL,
  `queue_timeout_sec` bigint NOT NULL,
  `ring_timeout_sec` bigint NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`channel_config_id`),
  KEY `idx_click_to_call_settings_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
ALTER TABLE `click_to_calls`
  ADD COLUMN `conversation_id` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN `agent_id` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN `access_code` varchar(64) NULL,
  ADD COLUMN `step` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `end_reason` varchar(32) NOT NULL DEFAULT '',
  ADD COLUMN `queued_at` datetime(3) NULL,
  ADD COLUMN `ringing_at` datetime(3) NULL,
  ADD COLUMN `connected_at` datetime(3) NULL,
  ADD COLUMN `ended_at` datetime(3) NULL,
  ADD COLUMN `duration_sec` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `offer_sdp` text NULL,
  ADD COLUMN `answer_sdp` text NULL,
  ADD COLUMN `events_delivered` bigint NOT NULL DEFAULT 0,
  ADD COLUMN `last_event` bigint NOT NULL DEFAULT 0,
  ADD KEY `idx_click_to_calls_visitor` (`channel_config_id`, `user_id`, `created_at`),
  ADD KEY `idx_click_to_calls_conversation_id` (`conversation_id`),
  ADD KEY `idx_click_to_calls_agent_id` (`agent_id`),
  ADD UNIQUE KEY `idx_click_to_calls_access_code` (`access_code`);

-- +goose Down
ALTER TABLE `click_to_calls`
  DROP INDEX `idx_click_to_calls_access_code`, DROP INDEX `idx_click_to_calls_agent_id`,
  DROP INDEX `idx_click_to_calls_conversation_id`, DROP INDEX `idx_click_to_calls_visitor`,
  DROP COLUMN `last_event`, DROP COLUMN `events_delivered`, DROP COLUMN `answer_sdp`, DROP COLUMN `offer_sdp`,
  DROP COLUMN `duration_sec`, DROP COLUMN `ended_at`, DROP COLUMN `connected_at`, DROP COLUMN `ringing_at`,
  DROP COLUMN `queued_at`, DROP COLUMN `end_reason`, DROP COLUMN `step`, DROP COLUMN `access_code`,
  DROP COLUMN `agent_id`, DROP COLUMN `conversation_id`;
DROP TABLE IF EXISTS `click_to_call_settings`;
DROP TABLE IF EXISTS `click_to_call_events`;
