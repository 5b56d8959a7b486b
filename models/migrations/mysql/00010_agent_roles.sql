-- Agent roles, MySQL/MariaDB: an agent is an "agent" or a "supervisor"; a
-- supervisor also sees the tenant's live view and reports, and may whisper
-- to the agent serving a conversation (supervisor_notes; issue 12). The
-- table is created IF NOT EXISTS, so a run cut between the two statements
-- (MySQL commits DDL implicitly) completes on the next.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS `supervisor_notes` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(64) NOT NULL,
  `conversation_id` varchar(64) NOT NULL,
  `agent_id` varchar(64) NOT NULL,
  `from_agent_id` varchar(64) NOT NULL,
  `from_name` varchar(64) NOT NULL,
  `content` varchar(2000) NOT NULL,
  `created_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_supervisor_notes_conversation_id` (`conversation_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
ALTER TABLE `agents` ADD COLUMN `role` varchar(16) NOT NULL DEFAULT 'agent';

-- +goose Down
ALTER TABLE `agents` DROP COLUMN `role`;
DROP TABLE `supervisor_notes`;
