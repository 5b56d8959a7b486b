-- Token signing keys, MySQL/MariaDB.
--
-- IF NOT EXISTS for the same reason as 00001: MySQL commits DDL implicitly, so
-- a run that died half-way is simply repeated. The secret is hex text (64
-- characters for 32 bytes; 128 leaves room for a longer key).

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `signing_keys` (
  `id` varchar(64) NOT NULL,
  `secret` varchar(128) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `signing_keys`;
