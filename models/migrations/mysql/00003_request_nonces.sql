-- Used one-time request credentials (leave-message signatures), MySQL/MariaDB.
--
-- IF NOT EXISTS for the same reason as 00001: MySQL commits DDL implicitly, so
-- a run that died half-way is simply repeated. The composite primary key is
-- the uniqueness that turns a replay into a failed insert on every replica;
-- expires_at is indexed for the sweep of expired rows. Key length: (128 + 128)
-- characters of utf8mb4 is 1024 bytes, well within InnoDB's 3072.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `request_nonces` (
  `scope` varchar(128) NOT NULL,
  `nonce` varchar(128) NOT NULL,
  `expires_at` datetime(3) NOT NULL,
  PRIMARY KEY (`scope`, `nonce`),
  KEY `idx_request_nonces_expires_at` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `request_nonces`;
