-- ccflow schema, SQLite.
--
-- Column types are the ones GORM's SQLite dialect derives from the tags in
-- models.go (text, integer, numeric for bool, datetime). SQLite ignores
-- lengths, so they are only spelled out for cc_misc_lvmsg, whose DDL is spec
-- 002's. Primary keys say NOT NULL because SQLite otherwise accepts NULL in a
-- non-integer primary key. schema_test.go checks tags and DDL never drift.

-- +goose Up
CREATE TABLE `tenants` (
  `id` text NOT NULL,
  `name` text NOT NULL,
  `business_id` integer NOT NULL,
  `app_id` text NOT NULL,
  `vendor_id` text NOT NULL,
  `site_id` text NOT NULL,
  `logo` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE UNIQUE INDEX `idx_tenants_business_id` ON `tenants` (`business_id`);
CREATE UNIQUE INDEX `idx_tenants_app_id` ON `tenants` (`app_id`);

CREATE TABLE `app_keys` (
  `key` text NOT NULL,
  `tenant_id` text NOT NULL,
  `secret` text NOT NULL,
  `name` text NOT NULL,
  `disabled` numeric NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`key`)
);
CREATE INDEX `idx_app_keys_tenant_id` ON `app_keys` (`tenant_id`);

CREATE TABLE `channel_configs` (
  `id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `name` text NOT NULL,
  `robot_enabled` numeric NOT NULL,
  `robot_nickname` text NOT NULL,
  `robot_greeting` text NOT NULL,
  `robot_max_misses` integer NOT NULL,
  `working_hours` text NOT NULL,
  `time_zone` text NOT NULL,
  `locale` text NOT NULL,
  `max_queue_wait_sec` integer NOT NULL,
  `robot_idle_sec` integer NOT NULL,
  `queue_idle_sec` integer NOT NULL,
  `agent_idle_sec` integer NOT NULL,
  `satisfaction_sec` integer NOT NULL,
  `default_skill_group` integer NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE INDEX `idx_channel_configs_tenant_id` ON `channel_configs` (`tenant_id`);

CREATE TABLE `skill_groups` (
  `id` integer NOT NULL,
  `tenant_id` text NOT NULL,
  `name` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE INDEX `idx_skill_groups_tenant_id` ON `skill_groups` (`tenant_id`);

CREATE TABLE `agents` (
  `id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `username` text NOT NULL,
  `nickname` text NOT NULL,
  `password_hash` text NOT NULL,
  `capacity` integer NOT NULL,
  `avatar` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE UNIQUE INDEX `idx_agents_username` ON `agents` (`username`);
CREATE INDEX `idx_agents_tenant_id` ON `agents` (`tenant_id`);

CREATE TABLE `agent_skills` (
  `agent_id` text NOT NULL,
  `skill_group_id` integer NOT NULL,
  PRIMARY KEY (`agent_id`, `skill_group_id`)
);

CREATE TABLE `faq_entries` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `tenant_id` text NOT NULL,
  `question` text NOT NULL,
  `answer` text NOT NULL,
  `keywords` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL
);
CREATE INDEX `idx_faq_entries_tenant_id` ON `faq_entries` (`tenant_id`);

CREATE TABLE `webhook_endpoints` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `tenant_id` text NOT NULL,
  `url` text NOT NULL,
  `secret` text NOT NULL,
  `enabled` numeric NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL
);
CREATE INDEX `idx_webhook_endpoints_tenant_id` ON `webhook_endpoints` (`tenant_id`);

