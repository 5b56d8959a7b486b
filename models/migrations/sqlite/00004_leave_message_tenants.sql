-- Which tenant a leave message belongs to, SQLite. cc_misc_lvmsg's DDL is
-- fixed by spec 002 and has no tenant column (acc_name is a display name, and
-- a WeChat account's for weixin messages), so the agents' view of their
-- tenant's messages needs this side table, written with the message.

-- +goose Up
CREATE TABLE `leave_message_tenants` (
  `message_id` text NOT NULL,
  `tenant_id` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`message_id`)
);
CREATE INDEX `idx_leave_message_tenants_list` ON `leave_message_tenants` (`tenant_id`, `created_at`);

-- +goose Down
DROP TABLE `leave_message_tenants`;
