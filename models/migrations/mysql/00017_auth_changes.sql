-- Revocations of cached authentication reads (issue 9), MySQL: a change to
-- an app key or an agent's sessions writes a row here in its transaction,
-- and every replica's tailer drops the subject from its in-memory cache.

-- +goose Up
CREATE TABLE `auth_changes` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `subject` varchar(200) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_auth_changes_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE `auth_changes`;
