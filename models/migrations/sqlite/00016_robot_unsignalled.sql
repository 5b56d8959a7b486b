-- A robot question the workflow was not told of (issue 14), SQLite.
-- conversations.robot_unsignalled_seq is the seq of the newest robot-phase
-- question whose signal to the conversation's workflow has not been
-- confirmed: the send writes it with the question, a confirmed signal clears
-- it, and the API's sweep signals again any left (Temporal's history was
-- down) until one gets through. 0: nothing pending.

-- +goose Up
ALTER TABLE `conversations` ADD COLUMN `robot_unsignalled_seq` integer NOT NULL DEFAULT 0;
CREATE INDEX `idx_conversations_robot_unsignalled` ON `conversations`(`robot_unsignalled_seq`);

-- +goose Down
DROP INDEX `idx_conversations_robot_unsignalled`;
ALTER TABLE `conversations` DROP COLUMN `robot_unsignalled_seq`;
