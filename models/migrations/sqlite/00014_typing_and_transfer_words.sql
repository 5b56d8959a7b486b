-- The agent's typing and a tenant's transfer words (issues 12 and 11), SQLite.
-- conversations.agent_typing_at is when the serving agent last typed: the
-- visitor's poll reads it on any replica, so the chat page shows "Agent is
-- typing" however the API is scaled. tenants.transfer_words is the JSON array
-- of lines a visitor types to the robot to reach a person; NULL keeps the
-- built-in list, [] turns the typed transfer off.

-- +goose Up
ALTER TABLE `conversations` ADD COLUMN `agent_typing_at` datetime NULL;
ALTER TABLE `tenants` ADD COLUMN `transfer_words` text NULL;

-- +goose Down
ALTER TABLE `tenants` DROP COLUMN `transfer_words`;
ALTER TABLE `conversations` DROP COLUMN `agent_typing_at`;
