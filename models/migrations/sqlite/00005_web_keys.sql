-- Single-use keys that open the customer chat page (spec 000's guest entry,
-- spec 001's visitor entry), SQLite. Only the key's SHA-256 is stored; the
-- unique index on it is what the exchange looks the key up by, and
-- expires_at is indexed for the sweep of spent and expired rows.

-- +goose Up
CREATE TABLE `web_keys` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `key_hash` text NOT NULL,
  `source` text NOT NULL,
  `tenant_id` text NOT NULL,
  `app_key` text NOT NULL,
  `channel_config_id` text NOT NULL,
  `user_id` text NOT NULL,
  `user_name` text NOT NULL,
  `avatar` text NOT NULL,
  `skill_group_id` integer NOT NULL,
  `locale` text NOT NULL,
  `product_card` text NOT NULL,
  `contact` text NOT NULL,
  `created_at` datetime NOT NULL,
  `expires_at` datetime NOT NULL,
  `used_at` datetime NULL
);
CREATE UNIQUE INDEX `idx_web_keys_key_hash` ON `web_keys` (`key_hash`);
CREATE INDEX `idx_web_keys_expires_at` ON `web_keys` (`expires_at`);

-- +goose Down
DROP TABLE `web_keys`;
