-- A webhook endpoint's health (issue 11): since when its deliveries have
-- been failing (NULL while the last attempt was accepted), since when it is
-- unhealthy (failing for CCFLOW_WEBHOOK_UNHEALTHY_AFTER; set once, so the
-- operator is told once), and the last attempt's error. MySQL.

-- +goose Up
ALTER TABLE `webhook_endpoints`
  ADD COLUMN `failing_since` datetime(3) NULL DEFAULT NULL,
  ADD COLUMN `unhealthy_since` datetime(3) NULL DEFAULT NULL,
  ADD COLUMN `last_error` varchar(512) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE `webhook_endpoints` DROP COLUMN `last_error`, DROP COLUMN `unhealthy_since`, DROP COLUMN `failing_since`;
