-- Which tenant a leave message belongs to, MySQL/MariaDB. cc_misc_lvmsg's DDL
-- is fixed by spec 002 and has no tenant column (acc_name is a display name,
-- and a WeChat account's for weixin messages), so the agents' view of their
-- tenant's messages needs this side table, written with the message.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `leave_message_tenants` (
  `message_id` varchar(50) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`message_id`),
  KEY `idx_leave_message_tenants_list` (`tenant_id`, `created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `leave_message_tenants`;
