-- A tenant's own SIP trunk for its outbound calls (issue 15), SQLite: set
-- through the admin API; a tenant without a row dials through the process's
-- trunk (CCFLOW_SIP_TRUNK_*). Read per call, so a change counts at the next
-- call on every replica.

-- +goose Up
CREATE TABLE `sip_trunks` (
  `tenant_id` text NOT NULL PRIMARY KEY,
  `address` text NOT NULL,
  `username` text NOT NULL,
  `password` text NOT NULL,
  `updated_at` datetime NOT NULL
);

-- +goose Down
DROP TABLE `sip_trunks`;
