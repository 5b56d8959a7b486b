// Package files stores the files visitors and agents exchange (spec 003 §8,
// §9): the bytes in a Store (a directory or an S3-compatible bucket), and
// what ccflow knows of each file (owner, type, conversation) in the database.
package files

import (
	"context"
	"errors"
	"io"
	"regexp"

	"github.com/google/uuid"
)

// Store keeps objects by key. A key is written once: Put never replaces an
// object, and an object is complete and durable when Put returns.
type Store interface {
	// Put writes the size bytes of r under key; ErrExists if key is taken.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens the object; ErrNotFound if there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object; deleting a missing key is no error.
	Delete(ctx context.Context, key string) error
}

// ErrNotFound is a key no object has.
var ErrNotFound = errors.New("no such object")

// ErrExists is a Put to a key that already has an object.
var ErrExists = errors.New("object exists")

// NewKey is a fresh object key: a random (version 4) UUID, 122 bits from
// crypto/rand, so that nobody can guess another's key; the spec's sample
// objectKey has the same form.
func NewKey() string { return uuid.NewString() }

// keyPattern is what NewKey makes; stores refuse any other key, so that a
// key from a request can never name a path or object outside ccflow's.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidKey reports whether key has NewKey's form.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// ErrBadKey is a key NewKey would not make.
var ErrBadKey = errors.New("malformed object key")
