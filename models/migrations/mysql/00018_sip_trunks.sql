-- A tenant's own SIP trunk for its outbound calls (issue 15), MySQL/MariaDB:
-- set through the admin API; a tenant without a row dials through the
-- process's trunk (CCFLOW_SIP_TRUNK_*). Read per call, so a change counts at
-- the next call on every replica. IF NOT EXISTS, so that a run cut short
-- (MySQL commits DDL implicitly) completes on the next.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `sip_trunks` (
  `tenant_id` varchar(64) NOT NULL,
  `address` varchar(255) NOT NULL,
  `username` varchar(128) NOT NULL,
  `password` varchar(128) NOT NULL,
  `updated_at` datetime(3) NOT NULL,
  PRIMARY KEY (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE IF EXISTS `sip_trunks`;
