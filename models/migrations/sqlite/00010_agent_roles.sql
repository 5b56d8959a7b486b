-- Agent roles, SQLite: an agent is an "agent" or a "supervisor"; a
-- supervisor also sees the tenant's live view and reports, and may whisper
-- to the agent serving a conversation (supervisor_notes; issue 12).

-- +goose Up
ALTER TABLE `agents` ADD COLUMN `role` text NOT NULL DEFAULT 'agent';
CREATE TABLE `supervisor_notes` (
  `id` integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  `tenant_id` text NOT NULL,
  `conversation_id` text NOT NULL,
  `agent_id` text NOT NULL,
  `from_agent_id` text NOT NULL,
  `from_name` text NOT NULL,
  `content` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE INDEX `idx_supervisor_notes_conversation_id` ON `supervisor_notes` (`conversation_id`);

-- +goose Down
DROP TABLE `supervisor_notes`;
ALTER TABLE `agents` DROP COLUMN `role`;
