-- Single-use keys that open the customer chat page (spec 000's guest entry,
-- spec 001's visitor entry), MySQL/MariaDB.
--
-- IF NOT EXISTS for the same reason as 00001: MySQL commits DDL implicitly, so
-- a run that died half-way is simply repeated. Only the key's SHA-256 is
-- stored; the unique index on it is what the exchange looks the key up by,
-- and expires_at is indexed for the sweep of spent and expired rows. Row
-- size: about 4,000 characters of utf8mb4, well within InnoDB's 65,535 bytes.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `web_keys` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `key_hash` varchar(64) NOT NULL,
  `source` varchar(16) NOT NULL,
  `tenant_id` varchar(64) NOT NULL,
  `app_key` varchar(64) NOT NULL,
  `channel_config_id` varchar(64) NOT NULL,
  `user_id` varchar(128) NOT NULL,
  `user_name` varchar(128) NOT NULL,
  `avatar` varchar(512) NOT NULL,
  `skill_group_id` bigint NOT NULL,
  `locale` varchar(16) NOT NULL,
  `product_card` varchar(2000) NOT NULL,
  `contact` varchar(1000) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  `expires_at` datetime(3) NOT NULL,
  `used_at` datetime(3) NULL DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_web_keys_key_hash` (`key_hash`),
  KEY `idx_web_keys_expires_at` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `web_keys`;