CREATE TABLE `conversations` (
  `id` text NOT NULL,
  `workflow_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `channel_config_id` text NOT NULL,
  `user_id` text NOT NULL,
  `user_name` text NOT NULL,
  `phase` text NOT NULL,
  `skill_group_id` integer NOT NULL,
  `agent_id` text NOT NULL,
  `started_at` datetime NOT NULL,
  `queued_at` datetime NULL,
  `assigned_at` datetime NULL,
  `ended_at` datetime NULL,
  `closed_at` datetime NULL,
  `close_reason` text NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE INDEX `idx_conversations_workflow_id` ON `conversations` (`workflow_id`);
CREATE INDEX `idx_conversations_tenant_id` ON `conversations` (`tenant_id`);
CREATE INDEX `idx_conversations_user_id` ON `conversations` (`user_id`);

CREATE TABLE `chat_records` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `tenant_id` text NOT NULL,
  `conversation_id` text NOT NULL,
  `user_id` text NOT NULL,
  `seq` integer NOT NULL,
  `direction` text NOT NULL,
  `sender_type` text NOT NULL,
  `sender_id` text NOT NULL,
  `media_type` text NOT NULL,
  `rc_type` text NOT NULL,
  `content` text NOT NULL,
  `message_code` text NOT NULL,
  `created_at` datetime NOT NULL,
  `deleted_by_member_at` datetime NULL,
  `deleted_by_seller_at` datetime NULL
);
CREATE UNIQUE INDEX `idx_chat_records_message_code` ON `chat_records` (`message_code`);
CREATE INDEX `idx_chat_records_member` ON `chat_records` (`tenant_id`, `user_id`);
CREATE INDEX `idx_chat_records_conv` ON `chat_records` (`conversation_id`, `seq`);

CREATE TABLE `satisfaction_ratings` (
  `conversation_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `channel_config_id` text NOT NULL,
  `user_id` text NOT NULL,
  `agent_id` text NOT NULL,
  `evaluation` integer NOT NULL,
  `comment` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`conversation_id`)
);
CREATE INDEX `idx_satisfaction_ratings_tenant_id` ON `satisfaction_ratings` (`tenant_id`);

CREATE TABLE `robot_feedbacks` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `tenant_id` text NOT NULL,
  `conversation_id` text NOT NULL,
  `user_id` text NOT NULL,
  `message_code` text NOT NULL,
  `feedback` integer NOT NULL,
  `feedback_content` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE INDEX `idx_robot_feedbacks_tenant_id` ON `robot_feedbacks` (`tenant_id`);

CREATE TABLE `stored_files` (
  `object_key` text NOT NULL,
  `tenant_id` text NOT NULL,
  `user_id` text NOT NULL,
  `file_name` text NOT NULL,
  `media_type` text NOT NULL,
  `content_type` text NOT NULL,
  `size` integer NOT NULL,
  `sha256` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`object_key`)
);
CREATE INDEX `idx_stored_files_tenant_id` ON `stored_files` (`tenant_id`);

CREATE TABLE `click_to_calls` (
  `call_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `channel_config_id` text NOT NULL,
  `user_id` text NOT NULL,
  `media_type` text NOT NULL,
  `state` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`call_id`)
);
CREATE INDEX `idx_click_to_calls_tenant_id` ON `click_to_calls` (`tenant_id`);

CREATE TABLE `cc_misc_lvmsg` (
  `id` varchar(50) NOT NULL,
  `acc_type` varchar(50) NOT NULL,
  `acc_name` varchar(50) NOT NULL,
  `user_id` varchar(50) DEFAULT NULL,
  `contact` varchar(32) NOT NULL,
  `callback` varchar(50) NOT NULL,
  `tel` varchar(45) DEFAULT NULL,
  `email` varchar(100) DEFAULT NULL,
  `subject` varchar(50) NOT NULL,
  `content` varchar(2000) DEFAULT NULL,
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `user_data` varchar(2000) DEFAULT NULL,
  `tag` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id`)
);

-- +goose Down
DROP TABLE `cc_misc_lvmsg`;
DROP TABLE `click_to_calls`;
DROP TABLE `stored_files`;
DROP TABLE `robot_feedbacks`;
DROP TABLE `satisfaction_ratings`;
DROP TABLE `chat_records`;
DROP TABLE `conversations`;
DROP TABLE `webhook_endpoints`;
DROP TABLE `faq_entries`;
DROP TABLE `agent_skills`;
DROP TABLE `agents`;
DROP TABLE `skill_groups`;
DROP TABLE `channel_configs`;
DROP TABLE `app_keys`;
DROP TABLE `tenants`;
