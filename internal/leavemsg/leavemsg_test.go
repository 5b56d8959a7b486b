package leavemsg

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestSignIsDocumentedHMAC(t *testing.T) {
	body := []byte(`{"contact":"王五"}`)
	m := hmac.New(sha256.New, []byte("demo-app-secret"))
	m.Write([]byte("1001\n1407812629434\n"))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	got := Sign("demo-app-secret", "1001", "1407812629434", body)
	require.Equal(t, want, got)
	require.Equal(t, strings.ToLower(got), got)

	nonce, ok := Verify("demo-app-secret", "1001", "1407812629434", body, strings.ToUpper(got))
	require.True(t, ok)
	require.Equal(t, got, nonce, "the nonce is canonical whatever the case sent")
	_, ok = Verify("other", "1001", "1407812629434", body, got)
	require.False(t, ok)
	_, ok = Verify("demo-app-secret", "1001", "1407812629435", body, got)
	require.False(t, ok, "the timestamp is signed")
	_, ok = Verify("demo-app-secret", "1001", "1407812629434", body, got[:62])
	require.False(t, ok)
}

func TestTimestamp(t *testing.T) {
	ts, err := ParseTimestamp("1407812629434")
	require.NoError(t, err)
	require.Equal(t, time.Date(2014, 8, 12, 3, 3, 49, 434_000_000, time.UTC), ts)
	for _, bad := range []string{"", "x", "-1", "1.5", "01", "1e3", "9999999999999999"} {
		_, err := ParseTimestamp(bad)
		require.ErrorIs(t, err, ErrTimestamp, bad)
	}
	now := time.Now()
	require.True(t, Fresh(now.Add(-FreshnessWindow), now))
	require.True(t, Fresh(now.Add(FreshnessWindow), now))
	require.False(t, Fresh(now.Add(-FreshnessWindow-time.Millisecond), now))
	require.False(t, Fresh(now.Add(FreshnessWindow+time.Millisecond), now))
}

func TestValidPhone(t *testing.T) {
	for _, ok := range []string{"07522026666", "0752-2026666", "010-12345678", "01012345678", "0755-12345678", "13812345678", "19912345678", "+8613812345678"} {
		require.True(t, ValidPhone(ok), ok)
	}
	for _, bad := range []string{"", "2026666", "7522026666", "0752--2026666", "0752 2026666", "07-2026666", "12812345678", "1381234567", "138123456789", "+86 13812345678", "8613812345678", "+8507522026666", "0752-202666a"} {
		require.False(t, ValidPhone(bad), bad)
	}
}

func TestValidEmail(t *testing.T) {
	for _, ok := range []string{"wangwu@163.com", "a.b+c@mail.example.cn"} {
		require.True(t, ValidEmail(ok), ok)
	}
	for _, bad := range []string{"wangwu", "wangwu@", "@163.com", "wangwu@163", "Wang <wangwu@163.com>", "wangwu@163.com.", "a@[1.2.3.4]", strings.Repeat("a", 95) + "@b.com"} {
		require.False(t, ValidEmail(bad), bad)
	}
}

func TestBuildFirstFailureWins(t *testing.T) {
	_, err := Build(Input{Callback: "nope"}, "id", "Shop", time.Now())
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, FieldContact, fe.Field, "fields are checked in the spec's order")
	require.True(t, fe.Empty)
}

func TestFitAndVisitorFields(t *testing.T) {
	require.Equal(t, "Shop", Fit("  Sh\x00op😀 ", 50))
	require.Equal(t, "ab", Fit("abc", 2))
	require.Equal(t, "访客", VisitorContact(""))
	require.Equal(t, "访客", VisitorContact("😀"))
	require.Equal(t, "A访客", VisitorContact("A"))
	require.Equal(t, "Ann", VisitorContact("Ann"))
	require.Equal(t, "a b c", Subject("a\n b\t\tc"))
	require.Equal(t, "留言", Subject("😀"))
	require.Len(t, []rune(Subject(strings.Repeat("话", 60))), MaxSubject)
}

