-- A webhook endpoint's health (issue 11): since when its deliveries have
-- been failing (NULL while the last attempt was accepted), since when it is
-- unhealthy (failing for CCFLOW_WEBHOOK_UNHEALTHY_AFTER; set once, so the
-- operator is told once), and the last attempt's error. SQLite.

-- +goose Up
ALTER TABLE `webhook_endpoints` ADD COLUMN `failing_since` datetime NULL;
ALTER TABLE `webhook_endpoints` ADD COLUMN `unhealthy_since` datetime NULL;
ALTER TABLE `webhook_endpoints` ADD COLUMN `last_error` text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE `webhook_endpoints` DROP COLUMN `last_error`;
ALTER TABLE `webhook_endpoints` DROP COLUMN `unhealthy_since`;
ALTER TABLE `webhook_endpoints` DROP COLUMN `failing_since`;
