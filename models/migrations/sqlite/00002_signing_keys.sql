-- Token signing keys, SQLite. Types as in 00001: text and datetime, the
-- primary key NOT NULL because SQLite otherwise accepts NULL in it.

-- +goose Up
CREATE TABLE `signing_keys` (
  `id` text NOT NULL,
  `secret` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);

-- +goose Down
DROP TABLE `signing_keys`;
