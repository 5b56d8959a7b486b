package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ccflow/ccflow/internal/authcache"
	"github.com/ccflow/ccflow/models"
)

// Store reads and writes tenants' configuration. The rest of ccflow reads
// these tables per request or per new conversation, so a write here takes
// effect without a restart.
type Store struct {
	DB *gorm.DB
	// BcryptCost hashes agents' passwords; 0 means bcrypt.DefaultCost.
	BcryptCost int
	// AllowPrivateWebhooks accepts webhook URLs on loopback, private and
	// link-local addresses (CCFLOW_WEBHOOK_ALLOW_PRIVATE); off, they are refused.
	AllowPrivateWebhooks bool
	// Auth is the process's cache of authentication reads; a change to an
	// app key or an agent drops what it cached (nil: nothing is cached).
	Auth *authcache.Cache
}

// revoked tells the authentication cache that subjects changed, once the
// change (err == nil) has committed, and passes err on.
func (s *Store) revoked(ctx context.Context, err error, subjects ...string) error {
	if err != nil {
		return err
	}
	return s.Auth.Revoked(ctx, subjects...)
}

// Bounds of a list page.
const (
	// DefaultLimit is the page size when none is asked for.
	DefaultLimit = 100
	// MaxLimit is the largest page, so that one call cannot read a whole table.
	MaxLimit = 500
)

// Page selects at most Limit rows after Offset; Limit 0 means DefaultLimit.
type Page struct {
	Limit, Offset int
}

// List is one page of rows and the number of rows in all.
type List[T any] struct {
	Items []T
	Total int64
}

func (p Page) check() (Page, error) {
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	return p, collect(between("limit", int64(p.Limit), 1, MaxLimit), between("offset", int64(p.Offset), 0, 1<<31))
}

// list reads one page of T in order, of one tenant when tenantID is set.
func list[T any](ctx context.Context, db *gorm.DB, tenantID string, p Page, order string) (List[T], error) {
	p, err := p.check()
	if err != nil {
		return List[T]{}, err
	}
	query := func() *gorm.DB {
		q := db.WithContext(ctx).Model(new(T))
		if tenantID != "" {
			q = q.Where("tenant_id = ?", tenantID)
		}
		return q
	}
	out := List[T]{Items: []T{}}
	if err := query().Count(&out.Total).Error; err != nil {
		return List[T]{}, fmt.Errorf("count %T: %w", *new(T), err)
	}
	if out.Total == 0 || int64(p.Offset) >= out.Total {
		return out, nil
	}
	if err := query().Order(order).Offset(p.Offset).Limit(p.Limit).Find(&out.Items).Error; err != nil {
		return List[T]{}, fmt.Errorf("list %T: %w", *new(T), err)
	}
	return out, nil
}

// forUpdate locks the rows a query reads until the transaction ends (MySQL;
// SQLite's write transactions already exclude each other).
var forUpdate = clause.Locking{Strength: "UPDATE"}

// inTenant runs fn in a transaction holding the tenant's row lock. Every
// write within a tenant takes it first, so that checks such as "the skill
// group exists" or "the tenant has no agents" still hold at commit.
func (s *Store) inTenant(ctx context.Context, tenantID string, fn func(tx *gorm.DB) error) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(forUpdate).Select("id").Where("id = ?", tenantID).Take(&models.Tenant{}).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return invalidf("tenantId: there is no tenant %q", tenantID)
			}
			return fmt.Errorf("lock tenant %s: %w", tenantID, err)
		}
		return fn(tx)
	})
}

// find reads the row of T whose primary key column col is id; what names the
// resource in the not-found message.
func find[T any](ctx context.Context, db *gorm.DB, what, col string, id any) (T, error) {
	var row T
	err := db.WithContext(ctx).Where(clause.Eq{Column: clause.Column{Name: col}, Value: id}).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, notFoundf("there is no %s %v", what, id)
	}
	if err != nil {
		return row, fmt.Errorf("read %s %v: %w", what, id, err)
	}
	return row, nil
}

// findLocked is find inside a transaction, locking the row.
func findLocked[T any](tx *gorm.DB, what, col string, id any) (T, error) {
	return find[T](tx.Statement.Context, tx.Clauses(forUpdate), what, col, id)
}

// withRow runs fn on the locked row of T whose primary key column col is id,
// under the lock of the tenant tenantOf names, and returns the row as fn left it.
func withRow[T any](ctx context.Context, s *Store, what, col string, id any, tenantOf func(T) string, fn func(tx *gorm.DB, row *T) error) (T, error) {
	row, err := find[T](ctx, s.DB, what, col, id)
	if err != nil {
		return row, err
	}
	err = s.inTenant(ctx, tenantOf(row), func(tx *gorm.DB) error {
		if row, err = findLocked[T](tx, what, col, id); err != nil {
			return err
		}
		return fn(tx, &row)
	})
	return row, err
}

// result is row, or the zero T when err is set, so a refused change never
// hands back a half-edited row.
func result[T any](row T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return row, nil
}

// count reports how many rows of T match the condition.
func count[T any](tx *gorm.DB, query string, args ...any) (int64, error) {
	var n int64
	err := tx.Model(new(T)).Where(query, args...).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count %T: %w", *new(T), err)
	}
	return n, nil
}

// update writes every column of row but its key and creation time.
func update(tx *gorm.DB, row any, key string) error {
	return tx.Select("*").Omit(key, "CreatedAt").Updates(row).Error
}

// writeErr passes refusals through, turns a unique-key violation that a
// concurrent write slipped past the checks into a conflict, and wraps the rest.
func writeErr(err error, op, clash string) error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case isDuplicate(err):
		return conflictf("%s", clash)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isDuplicate recognises a unique or primary key violation on either database.
func isDuplicate(err error) bool {
	var my *gomysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1062 // ER_DUP_ENTRY
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isDeadlock recognises MySQL's verdict that a transaction lost a lock cycle
// and may simply be run again.
func isDeadlock(err error) bool {
	var my *gomysql.MySQLError
	return errors.As(err, &my) && my.Number == 1213 // ER_LOCK_DEADLOCK
}

// newSecret is a random secret of n bytes, hex-encoded.
func newSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
