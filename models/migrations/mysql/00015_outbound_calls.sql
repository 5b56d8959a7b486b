-- Outbound calls over SIP, MySQL/MariaDB (issue 15, spec 003 §16): the
-- record the outbound call workflow writes, and each tenant's on/off
-- switch. New tables IF NOT EXISTS, so that a run cut short (MySQL commits
-- DDL implicitly) completes on the next.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `outbound_calls` (
  `call_serial_no` varchar(50) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `app_key` varchar(64) NOT NULL,
  `called` varchar(32) NOT NULL,
  `caller_present` varchar(32) NOT NULL,
  `call_data` varchar(1024) NOT NULL,
  `access_code` varchar(32) NULL,
  `state` varchar(16) NOT NULL,
  `step` bigint NOT NULL,
  `end_reason` varchar(256) NOT NULL,
  `sip_status` bigint NOT NULL,
  `expires_at` datetime(3) NOT NULL,
  `dialed_at` datetime(3) NULL,
  `connected_at` datetime(3) NULL,
  `ended_at` datetime(3) NULL,
  `duration_sec` bigint NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`call_serial_no`),
  KEY `idx_outbound_calls_tenant_id` (`tenant_id`),
  KEY `idx_outbound_calls_created_at` (`created_at`),
  UNIQUE KEY `idx_outbound_calls_access_code` (`access_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS `outbound_call_settings` (
  `tenant_id` varchar(64) NOT NULL,
  `enabled` tinyint(1) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `outbound_call_settings`;
DROP TABLE IF EXISTS `outbound_calls`;