// storeTests run against each database: the replay check must hold where the
// replicas share MySQL as much as on SQLite.
func storeTests(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	s := &Store{DB: db}

	app, err := s.App(ctx, "1001")
	require.NoError(t, err)
	require.Equal(t, App{TenantID: models.DemoTenantID, TenantName: "Demo Shop", Secret: models.DemoAppSecret}, app)
	_, err = s.App(ctx, "nope")
	require.ErrorIs(t, err, ErrUnknownApp)

	msg := func(id string) models.LeaveMessage {
		return models.LeaveMessage{ID: id, AccType: AccTypeApp, AccName: "Demo Shop", Contact: "王五", Callback: CallbackTel,
			Subject: "subject", CreateTime: CreateTime(time.Now())}
	}
	nonce := &Nonce{Scope: "leavemessage:1001", Value: strings.Repeat("a", 64), ExpiresAt: time.Now().Add(time.Hour)}

	// Replicas racing with the same signature: exactly one wins.
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			errs[i] = (&Store{DB: db}).Save(ctx, "demo", msg("race-"+string(rune('a'+i))), nonce)
		})
	}
	wg.Wait()
	var won, replayed int
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, ErrReplay):
			replayed++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 1, won)
	require.Equal(t, replicas-1, replayed)
	var n int64
	require.NoError(t, db.Model(&models.LeaveMessage{}).Count(&n).Error)
	require.EqualValues(t, 1, n, "a replay writes no message")

	// A failed message write does not burn its signature.
	other := &Nonce{Scope: nonce.Scope, Value: strings.Repeat("b", 64), ExpiresAt: time.Now().Add(time.Hour)}
	dup := msg("race-a")
	var winner models.LeaveMessage
	require.NoError(t, db.Take(&winner).Error)
	dup.ID = winner.ID
	require.Error(t, s.Save(ctx, "demo", dup, other), "duplicate primary key")
	require.NoError(t, s.Save(ctx, "demo", msg("after-failure"), other))

	// Expired nonces are swept, at most once a minute.
	require.NoError(t, db.Create(&models.RequestNonce{Scope: "x", Nonce: "old", ExpiresAt: time.Now().Add(-time.Minute).UTC()}).Error)
	now := time.Now()
	require.NoError(t, s.PruneNonces(ctx, now))
	require.NoError(t, db.Create(&models.RequestNonce{Scope: "x", Nonce: "old2", ExpiresAt: time.Now().Add(-time.Minute).UTC()}).Error)
	require.NoError(t, s.PruneNonces(ctx, now.Add(30*time.Second)))
	var left []string
	require.NoError(t, db.Model(&models.RequestNonce{}).Order("nonce").Pluck("nonce", &left).Error)
	require.Equal(t, []string{strings.Repeat("a", 64), strings.Repeat("b", 64), "old2"}, left, "second sweep too soon")
	require.NoError(t, s.PruneNonces(ctx, now.Add(time.Minute)))
	require.NoError(t, db.Model(&models.RequestNonce{}).Order("nonce").Pluck("nonce", &left).Error)
	require.Equal(t, []string{strings.Repeat("a", 64), strings.Repeat("b", 64)}, left)
}

func TestStoreSQLite(t *testing.T) { storeTests(t, modelstest.SQLiteDB(t)) }

func TestStoreMySQL(t *testing.T) { storeTests(t, modelstest.MySQLDB(t)) }

func TestInboxSQLite(t *testing.T) { inboxTests(t, modelstest.SQLiteDB(t)) }

func TestInboxMySQL(t *testing.T) { inboxTests(t, modelstest.MySQLDB(t)) }

// inboxTests checks the agents' view: per tenant, and a tag never rewrites
// create_time, which MySQL would otherwise bump (ON UPDATE CURRENT_TIMESTAMP).
func inboxTests(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	s := &Store{DB: db}
	left := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := models.LeaveMessage{ID: "inbox-1", AccType: "app", AccName: "Demo", Contact: "Ann", Callback: "email", Subject: "s", CreateTime: left}
	require.NoError(t, s.Save(ctx, "demo", m, nil))
	got, err := s.Tag(ctx, "demo", "inbox-1", "done")
	require.NoError(t, err)
	require.Equal(t, "done", *got.Tag)
	require.True(t, left.Equal(got.CreateTime.UTC()), "create_time %s kept", got.CreateTime)
	_, err = s.Tag(ctx, "other", "inbox-1", "mine")
	require.ErrorIs(t, err, ErrNotFound)
	p, err := s.List(ctx, "other", "", 0, 10)
	require.NoError(t, err)
	require.Zero(t, p.Total)
}
