-- Outbound calls over SIP, SQLite (issue 15, spec 003 §16): the record the
-- outbound call workflow writes, and each tenant's on/off switch.

-- +goose Up
CREATE TABLE `outbound_calls` (
  `call_serial_no` text NOT NULL PRIMARY KEY,
  `tenant_id` text NOT NULL,
  `app_key` text NOT NULL,
  `called` text NOT NULL,
  `caller_present` text NOT NULL,
  `call_data` text NOT NULL,
  `access_code` text,
  `state` text NOT NULL,
  `step` integer NOT NULL,
  `end_reason` text NOT NULL,
  `sip_status` integer NOT NULL,
  `expires_at` datetime NOT NULL,
  `dialed_at` datetime,
  `connected_at` datetime,
  `ended_at` datetime,
  `duration_sec` integer NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL
);
CREATE INDEX `idx_outbound_calls_tenant_id` ON `outbound_calls` (`tenant_id`);
CREATE INDEX `idx_outbound_calls_created_at` ON `outbound_calls` (`created_at`);
CREATE UNIQUE INDEX `idx_outbound_calls_access_code` ON `outbound_calls` (`access_code`);
CREATE TABLE `outbound_call_settings` (
  `tenant_id` text NOT NULL PRIMARY KEY,
  `enabled` numeric NOT NULL,
  `updated_at` datetime NOT NULL
);

-- +goose Down
DROP TABLE `outbound_call_settings`;
DROP TABLE `outbound_calls`;
