-- ccflow schema, MySQL/MariaDB.
--
-- MySQL commits DDL implicitly, so a transaction cannot make this file atomic.
-- Instead every CREATE is IF NOT EXISTS: a run that died half-way is simply
-- repeated, and a cc_misc_lvmsg that an existing deployment already has (its
-- DDL comes from spec 002) is adopted as it is.
--
-- Types follow the GORM tags in models.go: size:N -> varchar(N), Go int/int64
-- -> bigint, bool -> tinyint(1), time.Time -> DATETIME(3) NOT NULL, *time.Time
-- -> DATETIME(3) NULL. schema_test.go checks the two never drift apart.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `tenants` (
  `id` varchar(64) NOT NULL,
  `name` varchar(128) NOT NULL,
  `business_id` bigint NOT NULL,
  `app_id` varchar(64) NOT NULL,
  `vendor_id` varchar(64) NOT NULL,
  `site_id` varchar(64) NOT NULL,
  `logo` varchar(512) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_tenants_business_id` (`business_id`),
  UNIQUE KEY `idx_tenants_app_id` (`app_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `app_keys` (
  `key` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `secret` varchar(128) NOT NULL,
  `name` varchar(64) NOT NULL,
  `disabled` tinyint(1) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`key`),
  KEY `idx_app_keys_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `channel_configs` (
  `id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `name` varchar(128) NOT NULL,
  `robot_enabled` tinyint(1) NOT NULL,
  `robot_nickname` varchar(64) NOT NULL,
  `robot_greeting` varchar(500) NOT NULL,
  `robot_max_misses` bigint NOT NULL,
  `working_hours` varchar(256) NOT NULL,
  `time_zone` varchar(64) NOT NULL,
  `locale` varchar(16) NOT NULL,
  `max_queue_wait_sec` bigint NOT NULL,
  `robot_idle_sec` bigint NOT NULL,
  `queue_idle_sec` bigint NOT NULL,
  `agent_idle_sec` bigint NOT NULL,
  `satisfaction_sec` bigint NOT NULL,
  `default_skill_group` bigint NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_channel_configs_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `skill_groups` (
  `id` bigint NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `name` varchar(64) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_skill_groups_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `agents` (
  `id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `username` varchar(64) NOT NULL,
  `nickname` varchar(64) NOT NULL,
  `password_hash` varchar(100) NOT NULL,
  `capacity` bigint NOT NULL,
  `avatar` varchar(512) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_agents_username` (`username`),
  KEY `idx_agents_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `agent_skills` (
  `agent_id` varchar(64) NOT NULL,
  `skill_group_id` bigint NOT NULL,
  PRIMARY KEY (`agent_id`, `skill_group_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `faq_entries` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(64) NOT NULL,
  `question` varchar(500) NOT NULL,
  `answer` varchar(2000) NOT NULL,
  `keywords` varchar(500) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_faq_entries_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `webhook_endpoints` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(64) NOT NULL,
  `url` varchar(1024) NOT NULL,
  `secret` varchar(128) NOT NULL,
  `enabled` tinyint(1) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_webhook_endpoints_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `conversations` (
  `id` varchar(64) NOT NULL,
  `workflow_id` varchar(200) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `channel_config_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `user_name` varchar(128) NOT NULL,
  `phase` varchar(16) NOT NULL,
  `skill_group_id` bigint NOT NULL,
  `agent_id` varchar(64) NOT NULL,
  `started_at` datetime(3) NOT NULL,
  `queued_at` datetime(3) NULL DEFAULT NULL,
  `assigned_at` datetime(3) NULL DEFAULT NULL,
  `ended_at` datetime(3) NULL DEFAULT NULL,
  `closed_at` datetime(3) NULL DEFAULT NULL,
  `close_reason` varchar(32) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_conversations_workflow_id` (`workflow_id`),
  KEY `idx_conversations_tenant_id` (`tenant_id`),
  KEY `idx_conversations_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `chat_records` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(64) NOT NULL,
  `conversation_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `seq` bigint NOT NULL,
  `direction` varchar(16) NOT NULL,
  `sender_type` varchar(16) NOT NULL,
  `sender_id` varchar(128) NOT NULL,
  `media_type` varchar(16) NOT NULL,
  `rc_type` varchar(32) NOT NULL,
  `content` text NOT NULL,
  `message_code` varchar(64) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `deleted_by_member_at` datetime(3) NULL DEFAULT NULL,
  `deleted_by_seller_at` datetime(3) NULL DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_chat_records_message_code` (`message_code`),
  KEY `idx_chat_records_member` (`tenant_id`, `user_id`),
  KEY `idx_chat_records_conv` (`conversation_id`, `seq`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `satisfaction_ratings` (
  `conversation_id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `channel_config_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `agent_id` varchar(64) NOT NULL,
  `evaluation` bigint NOT NULL,
  `comment` varchar(512) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`conversation_id`),
  KEY `idx_satisfaction_ratings_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `robot_feedbacks` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(64) NOT NULL,
  `conversation_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `message_code` varchar(64) NOT NULL,
  `feedback` bigint NOT NULL,
  `feedback_content` varchar(512) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_robot_feedbacks_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `stored_files` (
  `object_key` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `file_name` varchar(255) NOT NULL,
  `media_type` varchar(16) NOT NULL,
  `content_type` varchar(128) NOT NULL,
  `size` bigint NOT NULL,
  `sha256` varchar(64) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`object_key`),
  KEY `idx_stored_files_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `click_to_calls` (
  `call_id` varchar(64) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `channel_config_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `media_type` varchar(16) NOT NULL,
  `state` varchar(16) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`call_id`),
  KEY `idx_click_to_calls_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Spec 002's DDL verbatim, utf8 (3-byte) charset included: the table is a
-- published contract, so its shape is the spec's rather than ccflow's.
CREATE TABLE IF NOT EXISTS `cc_misc_lvmsg` (
  `id` varchar(50) NOT NULL,
  `acc_type` varchar(50) NOT NULL COMMENT '留言来源的账户类型。微信请自行填写"weixin",否则是"app"',
  `acc_name` varchar(50) NOT NULL COMMENT '账户名。微信的需要自行填写微信账户名,app的是app的name',
  `user_id` varchar(50) DEFAULT NULL COMMENT '如果APP能够提供用户的唯一ID,就在这个字段填写。如果无法确定,则可不提供该字段。',
  `contact` varchar(32) NOT NULL COMMENT '联络人称谓',
  `callback` varchar(50) NOT NULL COMMENT '回复方式',
  `tel` varchar(45) DEFAULT NULL,
  `email` varchar(100) DEFAULT NULL,
  `subject` varchar(50) NOT NULL COMMENT '留言主题',
  `content` varchar(2000) DEFAULT NULL COMMENT '留言内容',
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `user_data` varchar(2000) DEFAULT NULL COMMENT '附加数据',
  `tag` varchar(45) DEFAULT NULL COMMENT '标签,开发可任意处置',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COMMENT='留言记录';

-- +goose Down
DROP TABLE IF EXISTS `cc_misc_lvmsg`;
DROP TABLE IF EXISTS `click_to_calls`;
DROP TABLE IF EXISTS `stored_files`;
DROP TABLE IF EXISTS `robot_feedbacks`;
DROP TABLE IF EXISTS `satisfaction_ratings`;
DROP TABLE IF EXISTS `chat_records`;
DROP TABLE IF EXISTS `conversations`;
DROP TABLE IF EXISTS `webhook_endpoints`;
DROP TABLE IF EXISTS `faq_entries`;
DROP TABLE IF EXISTS `agent_skills`;
DROP TABLE IF EXISTS `agents`;
DROP TABLE IF EXISTS `skill_groups`;
DROP TABLE IF EXISTS `channel_configs`;
DROP TABLE IF EXISTS `app_keys`;
DROP TABLE IF EXISTS `tenants`;
