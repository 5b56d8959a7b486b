-- Used one-time request credentials (leave-message signatures), SQLite.
-- The composite primary key is the uniqueness that turns a replay into a
-- failed insert; expires_at is indexed for the sweep of expired rows.

-- +goose Up
CREATE TABLE `request_nonces` (
  `scope` text NOT NULL,
  `nonce` text NOT NULL,
  `expires_at` datetime NOT NULL,
  PRIMARY KEY (`scope`, `nonce`)
);
CREATE INDEX `idx_request_nonces_expires_at` ON `request_nonces` (`expires_at`);

-- +goose Down
DROP TABLE `request_nonces`;
